/**
 * repr()/str()/type-name tables for the PyValue model. Every expected string
 * is what CPython 3.12 prints for the Python expression in the first column
 * (checked against `python3.12` when the tables were written; the tests
 * themselves never run Python).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  complexRepr,
  floatRepr,
  isPrintableCodePoint,
  pyBool,
  pyBytearray,
  pyBytes,
  pyComplex,
  pyCounter,
  pyCycle,
  pyDefaultdict,
  pyDepth,
  pyDeque,
  pyDict,
  pyFloat,
  pyFrozenset,
  pyInt,
  pyList,
  pyNone,
  pyOpaque,
  pyOrderedDict,
  pyRange,
  pyRepr,
  pySet,
  pyStr,
  pyStrValue,
  pyTuple,
  pyTypeName,
  type PyValue,
} from '../../src/sandbox/pyvalue/index.js';

/** [Python expression, JS double, repr]. */
export const FLOAT_CASES: ReadonlyArray<readonly [string, number, string]> = [
  ['0.1', 0.1, '0.1'],
  ['0.30000000000000004', 0.1 + 0.2, '0.30000000000000004'],
  ['1e16', 1e16, '1e+16'],
  ['1e15', 1e15, '1000000000000000.0'],
  ['9999999999999998.0', 9999999999999998, '9999999999999998.0'],
  ['12345678901234567.0', 12345678901234567, '1.2345678901234568e+16'],
  ['1e-5', 1e-5, '1e-05'],
  ['1.5e-5', 1.5e-5, '1.5e-05'],
  ['1e-4', 1e-4, '0.0001'],
  ['0.00012345', 0.00012345, '0.00012345'],
  ['123456789.0', 123456789, '123456789.0'],
  ['1e22', 1e22, '1e+22'],
  ['5e-324', 5e-324, '5e-324'],
  ['1.7976931348623157e308', 1.7976931348623157e308, '1.7976931348623157e+308'],
  ['2.2250738585072014e-308', 2.2250738585072014e-308, '2.2250738585072014e-308'],
  ['0.0', 0, '0.0'],
  ['-0.0', -0, '-0.0'],
  ['3.0', 3, '3.0'],
  ['-2.5', -2.5, '-2.5'],
  ['1/3', 1 / 3, '0.3333333333333333'],
  ['2/3', 2 / 3, '0.6666666666666666'],
  ['2.0**53', 2 ** 53, '9007199254740992.0'],
  ['2.0**60', 2 ** 60, '1.152921504606847e+18'],
  ['123.456', 123.456, '123.456'],
  ['1e100', 1e100, '1e+100'],
  ['-1.5e-300', -1.5e-300, '-1.5e-300'],
  ['float("nan")', NaN, 'nan'],
  ['float("inf")', Infinity, 'inf'],
  ['float("-inf")', -Infinity, '-inf'],
];

/** [Python expression, real, imag, repr]. */
export const COMPLEX_CASES: ReadonlyArray<readonly [string, number, number, string]> = [
  ['2j', 0, 2, '2j'],
  ['complex(0, -1.5)', 0, -1.5, '-1.5j'],
  ['0j', 0, 0, '0j'],
  ['complex(0, -0.0)', 0, -0, '-0j'],
  ['1+2j', 1, 2, '(1+2j)'],
  ['complex(-0.0, -1)', -0, -1, '(-0-1j)'],
  ['complex(-0.0, 0.0)', -0, 0, '(-0+0j)'],
  ['complex(1.5, float("nan"))', 1.5, NaN, '(1.5+nanj)'],
  ['complex(0, float("inf"))', 0, Infinity, 'infj'],
  ['complex(1, float("-inf"))', 1, -Infinity, '(1-infj)'],
  ['complex(float("nan"), 1)', NaN, 1, '(nan+1j)'],
  ['complex(1e16, 1e-5)', 1e16, 1e-5, '(1e+16+1e-05j)'],
  ['complex(0.1, 0.2)', 0.1, 0.2, '(0.1+0.2j)'],
  ['complex(3, 0)', 3, 0, '(3+0j)'],
];

/** [Python expression, JS string, repr]. */
export const STR_CASES: ReadonlyArray<readonly [string, string, string]> = [
  ["''", '', "''"],
  ["'abc'", 'abc', "'abc'"],
  [`"it's"`, "it's", `"it's"`],
  [`'say "hi"'`, 'say "hi"', `'say "hi"'`],
  [`'it\\'s "x"'`, `it's "x"`, `'it\\'s "x"'`],
  ["'a\\\\b'", 'a\\b', "'a\\\\b'"],
  ["'\\n\\r\\t'", '\n\r\t', "'\\n\\r\\t'"],
  ["'\\x00\\x1f'", '\x00\x1f', "'\\x00\\x1f'"],
  ["'\\x7f'", '\x7f', "'\\x7f'"],
  ["'\\x80\\x9f'", '\x80\x9f', "'\\x80\\x9f'"],
  ["'\\xa0'", '\xa0', "'\\xa0'"],
  ["'\\xad'", '\xad', "'\\xad'"],
  ["'café'", 'café', "'café'"],
  ["'中文'", '中文', "'中文'"],
  ["'😀'", '😀', "'😀'"],
  ["'👍🏽'", '👍🏽', "'👍🏽'"],
  ["'\\u200b'", '\u200b', "'\\u200b'"],
  ["'\\u2028\\u2029'", '\u2028\u2029', "'\\u2028\\u2029'"],
  ["'\\u3000'", '\u3000', "'\\u3000'"],
  ["'\\ufeff'", '\ufeff', "'\\ufeff'"],
  ["'\\ud800'", '\ud800', "'\\ud800'"],
  ["'\\udfff\\ud800'", '\udfff\ud800', "'\\udfff\\ud800'"],
  ["'\\ue000'", '\ue000', "'\\ue000'"],
  ["'\\U000e0001'", '\u{e0001}', "'\\U000e0001'"],
  ["'\\U0010ffff'", '\u{10ffff}', "'\\U0010ffff'"],
  ["'\\u0378'", '\u0378', "'\\u0378'"],
  // Assigned in Unicode 15.1 / 16.0, unassigned (so escaped) in Python 3.12.
  ["'\\u31ef'", '\u31ef', "'\\u31ef'"],
  ["'\\U0002ebf0'", '\u{2ebf0}', "'\\U0002ebf0'"],
  ["'\\U0001fa89'", '\u{1fa89}', "'\\U0001fa89'"],
  ["'e\\u0301'", 'e\u0301', "'e\u0301'"],
  ["' '", ' ', "' '"],
];

const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** [Python expression, value, repr]. */
export const REPR_CASES: ReadonlyArray<readonly [string, PyValue, string]> = [
  ['None', pyNone, 'None'],
  ['True', pyBool(true), 'True'],
  ['False', pyBool(false), 'False'],
  ['0', pyInt(0n), '0'],
  ['-42', pyInt(-42n), '-42'],
  ['2**100', pyInt(2n ** 100n), '1267650600228229401496703205376'],
  ['-(2**64)', pyInt(-(2n ** 64n)), '-18446744073709551616'],
  ["b''", pyBytes(''), "b''"],
  ["b'abc'", pyBytes('abc'), "b'abc'"],
  [`b"it's"`, pyBytes("it's"), `b"it's"`],
  [`b'\\'"'`, pyBytes(`'"`), `b'\\'"'`],
  ["b'\\x00\\t\\n\\r\\\\\\x7f\\x80\\xff'", pyBytes(bytesOf('\x00\t\n\r\\\x7f\x80\xff')), "b'\\x00\\t\\n\\r\\\\\\x7f\\x80\\xff'"],
  ["bytearray(b'ab')", pyBytearray('ab'), "bytearray(b'ab')"],
  ['bytearray()', pyBytearray(''), "bytearray(b'')"],
  ['[]', pyList([]), '[]'],
  ['[1, 2.0, "a"]', pyList([pyInt(1n), pyFloat(2), pyStrValue('a')]), "[1, 2.0, 'a']"],
  ['()', pyTuple([]), '()'],
  ['(1,)', pyTuple([pyInt(1n)]), '(1,)'],
  ['(1, 2)', pyTuple([pyInt(1n), pyInt(2n)]), '(1, 2)'],
  ['((),)', pyTuple([pyTuple([])]), '((),)'],
  ['set()', pySet([]), 'set()'],
  ['{1, 2}', pySet([pyInt(1n), pyInt(2n)]), '{1, 2}'],
  ['frozenset()', pyFrozenset([]), 'frozenset()'],
  ['frozenset({1})', pyFrozenset([pyInt(1n)]), 'frozenset({1})'],
  ['{}', pyDict([]), '{}'],
  ["{'a': 1, 2: [None]}", pyDict([[pyStrValue('a'), pyInt(1n)], [pyInt(2n), pyList([pyNone])]]), "{'a': 1, 2: [None]}"],
  ['{(1, 2): frozenset()}', pyDict([[pyTuple([pyInt(1n), pyInt(2n)]), pyFrozenset([])]]), '{(1, 2): frozenset()}'],
  ['range(10)', pyRange(0n, 10n), 'range(0, 10)'],
  ['range(0, 10, 2)', pyRange(0n, 10n, 2n), 'range(0, 10, 2)'],
  ['range(5, -5, -1)', pyRange(5n, -5n, -1n), 'range(5, -5, -1)'],
  ['1+2j', pyComplex(1, 2), '(1+2j)'],
  ["Counter('abracadabra')", pyCounter([
    [pyStrValue('a'), pyInt(5n)], [pyStrValue('b'), pyInt(2n)], [pyStrValue('r'), pyInt(2n)],
    [pyStrValue('c'), pyInt(1n)], [pyStrValue('d'), pyInt(1n)],
  ]), "Counter({'a': 5, 'b': 2, 'r': 2, 'c': 1, 'd': 1})"],
  ["Counter({'x': 1, 'y': 3, 'z': 1})", pyCounter([
    [pyStrValue('x'), pyInt(1n)], [pyStrValue('y'), pyInt(3n)], [pyStrValue('z'), pyInt(1n)],
  ]), "Counter({'y': 3, 'x': 1, 'z': 1})"],
  ["Counter({'a': 1, 'b': 2.5, 'c': True})", pyCounter([
    [pyStrValue('a'), pyInt(1n)], [pyStrValue('b'), pyFloat(2.5)], [pyStrValue('c'), pyBool(true)],
  ]), "Counter({'b': 2.5, 'a': 1, 'c': True})"],
  // Counts that do not order (int vs str): most_common raises, repr keeps dict order.
  ["Counter({'a': 'x', 'b': 1})", pyCounter([[pyStrValue('a'), pyStrValue('x')], [pyStrValue('b'), pyInt(1n)]]),
    "Counter({'a': 'x', 'b': 1})"],
  ["Counter({'a': [1], 'b': [2]})", pyCounter([
    [pyStrValue('a'), pyList([pyInt(1n)])], [pyStrValue('b'), pyList([pyInt(2n)])],
  ]), "Counter({'b': [2], 'a': [1]})"],
  ['Counter()', pyCounter([]), 'Counter()'],
  ["OrderedDict(a=1)", pyOrderedDict([[pyStrValue('a'), pyInt(1n)]]), "OrderedDict({'a': 1})"],
  ['OrderedDict()', pyOrderedDict([]), 'OrderedDict()'],
  ['defaultdict(int)', pyDefaultdict("<class 'int'>", []), "defaultdict(<class 'int'>, {})"],
  ["defaultdict(list, {'k': [1]})", pyDefaultdict("<class 'list'>", [[pyStrValue('k'), pyList([pyInt(1n)])]]),
    "defaultdict(<class 'list'>, {'k': [1]})"],
  ['defaultdict(None, {1: 2})', pyDefaultdict('None', [[pyInt(1n), pyInt(2n)]]), 'defaultdict(None, {1: 2})'],
  ['deque()', pyDeque([]), 'deque([])'],
  ['deque([1, 2])', pyDeque([pyInt(1n), pyInt(2n)]), 'deque([1, 2])'],
  ['deque([1], maxlen=3)', pyDeque([pyInt(1n)], 3), 'deque([1], maxlen=3)'],
  ['deque(maxlen=0)', pyDeque([], 0), 'deque([], maxlen=0)'],
];

/** Subclasses: most print like their base; set, frozenset and bytearray name the class. */
export const SUBCLASS_CASES: ReadonlyArray<readonly [string, PyValue, string]> = [
  ['class L(list): pass\nL([1])', { kind: 'list', cls: 'L', items: [pyInt(1n)] }, '[1]'],
  ["class D(dict): pass\nD(a=1)", { kind: 'dict', cls: 'D', entries: [[pyStrValue('a'), pyInt(1n)]] }, "{'a': 1}"],
  ['class I(int): pass\nI(7)', { kind: 'int', cls: 'I', value: 7n }, '7'],
  ["class S(str): pass\nS('x')", { kind: 'str', cls: 'S', value: 'x' }, "'x'"],
  ['class S(set): pass\nS([1])', { kind: 'set', cls: 'S', items: [pyInt(1n)] }, 'S({1})'],
  ['class S(set): pass\nS()', { kind: 'set', cls: 'S', items: [] }, 'S()'],
  ['class F(frozenset): pass\nF([1])', { kind: 'frozenset', cls: 'F', items: [pyInt(1n)] }, 'F({1})'],
  ['class F(frozenset): pass\nF()', { kind: 'frozenset', cls: 'F', items: [] }, 'F()'],
  ["class B(bytearray): pass\nB(b'ab')", { kind: 'bytes', cls: 'B', mutable: true, value: bytesOf('ab') }, "B(b'ab')"],
  ["class B(bytes): pass\nB(b'ab')", { kind: 'bytes', cls: 'B', value: bytesOf('ab') }, "b'ab'"],
];

/** Recursive containers: [Python statements ending in an expression, value, repr]. */
export const CYCLE_CASES: ReadonlyArray<readonly [string, PyValue, string]> = [
  ['x = [1]; x.append(x)\nx', pyList([pyInt(1n), pyCycle('list')]), '[1, [...]]'],
  ['d = {}; d[1] = d\nd', pyDict([[pyInt(1n), pyCycle('dict')]]), '{1: {...}}'],
  ['t = ([],); t[0].append(t)\nt', pyTuple([pyList([pyCycle('tuple')])]), '([(...)],)'],
  ["o = OrderedDict(); o['a'] = o\no", pyOrderedDict([[pyStrValue('a'), pyCycle('OrderedDict')]]), "OrderedDict({'a': ...})"],
  ['q = deque(); q.append(q)\nq', pyDeque([pyCycle('deque')]), 'deque([[...]])'],
  [
    'class T(tuple):\n    __hash__ = lambda self: 0\nl = []; s = {T((l,))}; l.append(s)\ns',
    pySet([{ kind: 'tuple', cls: 'T', items: [pyList([pyCycle('set')])] }]),
    '{([set(...)],)}',
  ],
];

describe('floatRepr / pyRepr(float)', () => {
  for (const [py, x, expected] of FLOAT_CASES) {
    it(`repr(${py}) == ${expected}`, () => {
      assert.equal(floatRepr(x), expected);
      assert.equal(pyRepr(pyFloat(x)), expected);
    });
  }

  it('round-trips: parsing the repr gives the same double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = floatRepr(x);
        assert.ok(Object.is(Number(text), x), `${text} !== ${x}`);
      }),
    );
  });

  it('always shows a decimal point or an exponent, so the text reads back as a float', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        assert.match(floatRepr(x), /^-?(?:\d+\.\d+|\d(?:\.\d+)?e[-+]\d{2,3})$/);
      }),
    );
  });
});

describe('complexRepr / pyRepr(complex)', () => {
  for (const [py, re, im, expected] of COMPLEX_CASES) {
    it(`repr(${py}) == ${expected}`, () => {
      assert.equal(complexRepr(re, im), expected);
      assert.equal(pyRepr(pyComplex(re, im)), expected);
    });
  }
});

describe('pyRepr(str)', () => {
  for (const [py, s, expected] of STR_CASES) {
    it(`repr(${py}) == ${expected}`, () => {
      assert.equal(pyRepr(pyStrValue(s)), expected);
    });
  }

  it('isPrintableCodePoint follows Python 3.12 (Unicode 15.0)', () => {
    assert.equal(isPrintableCodePoint(0x20), true);
    assert.equal(isPrintableCodePoint(0x41), true);
    assert.equal(isPrintableCodePoint(0x4e2d), true);
    assert.equal(isPrintableCodePoint(0x1f600), true);
    assert.equal(isPrintableCodePoint(0x0a), false);
    assert.equal(isPrintableCodePoint(0xa0), false);
    assert.equal(isPrintableCodePoint(0xd800), false);
    assert.equal(isPrintableCodePoint(0xe000), false);
    assert.equal(isPrintableCodePoint(0x31ef), false);
  });

  it('quotes and escapes so that only the chosen quote is escaped', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const r = pyRepr(pyStrValue(s));
        const quote = r[0];
        assert.ok(quote === "'" || quote === '"');
        assert.equal(r.at(-1), quote);
        const body = r.slice(1, -1).replace(/\\./gs, '');
        assert.ok(!body.includes(quote), r);
        assert.ok(!/[\n\r\t\0]/.test(body), r);
      }),
    );
  });
});

describe('pyRepr of other values', () => {
  for (const [py, value, expected] of [...REPR_CASES, ...SUBCLASS_CASES, ...CYCLE_CASES]) {
    it(`repr(${py.split('\n').at(-1)}) == ${expected}`, () => {
      assert.equal(pyRepr(value), expected);
    });
  }

  it('prints an opaque object by its repr and a depth marker as ...', () => {
    assert.equal(pyRepr(pyOpaque('Foo', '<__main__.Foo object at 0x7f>')), '<__main__.Foo object at 0x7f>');
    assert.equal(pyRepr(pyList([pyDepth])), '[...]');
    assert.equal(pyRepr(pyCycle()), '...');
  });

  it('shows the known prefix of truncated values followed by ...', () => {
    assert.equal(pyRepr({ kind: 'list', items: [pyInt(1n), pyInt(2n)], truncated: true, len: 5000 }), '[1, 2, ...]');
    assert.equal(pyRepr({ kind: 'tuple', items: [pyInt(1n)], truncated: true, len: 5000 }), '(1, ...)');
    assert.equal(pyRepr({ kind: 'str', value: 'ab', truncated: true, len: 20000 }), "'ab'...");
    assert.equal(
      pyRepr({ kind: 'dict', entries: [[pyInt(1n), pyInt(2n)]], truncated: true, len: 2000 }),
      '{1: 2, ...}',
    );
  });
});

describe('pyStr', () => {
  it('is the raw text for a top-level str and repr elsewhere', () => {
    assert.equal(pyStr(pyStrValue("it's\n")), "it's\n");
    assert.equal(pyStr(pyList([pyStrValue('a')])), "['a']");
    assert.equal(pyStr(pyBytes('ab')), "b'ab'");
    assert.equal(pyStr(pyFloat(1e16)), '1e+16');
    assert.equal(pyStr(pyNone), 'None');
    assert.equal(pyStr(pyComplex(0, 1)), '1j');
    assert.equal(pyStr(pyDict([[pyStrValue('k'), pyStrValue('v')]])), "{'k': 'v'}");
  });

  it('given a JS string, builds the str value', () => {
    assert.deepEqual(pyStr('a'), { kind: 'str', value: 'a' });
    assert.deepEqual(pyStr('a'), pyStrValue('a'));
  });
});

describe('pyTypeName', () => {
  const cases: ReadonlyArray<readonly [PyValue, string]> = [
    [pyNone, 'NoneType'],
    [pyBool(true), 'bool'],
    [pyInt(1n), 'int'],
    [pyFloat(1), 'float'],
    [pyComplex(1, 1), 'complex'],
    [pyStrValue(''), 'str'],
    [pyBytes(''), 'bytes'],
    [pyBytearray(''), 'bytearray'],
    [pyList([]), 'list'],
    [pyTuple([]), 'tuple'],
    [pySet([]), 'set'],
    [pyFrozenset([]), 'frozenset'],
    [pyDict([]), 'dict'],
    [pyRange(0n, 1n), 'range'],
    [pyCounter([]), 'Counter'],
    [pyOrderedDict([]), 'OrderedDict'],
    [pyDefaultdict("<class 'int'>", []), 'defaultdict'],
    [pyDeque([]), 'deque'],
    [{ kind: 'list', cls: 'MyList', items: [] }, 'MyList'],
    [pyOpaque('Foo', '<Foo>'), 'Foo'],
    [pyCycle('list'), 'list'],
    [pyDepth, 'object'],
  ];
  for (const [value, expected] of cases) {
    it(`type(${pyRepr(value)}).__name__ == ${expected}`, () => assert.equal(pyTypeName(value), expected));
  }
});
