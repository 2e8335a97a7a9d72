/**
 * Python source text that evaluates to a given value, for sending values
 * into the sandbox (test inputs, expected outputs).
 *
 * @module
 */
import { floatRepr } from './float-repr.js';
import { pyRepr } from './repr.js';
import { pyTypeName } from './type-name.js';
import type { PyDictValue, PyValue } from './types.js';

/** CPython refuses to turn more decimal digits than this into an int. */
const INT_MAX_STR_DIGITS = 4300;

/** Reaches `collections` without needing an import statement. */
const COLLECTIONS = "__import__('collections')";

/** Builtin factories whose repr `<class 'int'>` maps back to a name. */
const BUILTIN_FACTORIES = new Set(['int', 'float', 'complex', 'str', 'bytes', 'list', 'tuple', 'set', 'frozenset', 'dict', 'bool']);

function unsupported(v: PyValue, why: string): Error {
  return new Error(`toPythonLiteral: ${pyTypeName(v)} is not supported (${why})`);
}

function intLiteral(n: bigint): string {
  const decimal = n.toString();
  if (decimal.replace('-', '').length <= INT_MAX_STR_DIGITS) return decimal;
  // Power-of-two bases are exempt from the digit limit.
  return n < 0n ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

function floatLiteral(x: number): string {
  if (Number.isNaN(x)) return "float('nan')";
  if (x === Infinity) return "float('inf')";
  if (x === -Infinity) return "-float('inf')";
  return floatRepr(x);
}

const COLLECTIONS_DICTS = new Set(['Counter', 'OrderedDict', 'defaultdict']);

/** A `cls` other than the `collections` types this module knows how to build. */
function isUserSubclass(v: PyValue): boolean {
  if (v.kind === 'none' || v.kind === 'bool' || v.kind === 'opaque' || v.kind === 'marker') return false;
  if (v.cls === undefined) return false;
  if (v.kind === 'list') return v.cls !== 'deque';
  if (v.kind === 'dict') return !COLLECTIONS_DICTS.has(v.cls);
  return true;
}

function itemsLiteral(items: readonly PyValue[]): string {
  return items.map(toPythonLiteral).join(', ');
}

function dictLiteral(v: PyDictValue): string {
  return `{${v.entries.map(([k, x]) => `${toPythonLiteral(k)}: ${toPythonLiteral(x)}`).join(', ')}}`;
}

function collectionsDictLiteral(v: PyDictValue): string {
  switch (v.cls) {
    case 'Counter':
    case 'OrderedDict':
      return `${COLLECTIONS}.${v.cls}(${dictLiteral(v)})`;
    case 'defaultdict': {
      const factory = v.factory ?? 'None';
      const builtin = /^<class '([a-z]+)'>$/.exec(factory)?.[1];
      if (factory !== 'None' && (builtin === undefined || !BUILTIN_FACTORIES.has(builtin))) {
        throw unsupported(v, `its default_factory ${factory} has no literal`);
      }
      return `${COLLECTIONS}.defaultdict(${builtin ?? 'None'}, ${dictLiteral(v)})`;
    }
    default:
      return dictLiteral(v);
  }
}

/**
 * Python source for `v`: its repr where that is valid source, with these
 * exceptions so the text evaluates to exactly `v`:
 * `float('nan')`, `float('inf')`, `-float('inf')`; complex numbers as
 * `complex(re, im)` (the repr `-1.5j` would evaluate to `(-0-1.5j)`); ints
 * over 4,300 digits in hex (CPython rejects longer decimal literals);
 * `Counter`, `OrderedDict`, `defaultdict` with a builtin factory and `deque`
 * through `__import__('collections')`.
 *
 * @throws Error for opaque objects, cycle/depth markers, truncated values and
 *   user subclasses, which have no faithful literal.
 */
export function toPythonLiteral(v: PyValue): string {
  if ('truncated' in v && v.truncated === true) throw unsupported(v, 'truncated');
  if (isUserSubclass(v)) throw unsupported(v, 'user subclass');
  switch (v.kind) {
    case 'none':
    case 'bool':
    case 'str':
    case 'range':
      return pyRepr(v);
    case 'int':
      return intLiteral(v.value);
    case 'float':
      return floatLiteral(v.value);
    case 'complex':
      return `complex(${floatLiteral(v.re)}, ${floatLiteral(v.im)})`;
    case 'bytes':
      return pyRepr(v);
    case 'list':
      if (v.cls === 'deque') {
        const maxlen = v.maxlen === undefined || v.maxlen === null ? '' : `, maxlen=${v.maxlen}`;
        return `${COLLECTIONS}.deque([${itemsLiteral(v.items)}]${maxlen})`;
      }
      return `[${itemsLiteral(v.items)}]`;
    case 'tuple':
      return v.items.length === 1 ? `(${toPythonLiteral(v.items[0])},)` : `(${itemsLiteral(v.items)})`;
    case 'set':
      return v.items.length === 0 ? 'set()' : `{${itemsLiteral(v.items)}}`;
    case 'frozenset':
      return v.items.length === 0 ? 'frozenset()' : `frozenset({${itemsLiteral(v.items)}})`;
    case 'dict':
      return collectionsDictLiteral(v);
    case 'opaque':
      throw unsupported(v, 'an opaque object has no literal');
    case 'marker':
      throw unsupported(v, `a ${v.which} marker stands for an unknown value`);
  }
}
