/**
 * CPython's `repr()` of `float` and `complex`.
 *
 * CPython (`float_repr_style == 'short'`) prints the shortest digit string
 * that round-trips (David Gay's dtoa, mode 0). ECMAScript's
 * `Number.prototype.toExponential()` with no argument is specified to pick
 * the same digits (the fewest that identify the double, ties broken toward the
 * closer value), so only the layout differs and is re-done here with
 * `PyOS_double_to_string(x, 'r', 0, flags)`'s rules.
 *
 * @module
 */

/** Digits `d1 d2 ... dn` and exponent `e` with `|x| = d1.d2...dn × 10^e`. */
interface ShortestDigits {
  digits: string;
  exponent: number;
}

function shortestDigits(magnitude: number): ShortestDigits {
  const text = magnitude.toExponential();
  const at = text.indexOf('e');
  return { digits: text.slice(0, at).replace('.', ''), exponent: Number(text.slice(at + 1)) };
}

/**
 * Formats a double the way `PyOS_double_to_string(x, 'r', 0, flags)` does.
 *
 * @param addDotZero `Py_DTSF_ADD_DOT_0`: `float.__repr__` sets it (so `3.0`),
 *   `complex.__repr__` does not (so `(3+1j)`).
 * @param forceSign `Py_DTSF_SIGN`: a `+` before non-negative values, used for
 *   the imaginary part of a complex with a real part.
 */
function formatRepr(x: number, addDotZero: boolean, forceSign: boolean): string {
  if (Number.isNaN(x)) return forceSign ? '+nan' : 'nan';
  const negative = x < 0 || Object.is(x, -0);
  const sign = negative ? '-' : forceSign ? '+' : '';
  if (!Number.isFinite(x)) return `${sign}inf`;
  if (x === 0) return sign + (addDotZero ? '0.0' : '0');

  const { digits, exponent } = shortestDigits(Math.abs(x));
  // CPython's `decpt`: the decimal point sits after `decpt` digits.
  const decpt = exponent + 1;
  if (decpt <= -4 || decpt > 16) {
    const mantissa = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const expSign = exponent < 0 ? '-' : '+';
    return `${sign}${mantissa}e${expSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) {
    return sign + digits + '0'.repeat(decpt - digits.length) + (addDotZero ? '.0' : '');
  }
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/**
 * `repr(x)` for a Python float: `0.1`, `3.0`, `1e+16`, `1.5e-05`, `-0.0`,
 * `nan`, `inf`, `-inf`. NaN prints without a sign whatever its sign bit, as
 * CPython does.
 */
export function floatRepr(x: number): string {
  return formatRepr(x, true, false);
}

/**
 * `repr(complex(re, im))`: `2j`, `-1.5j`, `0j`, `(1+2j)`, `(-0-1j)`,
 * `(1+nanj)`. The real part is left out only when it is `+0.0`; the parts
 * never get a forced `.0`.
 */
export function complexRepr(re: number, im: number): string {
  if (re === 0 && !Object.is(re, -0)) return `${formatRepr(im, false, false)}j`;
  return `(${formatRepr(re, false, false)}${formatRepr(im, false, true)}j)`;
}
