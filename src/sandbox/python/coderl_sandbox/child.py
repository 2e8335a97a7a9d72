"""The forked child: lock itself down, then run the user's program as `__main__`.

Order matters: descriptors, then limits and credentials (while still root), then the
parent-death signal (setuid clears it), then seccomp, then a Python state that looks
like a fresh `python3 main.py`. Only when all of that succeeded does the child write
one byte to the setup pipe and close it; the server treats a child that exits without
that byte as a sandbox error. User code never sees the setup pipe, so it cannot forge
a setup failure, and everything the server reports (status, exit code, signal, times)
is observed from outside the child.
"""

import builtins
import fcntl
import io
import os
import resource
import signal
import sys
import traceback
import types

SETUP_OK = b"1"
SETUP_FAILED = 125
PR_SET_PDEATHSIG = 1

FD_STDIN, FD_STDOUT, FD_STDERR, FD_VARS, FD_SETUP = 0, 1, 2, 3, 4


def cpu_limit_s(job):
    """CPU seconds: the wall timeout rounded up, plus one (the wall timeout should fire first)."""
    return -(-job["timeout_ms"] // 1000) + 1


def _limits(job, settings):
    mib = 1024 * 1024
    cpu_s = cpu_limit_s(job)
    limits = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_CPU, cpu_s),
        (resource.RLIMIT_FSIZE, job["file_size_mb"] * mib),
        (resource.RLIMIT_NOFILE, job["open_files"]),
    ]
    if job["memory_mb"] > 0:
        limits.append((resource.RLIMIT_AS, job["memory_mb"] * mib))
    if settings["isolated"]:
        # RLIMIT_NPROC counts every process of the real uid; the slot uid is ours alone.
        limits.append((resource.RLIMIT_NPROC, job["processes"]))
    for which, value in limits:
        hard = value + 1 if which == resource.RLIMIT_CPU else value  # SIGXCPU first, SIGKILL one second later
        resource.setrlimit(which, (value, hard))


def _drop_privileges(settings):
    # The server already emptied the capability bounding set and installed seccomp;
    # both are inherited across fork. setresuid away from 0 clears every capability.
    os.setgroups([])
    os.setresgid(settings["gid"], settings["gid"], settings["gid"])
    os.setresuid(settings["uid"], settings["uid"], settings["uid"])


def make_stdio(settings):
    """Built by the server before fork (cheap there, costly as copy-on-write faults in the
    child). Bound to fds 0-2, which the child points at its pipes before using them."""
    enc, errs = settings["stdio_encoding"], settings["stdio_errors"]
    return (
        io.TextIOWrapper(io.BufferedReader(io.FileIO(FD_STDIN, "r", closefd=False)), encoding=enc, errors=errs, newline="\n"),
        io.TextIOWrapper(io.BufferedWriter(io.FileIO(FD_STDOUT, "w", closefd=False)), encoding=enc, errors=errs, newline="\n"),
        io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(FD_STDERR, "w", closefd=False)),
            encoding=enc, errors="backslashreplace", newline="\n", line_buffering=True,
        ),
    )


def _python_state(settings, main_path, stdio):
    """Make the interpreter look like a fresh `python3 /tmp/main.py` started with the slot's env.

    Signal dispositions need no reset: the server never changes Python's defaults
    (SIGINT -> KeyboardInterrupt, SIGPIPE and SIGXFSZ ignored). `random` reseeds itself
    in every fork (os.register_at_fork), so children never share a stream."""
    sys.stdin, sys.stdout, sys.stderr = stdio
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = stdio
    sys.argv = [main_path]
    sys.path[:] = [os.path.dirname(main_path)] + settings["base_path"]
    main = types.ModuleType("__main__")
    main.__file__ = main_path
    main.__builtins__ = builtins
    main.__cached__ = None
    sys.modules["__main__"] = main
    return main.__dict__


def _exit_code_of(exc):
    """What CPython's handle_system_exit does with SystemExit.code."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def _report_uncaught(exc):
    tb = exc.__traceback__.tb_next if exc.__traceback__ is not None else None  # hide this file's frame
    exc.__traceback__ = tb
    try:
        sys.excepthook(type(exc), exc, tb)
    except Exception:
        traceback.print_exception(type(exc), exc, tb)


def _run_user_code(main_globals, main_path, capture):
    """Compile and exec like `python3 main.py`; return the process exit code."""
    try:
        with open(main_path, "rb") as f:
            source = f.read()
        code = compile(source, main_path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        traceback.print_exception(type(exc), exc, None)
        return 1
    except BaseException as exc:
        _report_uncaught(exc)
        return 1
    if capture is not None:
        capture.start()
    try:
        exec(code, main_globals)
        return 0
    except SystemExit as exc:
        return _exit_code_of(exc)
    except BaseException as exc:
        _report_uncaught(exc)
        return 1
    finally:
        if capture is not None:
            capture.stop()


def _finish_interpreter():
    """The parts of Py_FinalizeEx a program can observe: threads, atexit, flushing."""
    exit_code = None
    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()
        except BaseException:
            pass
    atexit = sys.modules.get("atexit")
    if atexit is not None:
        try:
            atexit._run_exitfuncs()
        except BaseException:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            exit_code = 120  # CPython exits 120 when flushing stdout fails at shutdown
    return exit_code


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except OSError:
            return  # the server stopped reading (capture too large); nothing else to do
        view = view[n:]


def run(job, settings, fds, installer, main_path, stdio):
    """Entry point in the child; never returns."""
    try:
        isolated = settings["isolated"]
        # Lift every source above the target range first, so no dup2 clobbers a later source.
        high = [None if src is None else fcntl.fcntl(src, fcntl.F_DUPFD, 16) for src in fds]
        for dst, src in enumerate(high):
            if src is None:
                try:
                    os.close(dst)
                except OSError:
                    pass
                continue
            os.dup2(src, dst, inheritable=dst <= FD_STDERR)
        os.closerange(FD_SETUP + 1, settings["max_fd"])
        os.chdir(os.path.dirname(main_path))
        _limits(job, settings)
        if isolated:
            # Leftovers are found by pid namespace (kill -1), and if the server dies, bwrap
            # (pid 1) exits and the kernel kills the namespace: no session or pdeathsig needed.
            _drop_privileges(settings)
        else:
            os.setsid()  # so the server can kill the job's process group
            installer.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            if os.getppid() != settings["server_pid"]:
                os._exit(SETUP_FAILED)  # the server died between fork and prctl
        main_globals = _python_state(settings, main_path, stdio)
        capture = _make_capture(job, main_path)
        os.write(FD_SETUP, SETUP_OK)
        os.close(FD_SETUP)
    except BaseException as exc:
        try:
            os.write(FD_SETUP, ("E" + type(exc).__name__ + ": " + str(exc))[:500].encode("utf-8", "replace"))
        finally:
            os._exit(SETUP_FAILED)
    exit_code = _run_user_code(main_globals, main_path, capture)
    if capture is not None:
        _send_capture(capture, main_globals)
    shutdown_code = _finish_interpreter()
    os._exit(shutdown_code if shutdown_code is not None and exit_code == 0 else exit_code)


def _make_capture(job, main_path):
    from . import capture as capture_mod

    mode = job["capture"]
    if mode == "paper":
        return capture_mod.PaperCapture(main_path)
    if mode == "trajectory":
        return capture_mod.TrajectoryCapture(main_path, job["trajectory_max_steps"])
    return None


def _send_capture(capture, main_globals):
    import json

    from . import capture as capture_mod

    try:
        payload = {
            "globals": capture_mod.module_variables(main_globals),
            "functions": capture.function_variables(),
            "backend": getattr(capture, "backend", "settrace"),
        }
        if isinstance(capture, capture_mod.TrajectoryCapture):
            payload["trajectory"] = capture.steps
            payload["trajectory_truncated"] = capture.truncated
        data = json.dumps(payload, ensure_ascii=True, allow_nan=False).encode("ascii")
    except BaseException as exc:  # a hostile object can still break encoding; report, don't crash
        data = json.dumps({"error": "%s: %s" % (type(exc).__name__, str(exc)[:200])}).encode("ascii")
    _write_all(FD_VARS, data)
    os.close(FD_VARS)
