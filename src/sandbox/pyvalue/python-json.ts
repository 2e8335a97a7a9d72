/**
 * Python's `json.loads` (CPython 3.12, C scanner, default hooks) into a
 * {@link PyValue}.
 *
 * `JSON.parse` is not enough: it turns every number into a double (losing
 * int vs float and big-int digits), rejects `NaN`/`Infinity`, and keeps the
 * last duplicate key at the last position. So this is a small hand-written
 * recursive-descent parser following `Modules/_json.c` step by step, with
 * the same error messages and positions as `json.JSONDecodeError`.
 *
 * @module
 */
import type { PyDictValue, PyValue } from './types.js';

/**
 * Python's `json.JSONDecodeError`: `msg`, the character offset `pos`
 * (counted in code points, as Python counts them), `lineno` and `colno`; the
 * message reads `Expecting value: line 1 column 5 (char 4)`.
 */
export class PythonJsonDecodeError extends SyntaxError {
  override readonly name = 'PythonJsonDecodeError';
  readonly msg: string;
  readonly pos: number;
  readonly lineno: number;
  readonly colno: number;

  constructor(msg: string, doc: string, unitIndex: number) {
    const before = doc.slice(0, unitIndex);
    const pos = codePointLength(before);
    const lastNewline = before.lastIndexOf('\n');
    const lineno = countNewlines(before) + 1;
    const colno = lastNewline === -1 ? pos + 1 : pos - codePointLength(doc.slice(0, lastNewline));
    super(`${msg}: line ${lineno} column ${colno} (char ${pos})`);
    this.msg = msg;
    this.pos = pos;
    this.lineno = lineno;
    this.colno = colno;
  }
}

/**
 * The nesting at which CPython 3.12 raises `RecursionError` when called from
 * the top level (the exact depth depends on the Python stack in use).
 */
export const PYTHON_JSON_MAX_DEPTH = 1497;

function codePointLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** `json.decoder.WHITESPACE`: only these four characters. */
function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The C scanner's number grammar (`_match_number_unicode`). */
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Thrown where Python's scanner raises `StopIteration(idx)`: no value starts here. */
class NoValue {
  constructor(readonly index: number) {}
}

class Parser {
  constructor(private readonly text: string) {}

  private fail(msg: string, index: number): never {
    throw new PythonJsonDecodeError(msg, this.text, index);
  }

  skipSpace(index: number): number {
    while (index < this.text.length && isJsonSpace(this.text.charCodeAt(index))) index++;
    return index;
  }

  /** `scan_once`: the value starting exactly at `index`, and where it ends. */
  value(index: number, depth: number): [PyValue, number] {
    const text = this.text;
    if (index >= text.length) throw new NoValue(index);
    const c = text[index];
    if (c === '"') {
      const [value, end] = this.string(index + 1);
      return [{ kind: 'str', value }, end];
    }
    if (c === '{') return this.object(index + 1, depth + 1);
    if (c === '[') return this.array(index + 1, depth + 1);
    if (text.startsWith('null', index)) return [{ kind: 'none' }, index + 4];
    if (text.startsWith('true', index)) return [{ kind: 'bool', value: true }, index + 4];
    if (text.startsWith('false', index)) return [{ kind: 'bool', value: false }, index + 5];
    if (text.startsWith('NaN', index)) return [{ kind: 'float', value: NaN }, index + 3];
    if (text.startsWith('Infinity', index)) return [{ kind: 'float', value: Infinity }, index + 8];
    if (text.startsWith('-Infinity', index)) return [{ kind: 'float', value: -Infinity }, index + 9];
    return this.number(index);
  }

  private number(index: number): [PyValue, number] {
    NUMBER.lastIndex = index;
    const match = NUMBER.exec(this.text);
    if (match === null) throw new NoValue(index);
    const end = index + match[0].length;
    if (match[1] === undefined && match[2] === undefined) return [{ kind: 'int', value: BigInt(match[0]) }, end];
    // Python's float(): correctly rounded, overflowing to inf like JS Number().
    return [{ kind: 'float', value: Number(match[0]) }, end];
  }

  /** Four hex digits at `index`, or `undefined`. */
  private hex4(index: number): number | undefined {
    const digits = this.text.slice(index, index + 4);
    return /^[0-9a-fA-F]{4}$/.test(digits) ? Number.parseInt(digits, 16) : undefined;
  }

  /**
   * `scanstring` with `strict=True`, from just after the opening quote.
   * Returns the text and the index just past the closing quote.
   */
  string(start: number): [string, number] {
    const text = this.text;
    const len = text.length;
    const begin = start - 1;
    let out = '';
    let index = start;
    for (;;) {
      let chunkEnd = index;
      while (chunkEnd < len) {
        const code = text.charCodeAt(chunkEnd);
        if (code === 0x22 || code === 0x5c) break;
        if (code < 0x20) this.fail('Invalid control character at', chunkEnd);
        chunkEnd++;
      }
      if (chunkEnd >= len) this.fail('Unterminated string starting at', begin);
      out += text.slice(index, chunkEnd);
      if (text[chunkEnd] === '"') return [out, chunkEnd + 1];

      // A backslash escape.
      const escIndex = chunkEnd + 1;
      if (escIndex >= len) this.fail('Unterminated string starting at', begin);
      const esc = text[escIndex];
      if (esc !== 'u') {
        const simple = SIMPLE_ESCAPES[esc];
        if (simple === undefined) this.fail('Invalid \\escape', chunkEnd);
        out += simple;
        index = escIndex + 1;
        continue;
      }
      // \uXXXX: CPython insists on one more character after the digits.
      let end = escIndex + 5;
      if (end >= len) this.fail('Invalid \\uXXXX escape', escIndex);
      let code = this.hex4(escIndex + 1);
      if (code === undefined) this.fail('Invalid \\uXXXX escape', escIndex);
      // A high surrogate followed by an escaped low surrogate is one character.
      if (code >= 0xd800 && code <= 0xdbff && end + 6 < len && text[end] === '\\' && text[end + 1] === 'u') {
        const low = this.hex4(end + 2);
        if (low === undefined) this.fail('Invalid \\uXXXX escape', end + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          end += 6;
        }
      }
      out += String.fromCodePoint(code);
      index = end;
    }
  }

  /** `_parse_object_unicode`, from just after `{`. */
  private object(start: number, depth: number): [PyDictValue, number] {
    if (depth > PYTHON_JSON_MAX_DEPTH) throw recursionError('object');
    const text = this.text;
    const entries: Array<[PyValue, PyValue]> = [];
    // Python's dict keeps a repeated key at its first position, with the last value.
    const positions = new Map<string, number>();
    let index = this.skipSpace(start);
    if (text[index] !== '}') {
      for (;;) {
        if (text[index] !== '"') this.fail('Expecting property name enclosed in double quotes', index);
        const [key, afterKey] = this.string(index + 1);
        index = this.skipSpace(afterKey);
        if (text[index] !== ':') this.fail("Expecting ':' delimiter", index);
        index = this.skipSpace(index + 1);
        const [value, afterValue] = this.value(index, depth);
        const seen = positions.get(key);
        if (seen === undefined) {
          positions.set(key, entries.length);
          entries.push([{ kind: 'str', value: key }, value]);
        } else {
          entries[seen] = [entries[seen][0], value];
        }
        index = this.skipSpace(afterValue);
        if (text[index] === '}') break;
        if (text[index] !== ',') this.fail("Expecting ',' delimiter", index);
        index = this.skipSpace(index + 1);
      }
    }
    return [{ kind: 'dict', entries }, index + 1];
  }

  /** `_parse_array_unicode`, from just after `[`. */
  private array(start: number, depth: number): [PyValue, number] {
    if (depth > PYTHON_JSON_MAX_DEPTH) throw recursionError('array');
    const text = this.text;
    const items: PyValue[] = [];
    let index = this.skipSpace(start);
    if (text[index] !== ']') {
      for (;;) {
        const [item, afterItem] = this.value(index, depth);
        items.push(item);
        index = this.skipSpace(afterItem);
        if (text[index] === ']') break;
        if (text[index] !== ',') this.fail("Expecting ',' delimiter", index);
        index = this.skipSpace(index + 1);
      }
    }
    return [{ kind: 'list', items }, index + 1];
  }
}

function recursionError(what: 'object' | 'array'): RangeError {
  return new RangeError(`maximum recursion depth exceeded while decoding a JSON ${what} from a unicode string`);
}

/**
 * `json.loads(text)` as a {@link PyValue}: integers stay `int` at any size,
 * numbers with a fraction or exponent are `float` (`1e400` is `inf`),
 * `NaN`/`Infinity`/`-Infinity` are accepted, objects become dicts with `str`
 * keys (a repeated key keeps its first position and its last value), arrays
 * become lists; `\uXXXX` escapes pair up surrogates and leave lone ones
 * alone, as Python does.
 *
 * Not modelled: CPython's 4,300-digit limit on int conversion (`json.loads`
 * raises `ValueError` past it; this returns the int). Nesting deeper than
 * {@link PYTHON_JSON_MAX_DEPTH} throws a `RangeError` standing in for
 * Python's `RecursionError`.
 *
 * @throws PythonJsonDecodeError with Python's message and code-point offset.
 */
export function parsePythonJson(text: string): PyValue {
  if (text.startsWith('\ufeff')) {
    throw new PythonJsonDecodeError('Unexpected UTF-8 BOM (decode using utf-8-sig)', text, 0);
  }
  const parser = new Parser(text);
  const start = parser.skipSpace(0);
  let result: [PyValue, number];
  try {
    result = parser.value(start, 0);
  } catch (error) {
    if (error instanceof NoValue) throw new PythonJsonDecodeError('Expecting value', text, error.index);
    throw error;
  }
  const end = parser.skipSpace(result[1]);
  if (end !== text.length) throw new PythonJsonDecodeError('Extra data', text, end);
  return result[0];
}
