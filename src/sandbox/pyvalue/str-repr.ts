/**
 * CPython 3.12's `repr()` of `str`, `bytes` and `bytearray`, and
 * `str.isprintable()` for one code point.
 *
 * @module
 */

/**
 * The categories `str.isprintable()` rejects (`Py_UNICODE_ISPRINTABLE`):
 * Other (Cc, Cf, Cs, Co, Cn) and Separator (Zl, Zp, Zs), except that ASCII
 * space is printable. With the `u` flag, `\p{Cs}` matches a lone surrogate.
 */
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/**
 * Code points assigned in Unicode 15.1, 16.0 and 17.0. Python 3.12 ships
 * Unicode 15.0, where they are unassigned (Cn) and so not printable, but a
 * newer JS runtime (Node 20.20 has Unicode 17) knows them as letters or
 * symbols. Pairs of inclusive `[first, last]` ranges, computed by diffing
 * Python 3.12's `isprintable()` with this regex over every code point.
 */
const ASSIGNED_AFTER_UNICODE_15_0: ReadonlyArray<readonly [number, number]> = [
  [0x88f, 0x88f], [0x897, 0x897], [0xc5c, 0xc5c], [0xcdc, 0xcdc], [0x1acf, 0x1add],
  [0x1ae0, 0x1aeb], [0x1b4e, 0x1b4f], [0x1b7f, 0x1b7f], [0x1c89, 0x1c8a], [0x20c1, 0x20c1],
  [0x2427, 0x2429], [0x2b96, 0x2b96], [0x2ffc, 0x2fff], [0x31e4, 0x31e5], [0x31ef, 0x31ef],
  [0xa7cb, 0xa7cf], [0xa7d2, 0xa7d2], [0xa7d4, 0xa7d4], [0xa7da, 0xa7dc], [0xa7f1, 0xa7f1],
  [0xfbc3, 0xfbd2], [0xfd90, 0xfd91], [0xfdc8, 0xfdce], [0x105c0, 0x105f3], [0x10940, 0x10959],
  [0x10d40, 0x10d65], [0x10d69, 0x10d85], [0x10d8e, 0x10d8f], [0x10ec2, 0x10ec7], [0x10ed0, 0x10ed8],
  [0x10efa, 0x10efc], [0x11380, 0x11389], [0x1138b, 0x1138b], [0x1138e, 0x1138e], [0x11390, 0x113b5],
  [0x113b7, 0x113c0], [0x113c2, 0x113c2], [0x113c5, 0x113c5], [0x113c7, 0x113ca], [0x113cc, 0x113d5],
  [0x113d7, 0x113d8], [0x113e1, 0x113e2], [0x116d0, 0x116e3], [0x11b60, 0x11b67], [0x11bc0, 0x11be1],
  [0x11bf0, 0x11bf9], [0x11db0, 0x11ddb], [0x11de0, 0x11de9], [0x11f5a, 0x11f5a], [0x13460, 0x143fa],
  [0x16100, 0x16139], [0x16d40, 0x16d79], [0x16ea0, 0x16eb8], [0x16ebb, 0x16ed3], [0x16ff2, 0x16ff6],
  [0x187f8, 0x187ff], [0x18cff, 0x18cff], [0x18d09, 0x18d1e], [0x18d80, 0x18df2], [0x1cc00, 0x1ccfc],
  [0x1cd00, 0x1ceb3], [0x1ceba, 0x1ced0], [0x1cee0, 0x1cef0], [0x1e5d0, 0x1e5fa], [0x1e5ff, 0x1e5ff],
  [0x1e6c0, 0x1e6de], [0x1e6e0, 0x1e6f5], [0x1e6fe, 0x1e6ff], [0x1f6d8, 0x1f6d8], [0x1f777, 0x1f77a],
  [0x1f8b2, 0x1f8bb], [0x1f8c0, 0x1f8c1], [0x1f8d0, 0x1f8d8], [0x1fa54, 0x1fa57], [0x1fa89, 0x1fa8a],
  [0x1fa8e, 0x1fa8f], [0x1fabe, 0x1fabe], [0x1fac6, 0x1fac6], [0x1fac8, 0x1fac8], [0x1facd, 0x1facd],
  [0x1fadc, 0x1fadc], [0x1fadf, 0x1fadf], [0x1fae9, 0x1faea], [0x1faef, 0x1faef], [0x1fbcb, 0x1fbef],
  [0x1fbfa, 0x1fbfa], [0x2b73a, 0x2b73f], [0x2cea2, 0x2cead], [0x2ebf0, 0x2ee5d], [0x323b0, 0x33479],
];

function assignedAfterUnicode15(cp: number): boolean {
  let lo = 0;
  let hi = ASSIGNED_AFTER_UNICODE_15_0.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [first, last] = ASSIGNED_AFTER_UNICODE_15_0[mid];
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * Python 3.12's `chr(cp).isprintable()`. Code points assigned after Unicode
 * 17 would be judged by the runtime's newer tables; none exist in Node 20.
 */
export function isPrintableCodePoint(cp: number): boolean {
  if (cp === 0x20) return true;
  if (NON_PRINTABLE.test(String.fromCodePoint(cp))) return false;
  return !assignedAfterUnicode15(cp);
}

/** Characters that never need escaping in a repr: printable ASCII. */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * The quote `repr` uses: `'` unless the text holds a `'` and no `"`
 * (`unicode_repr` and `bytes_repr` share the rule).
 */
function chooseQuote(hasSingle: boolean, hasDouble: boolean): "'" | '"' {
  return hasSingle && !hasDouble ? '"' : "'";
}

/**
 * `repr(s)` for a Python `str` (`unicode_repr`): escapes `\\`, the chosen
 * quote, `\t` `\n` `\r`, other control characters and DEL as `\xNN`, and
 * non-printable code points as `\xNN` / `\uNNNN` / `\UNNNNNNNN`; everything
 * else, non-ASCII letters and emoji included, is kept literal. Iterates by
 * code point, so a lone surrogate (category Cs) comes out as `\udXXX`.
 */
export function strRepr(s: string): string {
  const quote = chooseQuote(s.includes("'"), s.includes('"'));
  if (PLAIN_ASCII.test(s) && !s.includes('\\') && !s.includes(quote)) return quote + s + quote;
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else if (cp < 0x7f || isPrintableCodePoint(cp)) out += ch;
    else if (cp <= 0xff) out += `\\x${hex(cp, 2)}`;
    else if (cp <= 0xffff) out += `\\u${hex(cp, 4)}`;
    else out += `\\U${hex(cp, 8)}`;
  }
  return out + quote;
}

/**
 * `repr(b)` for `bytes` (`b'...'`): `\t` `\n` `\r` `\\` and the quote
 * escaped, bytes below 0x20 or from 0x7f up as `\xNN`.
 */
export function bytesRepr(bytes: Uint8Array): string {
  const quote = chooseQuote(bytes.includes(0x27), bytes.includes(0x22));
  const quoteByte = quote.charCodeAt(0);
  let out = `b${quote}`;
  for (const b of bytes) {
    if (b === quoteByte || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b === 0x09) out += '\\t';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b < 0x20 || b >= 0x7f) out += `\\x${hex(b, 2)}`;
    else out += String.fromCharCode(b);
  }
  return out + quote;
}
