"""The forked child: install a fresh `__main__` and stdio, then run the user's program.

By the time `run` is called, the native loop (forkserver.c) has already moved the job's
pipes into fds 0-4, applied the rlimits, switched to the slot's uid (or, without
isolation, started a session with a parent-death signal) and run the interpreter's
after-fork hook (PyOS_AfterFork_Child: thread state, import lock, `random` reseeding);
seccomp and the empty capability bounding set are inherited from the server. `run`
installs a Python state that looks like a fresh `python3 main.py`, and only when that
succeeded writes one byte to the setup pipe and closes it; the server treats a child that
exits without that byte as a sandbox error. User code never sees the setup pipe, so it
cannot forge a setup failure, and everything reported to the host (status, exit code,
signal, times) is observed from outside the child.
"""

import builtins
import io
import json
import os
import sys
import traceback
import types

from . import capture as capture_mod

SETUP_OK = b"1"
SETUP_FAILED = 125

FD_STDIN, FD_STDOUT, FD_STDERR, FD_VARS, FD_SETUP = 0, 1, 2, 3, 4
# The server keeps fds 0-4 occupied, so the child's pipe ends arrive at 5 or above and
# can be moved into place with one dup2 each (no source is clobbered by an earlier move).
FIRST_FREE_FD = 5
# Capture modes on the wire (forkserver.c struct request, src/sandbox/protocol.ts).
CAPTURE_PAPER, CAPTURE_TRAJECTORY = 1, 2


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
    """What makes the interpreter look like a fresh `python3 /tmp/main.py` started with the
    slot's env: sys attributes to set and a fresh `__main__` module. Built in the server
    before fork, so the child only installs them (work in the child is paid again as
    copy-on-write page faults).

    Signal dispositions need no reset: the server never changes Python's defaults
    (SIGINT -> KeyboardInterrupt, SIGPIPE and SIGXFSZ ignored). `random` reseeds itself
    in every fork (os.register_at_fork), so children never share a stream."""
    sys_attrs = {
        "stdin": stdio[0], "stdout": stdio[1], "stderr": stdio[2],
        "__stdin__": stdio[0], "__stdout__": stdio[1], "__stderr__": stdio[2],
        "argv": [main_path],
        "path": [os.path.dirname(main_path)] + settings["base_path"],
    }
    main = types.ModuleType("__main__")
    main.__file__ = main_path
    main.__builtins__ = builtins
    main.__cached__ = None
    return sys_attrs, main


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


# A program that could watch its own frames, or hear exec()'s audit event, might notice
# the reference block running as a second code object: such programs compile whole.
_FRAME_WATCHERS = (b"settrace", b"setprofile", b"monitoring", b"addaudithook", b"_getframe", b"inspect", b"f_back", b"tb_frame")


class ReferenceBlock:
    """The reference's appended capture block, compiled once in the server.

    The host appends the same block to every `reference`-capture program (after a blank
    line), and compiling it costs more than the rest of a trivial job. When a job's source
    ends with exactly that suffix and its own part compiles alone, the child compiles only
    its own part and runs the precompiled block after it, in the same globals, with line
    numbers moved to where the block sits in main.py, so tracebacks are the same. Anything
    else (no suffix, a part that does not compile alone, a part ending in a lone CR that
    would pair with the block's first newline, a program that watches frames) compiles
    the whole text as before."""

    def __init__(self, suffix, main_path):
        self.suffix = suffix.encode("utf-8")
        self.code = compile(self.suffix, main_path, "exec", dont_inherit=True)

    def split(self, source, main_path):
        """(own code, block code) for `source`, or None to compile it whole."""
        if not source.endswith(self.suffix):
            return None
        own = source[: len(source) - len(self.suffix)]
        if own.endswith(b"\r") or any(word in own for word in _FRAME_WATCHERS):
            return None
        try:
            own_code = compile(own, main_path, "exec", dont_inherit=True)
        except BaseException:
            return None  # compiling the whole text reports the error exactly as the reference sees it
        # Line breaks as the tokenizer counts them (\r\n, \r and \n all end a line).
        lines = own.count(b"\n") + own.count(b"\r") - own.count(b"\r\n")
        return own_code, _shift_lines(self.code, lines)


def _shift_lines(code, by):
    consts = tuple(_shift_lines(c, by) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + by, co_consts=consts)


def _run_user_code(main_globals, main_path, source, capture, reference_block=None, program=None):
    """Compile and exec like `python3 main.py`; return the process exit code. `source` is
    the job's bytes as written to main.py (which stays for tracebacks and the program);
    `program` a preloaded code object to run instead."""
    split = reference_block.split(source, main_path) if reference_block is not None and program is None else None
    try:
        if program is not None:
            codes = (program,)
        else:
            codes = split if split is not None else (compile(source, main_path, "exec", dont_inherit=True),)
    except SyntaxError as exc:
        traceback.print_exception(type(exc), exc, None)
        return 1
    except BaseException as exc:
        _report_uncaught(exc)
        return 1
    if capture is not None:
        capture.start()
    try:
        for code in codes:
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


class ChildTemplate:
    """What every child starts from, built once in the server before the first fork (work
    done in a child is paid again as copy-on-write faults): stdio objects bound to fds
    0-2, the sys attributes and a fresh `__main__` module. The server never uses them,
    so each child gets them pristine."""

    def __init__(self, settings, main_path, return_hook=None):
        self.main_path = main_path
        self.sys_attrs, self.main = _python_state(settings, main_path, make_stdio(settings))
        # Trusted programs (the judge's harness), compiled here once: see SandboxOptions.programs.
        self.programs = [compile(src, "<%s>" % name, "exec", dont_inherit=True) for name, src in settings.get("programs", [])]
        suffix = settings.get("reference_suffix")
        self.reference_block = ReferenceBlock(suffix, main_path) if suffix else None
        self.captures = {
            CAPTURE_PAPER: capture_mod.PaperCapture(main_path, return_hook),
            CAPTURE_TRAJECTORY: capture_mod.TrajectoryCapture(main_path, 0),
        }


def warm_up(template, rounds=4):
    """Run a child's Python path a few times in the server, on scratch state, before the
    heap is frozen. CPython 3.11+ specializes bytecode in place as it runs (and counts
    down to it), so code first run in a child writes to, and copies, the pages of every
    code object on its path; run here, it is specialized once for all children."""
    sink = io.StringIO()
    saved = sys.stdout, sys.stderr
    source = b"x = [1, 2.5, 'a', None, True]\ny = {'k': (1, 2)}\nprint(x, y)\n"
    if template.reference_block is not None:
        source += template.reference_block.suffix
    try:
        sys.stdout = sys.stderr = sink
        for _ in range(rounds):
            scratch = {"__name__": "__main__", "__builtins__": builtins}
            _run_user_code(scratch, template.main_path, source, None, template.reference_block)
            json.dumps(capture_mod.module_variables(scratch), ensure_ascii=True, allow_nan=False)
            # Not _finish_interpreter: it would run (and clear) the server's atexit hooks.
    finally:
        sys.stdout, sys.stderr = saved


def run(template, capture_mode, trajectory_max_steps, source, program=0):
    """Entry point in the child once the native loop returned there (after the
    interpreter's own after-fork hook, which it calls); never returns."""
    try:
        # A program number the server does not have is the host's bug: a sandbox error.
        preloaded = template.programs[program - 1] if program else None
        sys.__dict__.update(template.sys_attrs)
        sys.modules["__main__"] = template.main
        os.write(FD_SETUP, SETUP_OK)
        os.close(FD_SETUP)
    except BaseException as exc:
        try:
            os.write(FD_SETUP, ("E" + type(exc).__name__ + ": " + str(exc))[:500].encode("utf-8", "replace"))
        finally:
            os._exit(SETUP_FAILED)
    capture = template.captures.get(capture_mode)
    if capture_mode == CAPTURE_TRAJECTORY:
        capture.max_steps = trajectory_max_steps
    main_globals = template.main.__dict__
    exit_code = _run_user_code(main_globals, template.main_path, source, capture, template.reference_block, preloaded)
    if capture is not None:
        _send_capture(capture, main_globals)
    shutdown_code = _finish_interpreter()
    os._exit(shutdown_code if shutdown_code is not None and exit_code == 0 else exit_code)


def _send_capture(capture, main_globals):
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
