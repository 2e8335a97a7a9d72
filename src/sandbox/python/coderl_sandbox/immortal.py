"""Make every object alive in the fork-server immortal before the first fork (3.12+).

After fork, the server's heap is shared copy-on-write with each child, and CPython
writes an object's reference count whenever it is used, so a child that merely looks
objects up copies the pages they live on. PEP 683 objects with the immortal reference
count are skipped by Py_INCREF/Py_DECREF, so marking the server's whole heap immortal
leaves those pages shared (the technique PEP 683 names for pre-fork servers, which
Instagram's Cinder ships as gc.immortalize_heap). Objects alive now are never freed
afterwards, which is what a fork-server wants anyway: they are the prelude every job
starts from. Objects a job creates are ordinary.

Only on builds whose immortal marker is the 3.12/3.13 one (checked on None, which is
immortal there); elsewhere this does nothing.
"""

import ctypes
import gc
import sys

IMMORTAL_REFCNT = 0xFFFFFFFF  # low 32 bits all ones: Py_INCREF/Py_DECREF leave it alone


def supported():
    return sys.implementation.name == "cpython" and sys.getrefcount(None) == IMMORTAL_REFCNT


def immortalize_heap():
    """Mark every object reachable from the collector's lists immortal; returns how many.

    No visited set: a set of every object's id costs ~4 MB that the server would keep (and
    copy into the page tables of every fork). Every tracked object is listed by
    gc.get_objects(), so only untracked objects (strings, numbers, code, tuples and dicts of
    such) are reached through references; they cannot form cycles, so a plain walk ends."""
    if not supported():
        return 0
    count = 0
    for obj in gc.get_objects():
        count += _mark(obj)
        pending = [ref for ref in gc.get_referents(obj) if not gc.is_tracked(ref)]
        while pending:
            ref = pending.pop()
            if _mark(ref):
                count += 1
                pending.extend(r for r in gc.get_referents(ref) if not gc.is_tracked(r))
    return count


def _mark(obj):
    refcnt = ctypes.c_ssize_t.from_address(id(obj))
    if refcnt.value == IMMORTAL_REFCNT:
        return 0
    refcnt.value = IMMORTAL_REFCNT
    return 1
