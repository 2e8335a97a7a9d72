/**
 * A canonical string per Python hash-equivalence class, so that dict and set
 * lookups can be modelled with a JS `Map`.
 *
 * The contract is one-way, like Python's `hash`: values that are `==` get
 * the same key (`1`, `1.0`, `True` and `(1+0j)` all map to `#1`). Values with
 * the same key are not necessarily equal (two NaNs share `#nan`), so a lookup
 * must confirm a candidate with `pyEq`.
 *
 * @module
 */
import { floatRepr } from './float-repr.js';
import { numericParts, type Real } from './numeric.js';
import type { PyValue } from './types.js';

function bytesHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** An integral real maps to its exact decimal, so `1` and `1.0` agree. */
function realKey(x: Real): string {
  if (typeof x === 'bigint') return x.toString();
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (Number.isInteger(x)) return BigInt(x).toString();
  // Non-integral: repr has a '.' or an 'e', so it never looks like an int.
  return floatRepr(x);
}

/**
 * `range` equality is sequence equality, so the key is the normalised
 * `(len, start, step)` that CPython's `range.__hash__` uses too.
 */
function rangeKey(start: bigint, stop: bigint, step: bigint): string {
  const span = step > 0n ? stop - start : start - stop;
  const absStep = step > 0n ? step : -step;
  const length = span <= 0n ? 0n : (span + absStep - 1n) / absStep;
  if (length === 0n) return 'r0';
  if (length === 1n) return `r1:${start}`;
  return `r${length}:${start}:${step}`;
}

/**
 * The hash key of a value, or `null` when Python could not hash it (list,
 * dict, set, bytearray and anything containing one) or when the value is not
 * known well enough to say (truncated values, cycle and depth markers).
 *
 * An opaque object gets a key from its class and repr: it is most likely
 * hashable (it was probably a dict key), and since opaque values are never
 * `==`, sharing a key cannot make two of them look equal.
 */
export function pyHashKey(v: PyValue): string | null {
  switch (v.kind) {
    case 'none':
      return 'N';
    case 'bool':
    case 'int':
    case 'float':
    case 'complex': {
      const parts = numericParts(v);
      if (parts === undefined) return null;
      return parts.im === 0 ? `#${realKey(parts.re)}` : `#c${realKey(parts.re)}|${realKey(parts.im)}`;
    }
    case 'str':
      return v.truncated === true ? null : `s${JSON.stringify(v.value)}`;
    case 'bytes':
      return v.mutable === true || v.truncated === true ? null : `b${bytesHex(v.value)}`;
    case 'tuple': {
      if (v.truncated === true) return null;
      const keys = childKeys(v.items);
      return keys === null ? null : `t${JSON.stringify(keys)}`;
    }
    case 'frozenset': {
      if (v.truncated === true) return null;
      const keys = childKeys(v.items);
      // Order-free: sorted and de-duplicated, so equal frozensets agree.
      return keys === null ? null : `f${JSON.stringify([...new Set(keys)].sort())}`;
    }
    case 'range':
      return rangeKey(v.start, v.stop, v.step);
    case 'opaque':
      return v.truncated === true ? null : `o${JSON.stringify([v.cls, v.repr])}`;
    case 'list':
    case 'set':
    case 'dict':
    case 'marker':
      return null;
  }
}

function childKeys(items: readonly PyValue[]): string[] | null {
  const keys: string[] = [];
  for (const item of items) {
    const key = pyHashKey(item);
    if (key === null) return null;
    keys.push(key);
  }
  return keys;
}
