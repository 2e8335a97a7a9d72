/**
 * CPython 3.12's `repr()` and `str()` for modelled values.
 *
 * @module
 */
import { pyStrValue } from './constructors.js';
import { complexRepr, floatRepr } from './float-repr.js';
import { pyLess } from './ordering.js';
import { bytesRepr, strRepr } from './str-repr.js';
import type { PyDictValue, PyListValue, PyMarkerValue, PyStrValue, PyValue } from './types.js';

type Entry = [PyValue, PyValue];

/**
 * Joins item reprs; a truncated container shows its known prefix followed by
 * `...` (roughly what `reprlib` prints, since the rest is unknown).
 */
function joinItems(parts: string[], truncated: boolean | undefined): string {
  return truncated === true ? [...parts, '...'].join(', ') : parts.join(', ');
}

function itemsRepr(items: readonly PyValue[], truncated: boolean | undefined): string {
  return joinItems(items.map(pyRepr), truncated);
}

function entriesRepr(entries: readonly Entry[], truncated: boolean | undefined): string {
  return `{${joinItems(entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`), truncated)}}`;
}

/**
 * The order `Counter.most_common()` gives: a stable sort by count,
 * descending. When Python's sort would raise `TypeError` (counts that do not
 * order against each other, e.g. an int and a str), `Counter.__repr__` falls
 * back to plain dict order, and so does this; so do counts whose ordering is
 * not modelled (sets, opaque objects). Sorting counts that include NaN
 * follows JS's sort, not CPython's, and may differ.
 */
function mostCommonOrder(entries: readonly Entry[]): readonly Entry[] {
  if (entries.length < 2) return entries;
  const incomparable = new Error('incomparable');
  const less = (x: PyValue, y: PyValue): boolean => {
    const result = pyLess(x, y);
    if (result === undefined) throw incomparable;
    return result;
  };
  try {
    return [...entries].sort(([, x], [, y]) => (less(y, x) ? -1 : less(x, y) ? 1 : 0));
  } catch (error) {
    if (error === incomparable) return entries;
    throw error;
  }
}

function dictRepr(v: PyDictValue): string {
  switch (v.cls) {
    case 'Counter':
      return v.entries.length === 0 && v.truncated !== true
        ? 'Counter()'
        : `Counter(${entriesRepr(mostCommonOrder(v.entries), v.truncated)})`;
    case 'OrderedDict':
      // Python 3.12 prints `OrderedDict({...})` (3.11 and older used a list of pairs).
      return v.entries.length === 0 && v.truncated !== true
        ? 'OrderedDict()'
        : `OrderedDict(${entriesRepr(v.entries, v.truncated)})`;
    case 'defaultdict':
      return `defaultdict(${v.factory ?? 'None'}, ${entriesRepr(v.entries, v.truncated)})`;
    default:
      return entriesRepr(v.entries, v.truncated);
  }
}

function listRepr(v: PyListValue): string {
  const body = `[${itemsRepr(v.items, v.truncated)}]`;
  if (v.cls !== 'deque') return body;
  return v.maxlen === undefined || v.maxlen === null ? `deque(${body})` : `deque(${body}, maxlen=${v.maxlen})`;
}

/**
 * What Python prints for a container met again while its own repr is being
 * built (`Py_ReprEnter`): `[...]` for list and deque, `(...)` for tuple,
 * `{...}` for dict (and `defaultdict`/`Counter`, whose repr goes through
 * dict's), `...` for `OrderedDict`, `set(...)` / `frozenset(...)` for sets.
 * `of` may be a class name or a node tag; an unknown one prints `...`.
 */
function markerRepr(v: PyMarkerValue): string {
  if (v.which === 'depth') return '...';
  switch (v.of) {
    case 'list':
    case 'deque':
      return '[...]';
    case 'tuple':
      return '(...)';
    case 'dict':
    case 'defaultdict':
    case 'Counter':
      return '{...}';
    case 'set':
    case 'frozenset':
      return `${v.of}(...)`;
    default:
      return '...';
  }
}

/**
 * CPython 3.12's `repr(v)`.
 *
 * Exact for the builtin types and for `Counter`, `OrderedDict`,
 * `defaultdict` and `deque`. A user subclass (`cls` naming another class)
 * prints like its base, except where CPython puts the class name in the base
 * repr itself (`set`, `frozenset` and `bytearray` subclasses print
 * `Name({1})`, `Name(b'..')`); a subclass that overrides `__repr__`
 * (namedtuple, IntEnum, ...) is not modelled, so prefer the captured `repr`
 * string for those. Ints print in full even past the 4,300-digit limit at
 * which CPython's `repr` raises `ValueError`. Truncated values print their
 * known part followed by `...`.
 */
export function pyRepr(v: PyValue): string {
  switch (v.kind) {
    case 'none':
      return 'None';
    case 'bool':
      return v.value ? 'True' : 'False';
    case 'int':
      return v.value.toString();
    case 'float':
      return floatRepr(v.value);
    case 'complex':
      return complexRepr(v.re, v.im);
    case 'str':
      return strRepr(v.value) + (v.truncated === true ? '...' : '');
    case 'bytes': {
      const body = bytesRepr(v.value) + (v.truncated === true ? '...' : '');
      return v.mutable === true ? `${v.cls ?? 'bytearray'}(${body})` : body;
    }
    case 'list':
      return listRepr(v);
    case 'tuple':
      return v.items.length === 1 && v.truncated !== true
        ? `(${pyRepr(v.items[0])},)`
        : `(${itemsRepr(v.items, v.truncated)})`;
    case 'set':
    case 'frozenset': {
      const name = v.cls ?? v.kind;
      if (v.items.length === 0 && v.truncated !== true) return `${name}()`;
      const body = `{${itemsRepr(v.items, v.truncated)}}`;
      return name === 'set' ? body : `${name}(${body})`;
    }
    case 'dict':
      return dictRepr(v);
    case 'range':
      return v.step === 1n ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
    case 'opaque':
      return v.repr;
    case 'marker':
      return markerRepr(v);
  }
}

/**
 * CPython's `str(v)`: the raw text for a `str`, `repr` for everything else
 * (`str()` of a container uses `repr` for its items, and `str(b'..')` is the
 * repr). An opaque object's own `__str__` is unknown, so its repr is used.
 */
function strOf(v: PyValue): string {
  return v.kind === 'str' ? v.value : pyRepr(v);
}

/**
 * Python's `str(v)`; given a JS string instead, the `str` value holding it
 * (the convenience constructor, same as {@link pyStrValue}).
 */
export function pyStr(v: PyValue): string;
export function pyStr(text: string): PyStrValue;
export function pyStr(arg: PyValue | string): string | PyStrValue {
  return typeof arg === 'string' ? pyStrValue(arg) : strOf(arg);
}
