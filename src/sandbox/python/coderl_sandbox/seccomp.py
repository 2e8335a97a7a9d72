"""A seccomp-BPF deny-list for sandboxed children, built with ctypes (no libseccomp needed).

Denied with EPERM: sockets other than AF_UNIX, ptrace, mounts and namespace syscalls,
clone with namespace flags, bpf, perf, keyrings, modules, kexec, reboot, swap,
cross-process memory access, userfaultfd, io_uring, clock setting, TIOCSTI, and the
new mount API. clone3 answers ENOSYS so libc falls back to clone, whose flags we can
inspect. A foreign architecture (e.g. i386 syscalls from a 64-bit process) or an x32
syscall number kills the process. Defence in depth: the child has no capabilities and
an empty network namespace already.
"""

import ctypes
import errno
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGE_K = 0x35
BPF_JSET_K = 0x45
BPF_RET_K = 0x06

RET_KILL_PROCESS = 0x80000000
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000

OFF_NR = 0
OFF_ARCH = 4
OFF_ARG0 = 16
OFF_ARG1 = 24

AF_UNIX = 1
TIOCSTI = 0x5412
CLONE_NAMESPACE_FLAGS = 0x7E020080  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME

_COMMON_DENY = [
    "ptrace", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "bpf",
    "perf_event_open", "keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load",
    "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff",
    "process_vm_readv", "process_vm_writev", "userfaultfd", "io_uring_setup",
    "io_uring_enter", "io_uring_register", "personality", "acct", "settimeofday",
    "clock_settime", "clock_adjtime", "adjtimex", "open_by_handle_at", "name_to_handle_at",
    "quotactl", "syslog", "vhangup", "fanotify_init", "kcmp", "sethostname",
    "setdomainname", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
    "mount_setattr", "pidfd_getfd",
]

# name -> number, per architecture (from the kernel's syscall tables)
_TABLES = {
    "x86_64": {
        "arch": 0xC000003E, "x32_bit": 0x40000000,
        "socket": 41, "clone": 56, "clone3": 435, "ioctl": 16,
        "ptrace": 101, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "unshare": 272, "setns": 308, "bpf": 321, "perf_event_open": 298, "keyctl": 250,
        "add_key": 248, "request_key": 249, "kexec_load": 246, "kexec_file_load": 320,
        "init_module": 175, "finit_module": 313, "delete_module": 176, "reboot": 169,
        "swapon": 167, "swapoff": 168, "process_vm_readv": 310, "process_vm_writev": 311,
        "userfaultfd": 323, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "personality": 135, "acct": 163, "settimeofday": 164,
        "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159,
        "open_by_handle_at": 304, "name_to_handle_at": 303, "quotactl": 179, "syslog": 103,
        "vhangup": 153, "fanotify_init": 300, "kcmp": 312, "sethostname": 170,
        "setdomainname": 171, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "pidfd_getfd": 438, "iopl": 172, "ioperm": 173,
    },
    "aarch64": {
        "arch": 0xC00000B7, "x32_bit": None,
        "socket": 198, "clone": 220, "clone3": 435, "ioctl": 29,
        "ptrace": 117, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
        "unshare": 97, "setns": 268, "bpf": 280, "perf_event_open": 241, "keyctl": 219,
        "add_key": 217, "request_key": 218, "kexec_load": 104, "kexec_file_load": 294,
        "init_module": 105, "finit_module": 273, "delete_module": 106, "reboot": 142,
        "swapon": 224, "swapoff": 225, "process_vm_readv": 270, "process_vm_writev": 271,
        "userfaultfd": 282, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "personality": 92, "acct": 89, "settimeofday": 170,
        "clock_settime": 112, "clock_adjtime": 266, "adjtimex": 171,
        "open_by_handle_at": 265, "name_to_handle_at": 264, "quotactl": 60, "syslog": 116,
        "vhangup": 58, "fanotify_init": 262, "kcmp": 272, "sethostname": 161,
        "setdomainname": 162, "open_tree": 428, "move_mount": 429, "fsopen": 430,
        "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
        "pidfd_getfd": 438,
    },
}


def _ins(code, jt, jf, k):
    return struct.pack("HBBI", code, jt, jf, k)


def build_filter(machine=None):
    """Return the BPF program bytes for this machine, or raise RuntimeError if unsupported."""
    machine = machine or platform.machine()
    table = _TABLES.get(machine)
    if table is None:
        raise RuntimeError("seccomp filter: unsupported architecture %r" % machine)
    eperm = RET_ERRNO | errno.EPERM
    prog = [
        _ins(BPF_LD_W_ABS, 0, 0, OFF_ARCH),
        _ins(BPF_JEQ_K, 1, 0, table["arch"]),
        _ins(BPF_RET_K, 0, 0, RET_KILL_PROCESS),
        _ins(BPF_LD_W_ABS, 0, 0, OFF_NR),
    ]
    if table["x32_bit"]:
        prog += [_ins(BPF_JGE_K, 0, 1, table["x32_bit"]), _ins(BPF_RET_K, 0, 0, RET_KILL_PROCESS)]
    deny = [name for name in _COMMON_DENY + ["iopl", "ioperm"] if name in table]
    for name in deny:
        prog += [_ins(BPF_JEQ_K, 0, 1, table[name]), _ins(BPF_RET_K, 0, 0, eperm)]
    # clone3 -> ENOSYS (glibc then uses clone, whose flags are checkable below)
    prog += [_ins(BPF_JEQ_K, 0, 1, table["clone3"]), _ins(BPF_RET_K, 0, 0, RET_ERRNO | errno.ENOSYS)]
    # socket(domain, ...): only AF_UNIX
    prog += [
        _ins(BPF_JEQ_K, 0, 4, table["socket"]),
        _ins(BPF_LD_W_ABS, 0, 0, OFF_ARG0),
        _ins(BPF_JEQ_K, 0, 1, AF_UNIX),
        _ins(BPF_RET_K, 0, 0, RET_ALLOW),
        _ins(BPF_RET_K, 0, 0, eperm),
    ]
    # clone(flags, ...): no namespace flags
    prog += [
        _ins(BPF_LD_W_ABS, 0, 0, OFF_NR),
        _ins(BPF_JEQ_K, 0, 3, table["clone"]),
        _ins(BPF_LD_W_ABS, 0, 0, OFF_ARG0),
        _ins(BPF_JSET_K, 0, 1, CLONE_NAMESPACE_FLAGS),
        _ins(BPF_RET_K, 0, 0, eperm),
    ]
    # ioctl(fd, TIOCSTI, ...): no typing into a terminal
    prog += [
        _ins(BPF_LD_W_ABS, 0, 0, OFF_NR),
        _ins(BPF_JEQ_K, 0, 3, table["ioctl"]),
        _ins(BPF_LD_W_ABS, 0, 0, OFF_ARG1),
        _ins(BPF_JEQ_K, 0, 1, TIOCSTI),
        _ins(BPF_RET_K, 0, 0, eperm),
        _ins(BPF_RET_K, 0, 0, RET_ALLOW),
    ]
    return b"".join(prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


class Installer:
    """Prepared once in the server; `install()` in each forked child is two prctl calls."""

    def __init__(self, program):
        self._buffer = ctypes.create_string_buffer(program, len(program))
        self._fprog = _SockFprog(len(program) // 8, ctypes.addressof(self._buffer))
        self._libc = ctypes.CDLL(None, use_errno=True)
        self._libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]

    def prctl(self, option, arg2=0, arg3=0):
        if self._libc.prctl(option, arg2, arg3, 0, 0) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "prctl(%d) failed" % option)

    def install(self):
        self.prctl(PR_SET_NO_NEW_PRIVS, 1)
        self.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(self._fprog))
