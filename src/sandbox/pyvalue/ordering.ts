/**
 * Python's `<` for the values it can order, used to sort `Counter` counts
 * the way `Counter.most_common()` does.
 *
 * @module
 */
import { pyEq } from './equality.js';
import { compareReals, realValue } from './numeric.js';
import type { PyValue } from './types.js';

/**
 * Compares two strings by code point, as Python does. JS's `<` compares
 * UTF-16 code units, which puts astral characters (surrogate pairs) before
 * U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): -1 | 0 | 1 {
  const itA = a[Symbol.iterator]();
  const itB = b[Symbol.iterator]();
  for (;;) {
    const x = itA.next();
    const y = itB.next();
    if (x.done === true) return y.done === true ? 0 : -1;
    if (y.done === true) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * `a < b` in Python, or `undefined` when Python would raise `TypeError`
 * (`1 < 'a'`, `None < None`, complex, dict, list vs tuple) or when the
 * comparison is not modelled (sets order by inclusion, opaque objects by
 * their own `__lt__`).
 *
 * Numbers compare exactly and every comparison with NaN is `false`;
 * strings by code point; bytes bytewise; lists and tuples lexicographically
 * (the first pair that is not `==` decides, else the shorter is smaller).
 */
export function pyLess(a: PyValue, b: PyValue): boolean | undefined {
  const ra = realValue(a);
  const rb = realValue(b);
  if (ra !== undefined && rb !== undefined) return compareReals(ra, rb) === -1;
  if (a.kind === 'str' && b.kind === 'str') return compareCodePoints(a.value, b.value) < 0;
  if (a.kind === 'bytes' && b.kind === 'bytes') return compareBytes(a.value, b.value) < 0;
  if ((a.kind === 'list' && b.kind === 'list') || (a.kind === 'tuple' && b.kind === 'tuple')) {
    // A deque orders only against a deque.
    if ((a.cls === 'deque') !== (b.cls === 'deque')) return undefined;
    const n = Math.min(a.items.length, b.items.length);
    for (let i = 0; i < n; i++) {
      if (!pyEq(a.items[i], b.items[i])) return pyLess(a.items[i], b.items[i]);
    }
    return a.items.length < b.items.length;
  }
  return undefined;
}
