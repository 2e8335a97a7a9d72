/**
 * Small constructors for {@link PyValue}s, so tests and callers can write
 * `pyList([pyInt(1n), pyStrValue('a')])` instead of object literals.
 *
 * The `str` constructor is `pyStrValue`; `pyStr` (exported from `repr.ts`)
 * is Python's `str()` and also accepts a JS string as a shorthand for
 * `pyStrValue`.
 *
 * @module
 */
import type {
  PyBoolValue,
  PyBytesValue,
  PyComplexValue,
  PyDictValue,
  PyFloatValue,
  PyFrozensetValue,
  PyIntValue,
  PyListValue,
  PyMarkerValue,
  PyNoneValue,
  PyOpaqueValue,
  PyRangeValue,
  PySetValue,
  PyStrValue,
  PyTupleValue,
  PyValue,
} from './types.js';

/** The one `None`. */
export const pyNone: PyNoneValue = Object.freeze({ kind: 'none' });
/** `True`. */
export const pyTrue: PyBoolValue = Object.freeze({ kind: 'bool', value: true });
/** `False`. */
export const pyFalse: PyBoolValue = Object.freeze({ kind: 'bool', value: false });

/** `True` or `False`. */
export function pyBool(value: boolean): PyBoolValue {
  return { kind: 'bool', value };
}

/**
 * An `int`. A JS number is accepted for convenience but must be a safe
 * integer: anything else has already lost digits.
 */
export function pyInt(value: bigint | number): PyIntValue {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`pyInt: ${value} is not a safe integer; pass a bigint`);
  }
  return { kind: 'int', value: BigInt(value) };
}

/** A `float`. */
export function pyFloat(value: number): PyFloatValue {
  return { kind: 'float', value };
}

/** A `complex`. */
export function pyComplex(re: number, im: number): PyComplexValue {
  return { kind: 'complex', re, im };
}

/** A `str`. */
export function pyStrValue(value: string): PyStrValue {
  return { kind: 'str', value };
}

/** A `bytes` from raw bytes, an array of byte values or a latin-1 string. */
export function pyBytes(value: Uint8Array | readonly number[] | string): PyBytesValue {
  return { kind: 'bytes', value: toBytes(value) };
}

/** A `bytearray`. */
export function pyBytearray(value: Uint8Array | readonly number[] | string): PyBytesValue {
  return { kind: 'bytes', value: toBytes(value), mutable: true };
}

/** A `list`. */
export function pyList(items: PyValue[]): PyListValue {
  return { kind: 'list', items };
}

/** A `tuple`. */
export function pyTuple(items: PyValue[]): PyTupleValue {
  return { kind: 'tuple', items };
}

/** A `set` (items in iteration order; duplicates are the caller's problem). */
export function pySet(items: PyValue[]): PySetValue {
  return { kind: 'set', items };
}

/** A `frozenset`. */
export function pyFrozenset(items: PyValue[]): PyFrozensetValue {
  return { kind: 'frozenset', items };
}

/** A `dict`, in insertion order. */
export function pyDict(entries: Array<[PyValue, PyValue]>): PyDictValue {
  return { kind: 'dict', entries };
}

/** A `collections.Counter`, in insertion order. */
export function pyCounter(entries: Array<[PyValue, PyValue]>): PyDictValue {
  return { kind: 'dict', cls: 'Counter', entries };
}

/** A `collections.OrderedDict`. */
export function pyOrderedDict(entries: Array<[PyValue, PyValue]>): PyDictValue {
  return { kind: 'dict', cls: 'OrderedDict', entries };
}

/**
 * A `collections.defaultdict`; `factory` is `repr(default_factory)`, e.g.
 * `<class 'int'>` or `None`.
 */
export function pyDefaultdict(factory: string, entries: Array<[PyValue, PyValue]>): PyDictValue {
  return { kind: 'dict', cls: 'defaultdict', factory, entries };
}

/** A `collections.deque`. */
export function pyDeque(items: PyValue[], maxlen: number | null = null): PyListValue {
  return { kind: 'list', cls: 'deque', maxlen, items };
}

/** A `range`; `step` defaults to 1 like Python's. */
export function pyRange(start: bigint, stop: bigint, step: bigint = 1n): PyRangeValue {
  if (step === 0n) throw new RangeError('pyRange: step must not be zero');
  return { kind: 'range', start, stop, step };
}

/** An object known only by class name and repr. */
export function pyOpaque(cls: string, repr: string): PyOpaqueValue {
  return { kind: 'opaque', cls, repr };
}

/** The marker for a container met again while it was being encoded. */
export function pyCycle(of?: string): PyMarkerValue {
  return of === undefined ? { kind: 'marker', which: 'cycle' } : { kind: 'marker', which: 'cycle', of };
}

/** The marker for nesting the encoder did not descend into. */
export const pyDepth: PyMarkerValue = Object.freeze({ kind: 'marker', which: 'depth' });

function toBytes(value: Uint8Array | readonly number[] | string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') {
    const out = new Uint8Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code > 0xff) throw new RangeError('pyBytes: string must be latin-1 (code units <= 0xff)');
      out[i] = code;
    }
    return out;
  }
  for (const b of value) {
    if (!Number.isInteger(b) || b < 0 || b > 0xff) throw new RangeError(`pyBytes: ${b} is not a byte`);
  }
  return Uint8Array.from(value);
}
