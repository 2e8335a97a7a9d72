/**
 * Python's str.strip / str.splitlines / str.isspace in TypeScript. JavaScript's trim()
 * and split('\n') differ in exactly the places that matter when reproducing the
 * reference byte for byte: Python counts \x1c-\x1f and \x85 as whitespace but not
 * U+FEFF, and splitlines() also breaks on \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029.
 */

/** Code points for which CPython's str.isspace() is true (Unicode 15, CPython 3.12). */
const PY_WHITESPACE = new Set<number>([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

/** Line boundaries of str.splitlines() (\r\n counts as one). */
const PY_LINE_BREAKS = new Set<number>([0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029]);

export function pyIsSpaceChar(ch: string): boolean {
  return PY_WHITESPACE.has(ch.codePointAt(0) ?? -1);
}

/** str.strip() with no argument. */
export function pyStrip(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && PY_WHITESPACE.has(s.charCodeAt(start))) start++;
  while (end > start && PY_WHITESPACE.has(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** str.splitlines() with keepends=False. */
export function pySplitlines(s: string): string[] {
  const lines: string[] = [];
  let start = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (PY_LINE_BREAKS.has(c)) {
      lines.push(s.slice(start, i));
      i += c === 0x0d && s.charCodeAt(i + 1) === 0x0a ? 2 : 1;
      start = i;
    } else {
      i++;
    }
  }
  if (start < s.length) lines.push(s.slice(start));
  return lines;
}

/** str.split() with no argument: split on runs of whitespace, dropping empty parts. */
export function pySplitWhitespace(s: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (const ch of s) {
    if (pyIsSpaceChar(ch)) {
      if (current) parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) parts.push(current);
  return parts;
}
