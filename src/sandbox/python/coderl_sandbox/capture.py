"""Variable capture for the `paper` and `trajectory` modes (runs inside the sandboxed child).

paper: module globals at program end plus, for every user function, its locals as they
were when its last invocation returned (or unwound), keyed `<co_qualname>.<name>`.
On 3.12+ this rides on sys.monitoring PY_RETURN/PY_UNWIND events, which cost little
and can be disabled per code location for library code; on 3.11 it falls back to
sys.settrace with line events switched off (slower, same results).

trajectory: sys.settrace line events for frames of the user's file; each step records
the variables that changed since the previous step of that frame. Bounded in steps.

The `reference` mode is not here: it reproduces the reference's appended capture code
textually (src/sandbox/reference-capture.ts) so that its quirks carry over exactly.
"""

import sys
import types

from . import typed

MONITORING_TOOL_ID = 4  # a free slot: 0-5 are documented tool ids, 4 and 5 are unassigned
# After this many returns a function is "hot": its returns only keep a reference to the
# frame (read at program end) instead of encoding a snapshot. Scalars are exact either
# way; a hot function's mutable locals show their value at program end, which differs only
# if the caller mutates them after the last return. Measured by bench/sandbox.ts.
EAGER_RETURNS = 64


def _is_capturable(name, value):
    if name.startswith("_"):
        return False
    if isinstance(value, types.ModuleType) or callable(value):
        return False
    return True


def module_variables(main_globals):
    """Module-level names in first-assignment (dict) order, filtered like the paper mode."""
    out = {}
    for name, value in list(main_globals.items()):
        if _is_capturable(name, value):
            out[name] = typed.encode_variable(value)
    return out


def _snapshot(frame_locals):
    """Locals at return time: scalars raw (encoded later), everything else encoded now,
    because a mutable value may change after the function returned."""
    snap = {}
    for name, value in frame_locals.items():
        if not _is_capturable(name, value):
            continue
        snap[name] = (True, value) if typed.is_scalar(value) else (False, typed.encode_variable(value))
    return snap


def _user_function(code, filename):
    return code.co_filename == filename and not code.co_name.startswith("<")


def _qualname(code):
    return getattr(code, "co_qualname", code.co_name)


class PaperCapture:
    def __init__(self, filename, return_hook=None):
        """`return_hook`: return_hook.factory's builder, to run hot returns in C (3.12+)."""
        self.filename = filename
        # Keyed by id(code): hashing a code object (3.12) walks all of its instructions,
        # and these dicts are touched on every return. `codes` keeps the objects alive.
        # id -> snapshot dict (eager) or frame (hot); dict order = first return
        self.last = {}
        self.returns = {}
        self.codes = {}
        # sys.monitoring (3.12+) rides on the native return hook; without one, settrace.
        self.backend = "monitoring" if hasattr(sys, "monitoring") and return_hook is not None else "settrace"
        # Built now (in the server, before any fork), so a child only registers it.
        self.native_on_return = return_hook(self._eager_callback(), self.last, EAGER_RETURNS) if self.backend == "monitoring" else None

    def start(self):
        if self.backend == "monitoring":
            self._start_monitoring()
        else:
            sys.settrace(self._trace_call)

    def stop(self):
        if self.backend == "monitoring":
            mon = sys.monitoring
            mon.set_events(MONITORING_TOOL_ID, 0)
            mon.register_callback(MONITORING_TOOL_ID, mon.events.PY_RETURN, None)
            mon.register_callback(MONITORING_TOOL_ID, mon.events.PY_UNWIND, None)
            mon.free_tool_id(MONITORING_TOOL_ID)
        else:
            sys.settrace(None)

    def _record(self, code, frame):
        key = id(code)
        n = self.returns.get(key)
        if n is None:
            self.codes[key] = code
            n = 0
        if n < EAGER_RETURNS:
            self.returns[key] = n + 1
            self.last[key] = _snapshot(frame.f_locals)
        else:
            self.last[key] = frame  # hot path: one dict store

    # -- 3.12+: sys.monitoring --------------------------------------------------
    def _eager_callback(self):
        """PY_RETURN for the native hook, which counts returns itself and calls this only
        for a code object's first EAGER_RETURNS: filter library code, snapshot."""
        filename = self.filename
        last = self.last
        codes = self.codes
        getframe = sys._getframe
        disable = sys.monitoring.DISABLE

        def eager(code, offset, retval):
            if not _user_function(code, filename):
                return disable  # library or module code: never report this location again
            key = id(code)
            codes[key] = code  # kept alive: the native table is keyed by its address
            last[key] = _snapshot(getframe(1).f_locals)  # frame 0 is this one; the C caller pushes none
            return None

        return eager

    def _start_monitoring(self):
        mon = sys.monitoring
        filename = self.filename
        getframe = sys._getframe
        record = self._record

        def on_unwind(code, offset, exc):
            # PY_UNWIND cannot be disabled per location; filter cheaply instead.
            if _user_function(code, filename):
                record(code, getframe(1))

        mon.use_tool_id(MONITORING_TOOL_ID, "coderl-capture")
        mon.register_callback(MONITORING_TOOL_ID, mon.events.PY_RETURN, self.native_on_return)
        mon.register_callback(MONITORING_TOOL_ID, mon.events.PY_UNWIND, on_unwind)
        mon.set_events(MONITORING_TOOL_ID, mon.events.PY_RETURN | mon.events.PY_UNWIND)

    # -- 3.11: settrace with line events off --------------------------------------
    def _trace_call(self, frame, event, arg):
        if event != "call" or not _user_function(frame.f_code, self.filename):
            return None
        frame.f_trace_lines = False
        return self._trace_local

    def _trace_local(self, frame, event, arg):
        if event == "return":
            self._record(frame.f_code, frame)
        return self._trace_local

    def function_variables(self):
        out = {}
        for key, state in self.last.items():
            snap = state if isinstance(state, dict) else _snapshot(state.f_locals)
            prefix = _qualname(self.codes[key]) + "."
            for name, (raw, value) in snap.items():
                out[prefix + name] = typed.encode_variable(value) if raw else value
        return out


class TrajectoryCapture:
    """Per-line states of user code: each step is {line, function, changes}, where
    `changes` maps qualified names to typed values that differ from the previous step."""

    def __init__(self, filename, max_steps):
        self.filename = filename
        self.max_steps = max_steps
        self.steps = []
        self.truncated = False
        self.seen = {}  # id(frame) -> {name: repr-of-encoding} for change detection
        self.paper = PaperCapture(filename)
        self.paper.backend = "settrace"  # returns are observed by the same tracer

    def start(self):
        sys.settrace(self._trace_call)

    def stop(self):
        sys.settrace(None)

    def _trace_call(self, frame, event, arg):
        code = frame.f_code
        if event != "call" or code.co_filename != self.filename:
            return None
        if code.co_name.startswith("<") and code.co_name != "<module>":
            return None
        return self._trace_local

    def _record(self, frame, line):
        if len(self.steps) >= self.max_steps:
            self.truncated = True
            return
        code = frame.f_code
        module_level = code.co_name == "<module>"
        prefix = "" if module_level else _qualname(code) + "."
        previous = self.seen.setdefault(id(frame), {})
        changes = {}
        for name, value in list(frame.f_locals.items()):
            if not _is_capturable(name, value):
                continue
            enc = typed.encode_variable(value)
            key = repr(enc["value"])
            if previous.get(name) != key:
                previous[name] = key
                changes[prefix + name] = enc
        self.steps.append({"line": line, "function": "<module>" if module_level else _qualname(code), "changes": changes})

    def _trace_local(self, frame, event, arg):
        if self.truncated:
            return None
        if event == "line":
            self._record(frame, frame.f_lineno)
        elif event == "return":
            self._record(frame, frame.f_lineno)
            self.seen.pop(id(frame), None)
            if frame.f_code.co_name != "<module>":
                key = id(frame.f_code)
                self.paper.codes[key] = frame.f_code
                self.paper.last[key] = _snapshot(frame.f_locals)
        return self._trace_local

    def function_variables(self):
        return self.paper.function_variables()
