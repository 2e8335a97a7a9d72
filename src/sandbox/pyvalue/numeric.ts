/**
 * Exact arithmetic comparisons across Python's numeric tower
 * (`bool` ⊂ `int` ⊂ `float` ⊂ `complex`).
 *
 * Python compares an int with a float by their exact mathematical values
 * (`2**53 + 1 != float(2**53)`), never by rounding the int to a double, so
 * every comparison here keeps ints as `bigint` and only converts a float to
 * `bigint` when it is integral (which is then exact).
 *
 * @module
 */
import type { PyValue } from './types.js';

/** A real number: an exact int or a double. */
export type Real = bigint | number;

/** A numeric value as `re + im·j`; `im` is 0 for bool, int and float. */
export interface NumericParts {
  re: Real;
  im: number;
}

/** The numeric parts of a bool/int/float/complex, or `undefined`. */
export function numericParts(v: PyValue): NumericParts | undefined {
  switch (v.kind) {
    case 'bool':
      return { re: v.value ? 1n : 0n, im: 0 };
    case 'int':
      return { re: v.value, im: 0 };
    case 'float':
      return { re: v.value, im: 0 };
    case 'complex':
      return { re: v.re, im: v.im };
    default:
      return undefined;
  }
}

/** The value of a bool/int/float as a real, or `undefined` (complex too). */
export function realValue(v: PyValue): Real | undefined {
  if (v.kind === 'complex') return undefined;
  return numericParts(v)?.re;
}

/**
 * Three-way exact comparison of two reals; `undefined` when either is NaN
 * (every ordering test against NaN is false in Python).
 */
export function compareReals(a: Real, b: Real): -1 | 0 | 1 | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return undefined;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint') {
    const flipped = compareReals(b, a);
    return flipped === undefined ? undefined : flipped === 0 ? 0 : flipped === 1 ? -1 : 1;
  }
  // a is a double, b an int.
  const x = a as number;
  const n = b as bigint;
  if (Number.isNaN(x)) return undefined;
  if (x === Infinity) return 1;
  if (x === -Infinity) return -1;
  if (Number.isInteger(x)) {
    const exact = BigInt(x);
    return exact < n ? -1 : exact > n ? 1 : 0;
  }
  // Not integral: x lies strictly between floor(x) and floor(x) + 1.
  return BigInt(Math.floor(x)) < n ? -1 : 1;
}

/** Exact `==` of two reals (NaN equals nothing). */
export function realsEqual(a: Real, b: Real): boolean {
  return compareReals(a, b) === 0;
}

/** Python `==` between two numbers of any kind in the tower. */
export function numbersEqual(a: NumericParts, b: NumericParts): boolean {
  return realsEqual(a.re, b.re) && a.im === b.im;
}
