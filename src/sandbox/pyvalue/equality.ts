/**
 * Python's `==` for modelled values.
 *
 * @module
 */
import { pyHashKey } from './hash-key.js';
import { numericParts, numbersEqual } from './numeric.js';
import type { PyDictValue, PyValue } from './types.js';

type Entry = [PyValue, PyValue];

/**
 * Python 3.12's `a == b` for the modelled types.
 *
 * - Numbers compare exactly across `bool`/`int`/`float`/`complex`
 *   (`1 == 1.0 == True == (1+0j)`, `2**53 + 1 != float(2**53)`); NaN is
 *   unequal to everything.
 * - `str` with `str`; `bytes` with `bytes` or `bytearray`.
 * - `list` with `list`, `tuple` with `tuple` (never each other), item by item.
 *   A `deque` equals only a `deque`.
 * - `set` and `frozenset` compare by membership and mix freely.
 * - `dict` by size and, for each key, a hash-equal `==` key in the other
 *   dict with an equal value. Two `OrderedDict`s must also agree on key
 *   order; two `Counter`s treat a missing key as a count of 0 (so
 *   `Counter(a=1, b=0) == Counter(a=1)`); mixed with a plain dict, both
 *   compare as dicts.
 * - `range` with `range` when they are the same sequence
 *   (`range(0) == range(2, 2)`).
 *
 * Identity is lost in serialisation, so the shortcut Python takes inside
 * containers (`x is y` implies equal) is not modelled: `[nan] == [nan]` is
 * `False` here even when Python, comparing a list holding the same NaN
 * object twice, would say `True`. For the same reason opaque objects and
 * cycle/depth markers are never equal to anything, not even themselves.
 * Truncated values are only prefixes, so they are never equal either.
 *
 * Subclasses are compared as their base type; a subclass that overrides
 * `__eq__` is not modelled, and a user subclass of `Counter`, `OrderedDict`
 * or `deque` (whose `cls` is the user's class name) is taken for its base
 * dict or list.
 */
export function pyEq(a: PyValue, b: PyValue): boolean {
  if (isUnknown(a) || isUnknown(b)) return false;

  const numA = numericParts(a);
  const numB = numericParts(b);
  if (numA !== undefined || numB !== undefined) {
    return numA !== undefined && numB !== undefined && numbersEqual(numA, numB);
  }

  switch (a.kind) {
    case 'none':
      return b.kind === 'none';
    case 'str':
      return b.kind === 'str' && a.value === b.value;
    case 'bytes':
      return b.kind === 'bytes' && bytesEqual(a.value, b.value);
    case 'list':
      return b.kind === 'list' && isDeque(a) === isDeque(b) && sequencesEqual(a.items, b.items);
    case 'tuple':
      return b.kind === 'tuple' && sequencesEqual(a.items, b.items);
    case 'set':
    case 'frozenset':
      return (b.kind === 'set' || b.kind === 'frozenset') && setsEqual(a.items, b.items);
    case 'dict':
      return b.kind === 'dict' && dictsEqual(a, b);
    case 'range':
      return b.kind === 'range' && pyHashKey(a) === pyHashKey(b);
    default:
      return false;
  }
}

/** Values whose equality cannot be known from what was captured. */
function isUnknown(v: PyValue): boolean {
  if (v.kind === 'opaque' || v.kind === 'marker') return true;
  return 'truncated' in v && v.truncated === true;
}

function isDeque(v: PyValue): boolean {
  return v.kind === 'list' && v.cls === 'deque';
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sequencesEqual(a: readonly PyValue[], b: readonly PyValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!pyEq(a[i], b[i])) return false;
  return true;
}

/**
 * A hash index over keys, the way a Python dict or set finds a key: by hash
 * first, then by `==` against the candidates in that bucket.
 */
class HashIndex<T> {
  private readonly buckets = new Map<string, Array<[PyValue, T]>>();

  constructor(pairs: Iterable<[PyValue, T]>) {
    for (const pair of pairs) {
      const key = pyHashKey(pair[0]);
      if (key === null) continue; // unhashable: can never be found
      const bucket = this.buckets.get(key);
      if (bucket === undefined) this.buckets.set(key, [pair]);
      else bucket.push(pair);
    }
  }

  /** The stored pair whose key is `==` to `key`, if any. */
  find(key: PyValue): [PyValue, T] | undefined {
    const hash = pyHashKey(key);
    if (hash === null) return undefined;
    return this.buckets.get(hash)?.find(([candidate]) => pyEq(candidate, key));
  }
}

function containsAll(items: readonly PyValue[], index: HashIndex<null>): boolean {
  return items.every((item) => index.find(item) !== undefined);
}

function setsEqual(a: readonly PyValue[], b: readonly PyValue[]): boolean {
  if (a.length !== b.length) return false;
  const indexA = new HashIndex<null>(a.map((x): [PyValue, null] => [x, null]));
  const indexB = new HashIndex<null>(b.map((x): [PyValue, null] => [x, null]));
  return containsAll(a, indexB) && containsAll(b, indexA);
}

function dictsEqual(a: PyDictValue, b: PyDictValue): boolean {
  if (a.cls === 'Counter' && b.cls === 'Counter') return countersEqual(a.entries, b.entries);
  if (!plainDictsEqual(a.entries, b.entries)) return false;
  if (a.cls === 'OrderedDict' && b.cls === 'OrderedDict') {
    // OrderedDict.__eq__ between two OrderedDicts is order-sensitive.
    return a.entries.every(([key], i) => pyEq(key, b.entries[i][0]));
  }
  return true;
}

/** `dict.__eq__`: same size, every key found in the other with an equal value. */
function plainDictsEqual(a: readonly Entry[], b: readonly Entry[]): boolean {
  if (a.length !== b.length) return false;
  const indexB = new HashIndex<PyValue>(b);
  return a.every(([key, value]) => {
    const found = indexB.find(key);
    return found !== undefined && pyEq(value, found[1]);
  });
}

const ZERO: PyValue = { kind: 'int', value: 0n };

/**
 * `Counter.__eq__` (Python 3.10+): `all(self[e] == other[e] for c in
 * (self, other) for e in c)`, where a missing element counts 0.
 */
function countersEqual(a: readonly Entry[], b: readonly Entry[]): boolean {
  const indexA = new HashIndex<PyValue>(a);
  const indexB = new HashIndex<PyValue>(b);
  const covered = (entries: readonly Entry[], other: HashIndex<PyValue>): boolean =>
    entries.every(([key, count]) => pyEq(count, other.find(key)?.[1] ?? ZERO));
  return covered(a, indexB) && covered(b, indexA);
}
