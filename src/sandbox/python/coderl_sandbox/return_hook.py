"""The Python side of native/return_hook.c: paper capture's PY_RETURN callback in C.

Built in the server before the first fork (ctypes work in a child would be paid again as
copy-on-write faults); each child then runs it with the table empty. Only on 3.12+,
where sys.monitoring exists; elsewhere, or without the native library, capture.py keeps
its Python callback.
"""

import ctypes
import sys


class ReturnHookApi(ctypes.Structure):
    """struct return_hook_api in return_hook.c."""

    _fields_ = [
        ("get_frame", ctypes.c_void_p),
        ("dict_set_item", ctypes.c_void_p),
        ("vectorcall", ctypes.c_void_p),
        ("long_from_void_ptr", ctypes.c_void_p),
        ("incref", ctypes.c_void_p),
        ("cfunction_new", ctypes.c_void_p),
        ("none", ctypes.c_void_p),
        ("disable", ctypes.c_void_p),
        ("eager", ctypes.c_void_p),
        ("frames", ctypes.c_void_p),
        ("eager_returns", ctypes.c_uint32),
    ]


def factory(lib):
    """A function (eager, frames, eager_returns) -> C callback, or None if this
    interpreter has no sys.monitoring. `eager(code, offset, retval)` is called for a
    code object's first `eager_returns` recorded returns (and must return
    sys.monitoring.DISABLE for code it does not record); after that the callback stores
    the returning frame in `frames[id(code)]` itself. The library keeps one callback's
    state per process: build one per process (the server builds it before forking)."""
    if not hasattr(sys, "monitoring"):
        return None
    make = lib.coderl_return_hook
    make.argtypes = [ctypes.POINTER(ReturnHookApi)]
    make.restype = ctypes.py_object  # a new reference, which ctypes takes over
    py = ctypes.pythonapi

    def fn(name):
        return ctypes.cast(getattr(py, name), ctypes.c_void_p)

    def build(eager, frames, eager_returns):
        api = ReturnHookApi(
            fn("PyEval_GetFrame"), fn("PyDict_SetItem"), fn("PyObject_Vectorcall"), fn("PyLong_FromVoidPtr"),
            fn("Py_IncRef"), fn("PyCFunction_NewEx"),
            id(None), id(sys.monitoring.DISABLE), id(eager), id(frames), eager_returns,
        )
        return make(ctypes.byref(api))

    return build
