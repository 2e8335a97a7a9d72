/**
 * The TypeScript model of a Python value, as reported by the sandbox's typed
 * capture (see `docs/typed-values.md`).
 *
 * The model keeps exactly what Python's `repr`, `str` and `==` need: the
 * builtin kind (int vs float vs bool, tuple vs list, bytes vs bytearray), exact
 * numbers (`bigint` ints, IEEE doubles with their sign of zero and NaN/inf),
 * container order as Python iterated it, and the class name of subclasses and
 * `collections` types. Everything else about an object is reduced to an
 * `opaque` value holding its class name and `repr`.
 *
 * @module
 */

/**
 * Metadata shared by values whose class may be a subclass of the builtin
 * (`class Foo(list)`) or one of the `collections` types (`Counter`,
 * `OrderedDict`, `defaultdict`, `deque`).
 */
export interface PyClassMeta {
  /** `type(x).__name__` when it is not the builtin type itself. */
  cls?: string;
}

/**
 * Metadata of values the encoder may cut short (long strings and byte
 * strings, big containers). A truncated value is only a prefix of the real
 * one, so it never compares equal to anything (see `pyEq`).
 */
export interface PyTruncation {
  /** Present and `true` when only a prefix of the value was sent. */
  truncated?: boolean;
  /** The original length (characters, bytes or items) when `truncated`. */
  len?: number;
}

/** `None`. */
export interface PyNoneValue {
  kind: 'none';
}

/** `True` / `False` (bool cannot be subclassed, so no `cls`). */
export interface PyBoolValue {
  kind: 'bool';
  value: boolean;
}

/** An `int` of any size. */
export interface PyIntValue extends PyClassMeta {
  kind: 'int';
  value: bigint;
}

/** A `float`: any IEEE double, including `-0.0`, NaN and the infinities. */
export interface PyFloatValue extends PyClassMeta {
  kind: 'float';
  value: number;
}

/** A `complex`: two doubles. */
export interface PyComplexValue extends PyClassMeta {
  kind: 'complex';
  re: number;
  im: number;
}

/** A `str`; JS strings may hold lone surrogates exactly like Python's. */
export interface PyStrValue extends PyClassMeta, PyTruncation {
  kind: 'str';
  value: string;
}

/** A `bytes`, or a `bytearray` when `mutable` is `true`. */
export interface PyBytesValue extends PyClassMeta, PyTruncation {
  kind: 'bytes';
  value: Uint8Array;
  /** `true` for `bytearray` (mutable, so unhashable). */
  mutable?: boolean;
}

/** A `list`, or a `deque` (`cls: 'deque'`, with `maxlen`). */
export interface PyListValue extends PyClassMeta, PyTruncation {
  kind: 'list';
  items: PyValue[];
  /** `deque.maxlen` (`null` for an unbounded deque); only on deques. */
  maxlen?: number | null;
}

/** A `tuple`. */
export interface PyTupleValue extends PyClassMeta, PyTruncation {
  kind: 'tuple';
  items: PyValue[];
}

/** A `set`, items in Python's iteration order. */
export interface PySetValue extends PyClassMeta, PyTruncation {
  kind: 'set';
  items: PyValue[];
}

/** A `frozenset`, items in Python's iteration order. */
export interface PyFrozensetValue extends PyClassMeta, PyTruncation {
  kind: 'frozenset';
  items: PyValue[];
}

/** A `dict` (or `Counter`, `OrderedDict`, `defaultdict`), in dict order. */
export interface PyDictValue extends PyClassMeta, PyTruncation {
  kind: 'dict';
  entries: Array<[PyValue, PyValue]>;
  /** `repr(default_factory)` of a `defaultdict`, e.g. `<class 'int'>`. */
  factory?: string;
}

/** A `range`. */
export interface PyRangeValue extends PyClassMeta {
  kind: 'range';
  start: bigint;
  stop: bigint;
  step: bigint;
}

/**
 * Any other object, known only by its class name and `repr` (which the
 * encoder cut to 200 characters). Identity is lost in serialisation, so an
 * opaque value is never `==` to anything, not even itself.
 *
 * An `int` too big to send (over 65,536 bits) is also opaque: `cls` is its
 * type name, `bits` its size and `truncated` is `true`.
 */
export interface PyOpaqueValue {
  kind: 'opaque';
  cls: string;
  repr: string;
  /** Bit length of an int whose digits were dropped. */
  bits?: number;
  truncated?: boolean;
}

/**
 * Where the encoder stopped: at a container it was already encoding
 * (`cycle`, `of` naming that container's type) or at nesting deeper than
 * 32 levels (`depth`).
 */
export interface PyMarkerValue {
  kind: 'marker';
  which: 'cycle' | 'depth';
  /** For a cycle: the type of the container that was re-entered. */
  of?: string;
}

/** A Python value, discriminated on `kind`. */
export type PyValue =
  | PyNoneValue
  | PyBoolValue
  | PyIntValue
  | PyFloatValue
  | PyComplexValue
  | PyStrValue
  | PyBytesValue
  | PyListValue
  | PyTupleValue
  | PySetValue
  | PyFrozensetValue
  | PyDictValue
  | PyRangeValue
  | PyOpaqueValue
  | PyMarkerValue;

/** Every `kind` tag. */
export type PyKind = PyValue['kind'];

/** The kinds holding an `items` array. */
export type PySequenceLike =
  | PyListValue
  | PyTupleValue
  | PySetValue
  | PyFrozensetValue;
