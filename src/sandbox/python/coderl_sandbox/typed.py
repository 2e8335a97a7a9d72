"""Typed, bounded JSON encoding of Python values (the `paper`/`trajectory` capture format).

The contract is docs/typed-values.md; the TypeScript decoder lives in src/sandbox/pyvalue/.
Runs inside the sandboxed child, after (or during) the user's program, so every
walk is bounded: a node budget, a depth limit, item and string caps, and cycle
markers. It never raises: a value whose __repr__ fails still gets a node.
"""

import collections
import reprlib
import sys

MAX_DEPTH = 32
MAX_ITEMS = 1000
MAX_STR = 10_000
MAX_INT_BITS = 65_536
MAX_REPR = 2_000
MAX_OPAQUE_REPR = 200
NODE_BUDGET = 20_000
SAFE_INT = (1 << 53) - 1

class _BoundedRepr(reprlib.Repr):
    def repr_int(self, x, level):
        # reprlib would build the full decimal string first; refuse huge ints up front.
        if x.bit_length() > MAX_INT_BITS:
            return "<int with %d bits>" % x.bit_length()
        return super().repr_int(x, level)


_bounded_repr = _BoundedRepr()
_bounded_repr.maxlevel = 6
_bounded_repr.maxlist = _bounded_repr.maxtuple = _bounded_repr.maxset = 100
_bounded_repr.maxfrozenset = _bounded_repr.maxdeque = _bounded_repr.maxarray = 100
_bounded_repr.maxdict = 100
_bounded_repr.maxstring = _bounded_repr.maxother = MAX_REPR
_bounded_repr.maxlong = 400

_SEQUENCE_TAGS = ((list, "list"), (tuple, "tuple"), (set, "set"), (frozenset, "frozenset"))
_SCALARS = (type(None), bool, int, float, str)


def _float_v(x):
    if x != x:
        return "nan"
    if x == float("inf"):
        return "inf"
    if x == float("-inf"):
        return "-inf"
    return x


def _int_v(x):
    if -SAFE_INT <= x <= SAFE_INT:
        return x
    return str(x)


class _Encoder:
    """One encoding walk; `truncated` records whether any bound was hit."""

    def __init__(self):
        self.budget = NODE_BUDGET
        self.truncated = False
        self.active = set()  # ids of containers on the current path (cycle detection)
        self.chars = 0  # string characters seen; a large total makes the full repr too costly

    def node(self, x, depth):
        self.budget -= 1
        tp = type(x)
        if x is None:
            return {"t": "none"}
        if tp is bool:
            return {"t": "bool", "v": x}
        if isinstance(x, bool):
            return {"t": "bool", "v": bool(x), "cls": tp.__name__}
        if isinstance(x, int):
            out = self._int(x)
            if tp is not int:
                out["cls"] = tp.__name__
            return out
        if isinstance(x, float):
            out = {"t": "float", "v": _float_v(float(x))}
            if tp is not float:
                out["cls"] = tp.__name__
            return out
        if isinstance(x, complex):
            return {"t": "complex", "re": _float_v(x.real), "im": _float_v(x.imag)}
        if isinstance(x, str):
            self.chars += len(x)
            out = {"t": "str", "v": str(x)}
            if len(x) > MAX_STR:
                out = {"t": "str", "v": str(x[:MAX_STR]), "len": len(x), "truncated": True}
                self.truncated = True
            if tp is not str:
                out["cls"] = tp.__name__
            return out
        if isinstance(x, (bytes, bytearray)):
            tag = "bytearray" if isinstance(x, bytearray) else "bytes"
            out = {"t": tag, "hex": bytes(x[:MAX_STR]).hex()}
            if len(x) > MAX_STR:
                out["len"] = len(x)
                out["truncated"] = True
                self.truncated = True
            return out
        if tp is range:
            return {"t": "range", "start": _int_v(x.start), "stop": _int_v(x.stop), "step": _int_v(x.step)}
        if isinstance(x, (list, tuple, set, frozenset, dict, collections.deque)):
            return self._container(x, tp, depth)
        return self._opaque(x)

    def _int(self, x):
        x = int(x)
        if x.bit_length() > MAX_INT_BITS:
            self.truncated = True
            return {"t": "int", "bits": x.bit_length(), "truncated": True}
        return {"t": "int", "v": _int_v(x)}

    def _container(self, x, tp, depth):
        if isinstance(x, dict):
            tag = "dict"
        elif isinstance(x, collections.deque):
            tag = "list"
        else:
            tag = next(t for base, t in _SEQUENCE_TAGS if isinstance(x, base))
        if id(x) in self.active:
            return {"t": "cycle", "of": tag if tp is not collections.deque else "deque"}
        if depth >= MAX_DEPTH or self.budget <= 0:
            self.truncated = True
            return {"t": "depth"}
        out = {"t": tag}
        if tp not in (dict, list, tuple, set, frozenset):
            out["cls"] = tp.__name__
        if isinstance(x, collections.defaultdict):
            out["factory"] = _safe_repr(x.default_factory, MAX_OPAQUE_REPR)
        if isinstance(x, collections.deque):
            out["maxlen"] = x.maxlen
        self.active.add(id(x))
        try:
            items = []
            n = 0
            source = x.items() if tag == "dict" else x
            for item in source:
                if n >= MAX_ITEMS or self.budget <= 0:
                    break
                if tag == "dict":
                    items.append([self.node(item[0], depth + 1), self.node(item[1], depth + 1)])
                else:
                    items.append(self.node(item, depth + 1))
                n += 1
            out["items"] = items
            if n < len(x):
                out["len"] = len(x)
                out["truncated"] = True
                self.truncated = True
        except Exception:  # mutated during iteration, hostile __iter__, ...
            out["items"] = []
            out["truncated"] = True
            self.truncated = True
        finally:
            self.active.discard(id(x))
        return out

    def _opaque(self, x):
        return {"t": "object", "cls": type(x).__name__, "repr": _safe_repr(x, MAX_OPAQUE_REPR)}


def _safe_repr(x, limit, bounded=False):
    try:
        text = _bounded_repr.repr(x) if bounded else repr(x)
    except Exception as exc:  # a user __repr__ may raise anything
        text = "<repr failed: %s>" % type(exc).__name__
    if not isinstance(text, str):
        text = "<repr returned %s>" % type(text).__name__
    if len(text) > limit:
        return text[: limit - 3] + "..."
    return text


def encode_variable(x):
    """Encode one captured variable as {type, repr, value[, truncated, repr_truncated]}."""
    old_digits = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else None
    if old_digits is not None:
        sys.set_int_max_str_digits(0)  # exact big ints; size is bounded by MAX_INT_BITS instead
    try:
        enc = _Encoder()
        value = enc.node(x, 0)
        if enc.truncated or enc.chars > 50_000:
            text = _safe_repr(x, 10 * MAX_REPR, bounded=True)
        else:
            text = _safe_repr(x, 10 * MAX_REPR)
        out = {"type": type(x).__name__, "repr": text, "value": value}
        if len(text) > MAX_REPR:
            out["repr"] = text[: MAX_REPR - 3] + "..."
            out["repr_truncated"] = True
        if enc.truncated:
            out["truncated"] = True
        return out
    finally:
        if old_digits is not None:
            sys.set_int_max_str_digits(old_digits)


def is_scalar(x):
    """Immutable scalars can be stored raw and encoded later without changing the result."""
    return type(x) in _SCALARS
