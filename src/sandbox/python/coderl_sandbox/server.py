"""Fork-server for one sandbox slot.

Started once per slot (normally as root inside its own bubblewrap: pid/net/ipc/uts
namespaces, read-only root, tmpfs scratch). This module prepares the process every job
is forked from: it moves the host channel off fds 0/1, preimports modules, empties the
capability bounding set, installs the children's seccomp filter on itself, builds the
interpreter state a child starts from, and freezes the heap. Then it hands over to the
native per-job loop (src/sandbox/native/forkserver.c, loaded through ctypes), which
reads job requests on the channel, forks, supervises from outside (wall timeout, output
caps, exit status, signal, CPU time), kills and reaps every leftover process, empties
the scratch directory and answers. Why native: after each fork every page the server
writes is copied, and a Python loop writes hundreds of pages per job.

In a forked child the native loop returns after applying descriptors, limits and the
slot's uid; this module then finishes the interpreter's after-fork work and runs the
program (child.py). The only frame written from Python is the startup one:
4-byte big-endian length + JSON ({"type": "ready", ...} or {"type": "fatal", ...}).
"""

import ctypes
import fcntl
import gc
import json
import os
import struct
import sys

from . import child, immortal, return_hook, seccomp

FRAME = struct.Struct(">I")
PR_SET_CHILD_SUBREAPER = 36
PR_CAPBSET_DROP = 24

# coderl_serve return codes (forkserver.c)
SERVE_STOP = 0
SERVE_CHILD = 1
SERVE_BROKEN = 3
SERVE_PROTOCOL = 4


class NativeSettings(ctypes.Structure):
    _fields_ = [
        ("fd_in", ctypes.c_int32), ("fd_out", ctypes.c_int32),
        ("isolated", ctypes.c_int32), ("uid", ctypes.c_int32), ("gid", ctypes.c_int32),
        ("server_pid", ctypes.c_int32),
        ("scratch", ctypes.c_char_p), ("main_path", ctypes.c_char_p),
        ("before_fork", ctypes.c_void_p), ("after_fork_parent", ctypes.c_void_p),
        ("after_fork_child", ctypes.c_void_p),
    ]


class ChildJob(ctypes.Structure):
    _fields_ = [
        ("capture", ctypes.c_uint32), ("trajectory_max_steps", ctypes.c_uint32),
        ("code", ctypes.c_void_p), ("code_len", ctypes.c_uint64),
        ("program", ctypes.c_uint32), ("reserved", ctypes.c_uint32),
    ]


def load_native(path):
    # PyDLL: the GIL stays held across the call (no other thread exists), and the call
    # returns normally in a forked child.
    lib = ctypes.PyDLL(path)
    lib.coderl_serve.argtypes = [ctypes.POINTER(NativeSettings)]
    lib.coderl_serve.restype = ctypes.c_int
    lib.coderl_clean_scratch.argtypes = [ctypes.POINTER(NativeSettings)]
    lib.coderl_clean_scratch.restype = ctypes.c_int
    return lib


class Server:
    def __init__(self, settings):
        self.settings = settings
        self.isolated = settings["isolated"]
        self.pid = os.getpid()
        self.main_path = os.path.join(settings["scratch"], "main.py")

    def start(self):
        settings = self.settings
        settings["stdio_encoding"] = sys.stdout.encoding
        settings["stdio_errors"] = sys.stdout.errors
        self.fd_in = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 100)
        self.fd_out = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 100)
        devnull = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        # Keep fds 3 and 4 taken too: a job's pipe ends then land at 5 or above, so the
        # child moves each into 0-4 with a single dup2 (forkserver.c child_setup).
        for fd in range(3, child.FIRST_FREE_FD):
            if fd != devnull:
                os.dup2(devnull, fd, inheritable=False)
        if devnull >= child.FIRST_FREE_FD:
            os.close(devnull)
        os.chdir(settings["scratch"])  # the child's cwd, inherited
        self.native = load_native(settings["native"])
        api = ctypes.pythonapi
        self.native_settings = NativeSettings(
            self.fd_in, self.fd_out, 1 if self.isolated else 0, settings["uid"], settings["gid"], self.pid,
            settings["scratch"].encode(), self.main_path.encode(),
            *(ctypes.cast(hook, ctypes.c_void_p) for hook in (api.PyOS_BeforeFork, api.PyOS_AfterFork_Parent, api.PyOS_AfterFork_Child)),
        )
        # A view of the job the native loop leaves for a child, built here: work done in
        # the child costs copy-on-write faults.
        self.child_job = ChildJob.in_dll(self.native, "coderl_child")
        self.string_at = ctypes.string_at
        installer = seccomp.Installer(seccomp.build_filter())
        installer.prctl(PR_SET_CHILD_SUBREAPER, 1)
        with open("/proc/sys/kernel/cap_last_cap") as f:
            cap_last_cap = int(f.read())
        if self.isolated:
            # Empty the bounding set once; every child inherits it (and loses the rest on setuid).
            for cap in range(cap_last_cap + 1):
                installer.prctl(PR_CAPBSET_DROP, cap)
        # The child should see only the slot's env. LD_BIND_NOW (set by the launcher) made the
        # loader resolve every symbol at startup, so children do not write (and copy) the
        # GOT pages on their first calls.
        os.environ.pop("PYTHONHASHSEED", None)
        os.environ.pop("LD_BIND_NOW", None)
        settings["base_path"] = [p for p in sys.path if os.path.abspath(p or ".") != settings["package_parent"]]
        for name in settings.get("preimport", []):
            try:
                __import__(name)  # forked children then import these for free
            except Exception:
                pass
        self.template = child.ChildTemplate(settings, self.main_path, return_hook.factory(self.native))
        child.warm_up(self.template)
        # The server itself runs under the children's seccomp filter: installing it once
        # here instead of per fork saves the kernel's filter preparation on every job.
        installer.install()
        # Objects alive now are shared with every child; keep the child's collector off them
        # so it does not touch (and copy-on-write) the whole heap, and (3.12+) keep
        # reference counting off them too (immortal.py).
        # (Immortalize first: gc.get_objects() does not list frozen objects.)
        immortal.immortalize_heap()
        gc.freeze()
        # Hand free heap pages back (they were imports' scratch): fewer entries for fork()
        # to copy, and ~12 fewer faults per trivial job, measured.
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only
        if trim is not None:
            trim(0)

        if self.isolated and (os.getpid() != 2 or os.getppid() != 1 or os.getuid() != 0):
            raise RuntimeError("isolated mode needs to run as root pid 2 of a fresh pid namespace")
        if self.native.coderl_clean_scratch(ctypes.byref(self.native_settings)) != 0:
            raise RuntimeError(self.native_error())
        self.send_json({
            "type": "ready",
            "pid": self.pid,
            "python": sys.version.split()[0],
            "implementation": sys.implementation.name,
            "executable": sys.executable,
            "monitoring": hasattr(sys, "monitoring"),
            "isolated": self.isolated,
            "stdio_encoding": settings["stdio_encoding"],
        })

    def send_json(self, header):
        raw = json.dumps(header).encode("utf-8")
        data = memoryview(FRAME.pack(len(raw)) + raw)
        while data:
            data = data[os.write(self.fd_out, data):]

    def native_error(self):
        return (ctypes.c_char * 512).in_dll(self.native, "coderl_error").value.decode("utf-8", "replace")

    def serve(self):
        rc = self.native.coderl_serve(ctypes.byref(self.native_settings))
        if rc == SERVE_CHILD:
            job = self.child_job
            source = self.string_at(job.code, job.code_len)
            child.run(self.template, job.capture, job.trajectory_max_steps, source, job.program)
        if rc == SERVE_STOP:
            return 0
        kind = "slot broken" if rc == SERVE_BROKEN else "protocol error"
        sys.stderr.write("coderl-sandbox: %s: %s\n" % (kind, self.native_error()))
        return rc


def main():
    settings = json.loads(sys.argv[1])
    settings["package_parent"] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    server = Server(settings)
    try:
        server.start()
    except Exception as exc:
        sys.stderr.write("coderl-sandbox: startup failed: %s: %s\n" % (type(exc).__name__, exc))
        try:
            server.send_json({"type": "fatal", "error": "%s: %s" % (type(exc).__name__, exc)})
        except Exception:
            pass
        return 2
    return server.serve()


if __name__ == "__main__":
    sys.exit(main())
