/**
 * Python's `json.dumps(v)` with default arguments, for a {@link PyValue}.
 *
 * @module
 */
import { floatRepr } from './float-repr.js';
import { pyTypeName } from './type-name.js';
import type { PyValue } from './types.js';

/**
 * `json.dumps` raised `TypeError` (an unserialisable type or dict key) or
 * `ValueError` (a circular reference); `pythonType` says which.
 */
export class PythonJsonEncodeError extends Error {
  override readonly name = 'PythonJsonEncodeError';
  constructor(
    message: string,
    readonly pythonType: 'TypeError' | 'ValueError',
  ) {
    super(message);
  }
}

/**
 * `json.encoder.encode_basestring_ascii`: `"` `\\` and the short escapes
 * `\b \f \n \r \t`; every other code unit outside printable ASCII as
 * lowercase `\uXXXX`. Escaping UTF-16 code units one by one gives exactly
 * Python's surrogate-pair escapes for astral characters, and lone
 * surrogates come out as themselves, as in Python.
 */
export function jsonStringAscii(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code === 0x22) out += '\\"';
    else if (code === 0x5c) out += '\\\\';
    else if (code >= 0x20 && code <= 0x7e) out += s[i];
    else if (code === 0x08) out += '\\b';
    else if (code === 0x0c) out += '\\f';
    else if (code === 0x0a) out += '\\n';
    else if (code === 0x0d) out += '\\r';
    else if (code === 0x09) out += '\\t';
    else out += `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return `${out}"`;
}

/** `json`'s float format (`allow_nan=True`): repr, or `NaN`/`Infinity`/`-Infinity`. */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return floatRepr(x);
}

function notSerializable(v: PyValue): PythonJsonEncodeError {
  return new PythonJsonEncodeError(`Object of type ${pyTypeName(v)} is not JSON serializable`, 'TypeError');
}

/**
 * A dict key as text: `str` as is, `float` in JSON's float format, `True` /
 * `False` / `None` as `true` / `false` / `null`, `int` in decimal (the C
 * encoder's order of checks); anything else is a `TypeError`.
 */
function keyText(key: PyValue): string {
  switch (key.kind) {
    case 'str':
      return key.value;
    case 'float':
      return jsonFloat(key.value);
    case 'bool':
      return key.value ? 'true' : 'false';
    case 'none':
      return 'null';
    case 'int':
      return key.value.toString();
    default:
      throw new PythonJsonEncodeError(
        `keys must be str, int, float, bool or None, not ${pyTypeName(key)}`,
        'TypeError',
      );
  }
}

function dump(v: PyValue): string {
  switch (v.kind) {
    case 'none':
      return 'null';
    case 'bool':
      return v.value ? 'true' : 'false';
    case 'int':
      return v.value.toString();
    case 'float':
      return jsonFloat(v.value);
    case 'str':
      if (v.truncated === true) throw truncatedError(v);
      return jsonStringAscii(v.value);
    case 'list':
      // deque is not a list subclass, so json cannot serialise it.
      if (v.cls === 'deque') throw notSerializable(v);
      if (v.truncated === true) throw truncatedError(v);
      return `[${v.items.map(dump).join(', ')}]`;
    case 'tuple':
      if (v.truncated === true) throw truncatedError(v);
      return `[${v.items.map(dump).join(', ')}]`;
    case 'dict':
      if (v.truncated === true) throw truncatedError(v);
      return `{${v.entries.map(([k, x]) => `${jsonStringAscii(keyText(k))}: ${dump(x)}`).join(', ')}}`;
    case 'opaque':
      // An int whose digits were dropped would serialise in Python; here it cannot.
      if (v.truncated === true) throw truncatedError(v);
      throw notSerializable(v);
    case 'marker':
      if (v.which === 'cycle') throw new PythonJsonEncodeError('Circular reference detected', 'ValueError');
      throw new PythonJsonEncodeError('cannot serialise a value the encoder cut at its depth limit', 'ValueError');
    default:
      throw notSerializable(v);
  }
}

function truncatedError(v: PyValue): PythonJsonEncodeError {
  return new PythonJsonEncodeError(`cannot serialise a truncated ${pyTypeName(v)}: only a prefix is known`, 'ValueError');
}

/**
 * `json.dumps(v)` with Python's defaults: `", "` and `": "` separators,
 * `ensure_ascii=True`, `allow_nan=True` (`NaN`, `Infinity`), floats by
 * repr, ints at any size, tuples as arrays, dict keys converted like Python
 * (`1` → `"1"`, `1.5` → `"1.5"`, `True` → `"true"`, `None` → `"null"`).
 * Subclasses of the builtins (`Counter`, `OrderedDict`, a `list` subclass)
 * serialise as their base.
 *
 * @throws PythonJsonEncodeError `Object of type set is not JSON serializable`
 *   for sets, bytes, complex, deques and other objects;
 *   `keys must be str, int, float, bool or None, not tuple` for other keys;
 *   `Circular reference detected` at a cycle marker. Truncated values and
 *   depth markers cannot be serialised faithfully and throw too.
 */
export function pythonJsonDumps(v: PyValue): string {
  return dump(v);
}
