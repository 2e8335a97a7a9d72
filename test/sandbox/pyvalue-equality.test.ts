/**
 * Python `==` and hash keys. The expected booleans are what CPython 3.12
 * answers for `A == B` with the expressions in the first two columns
 * (checked with `python3.12` when the table was written; the tests never run
 * Python). `null` marks rows Python cannot express (truncated values).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
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
  pyEq,
  pyFloat,
  pyFrozenset,
  pyHashKey,
  pyInt,
  pyLess,
  pyList,
  pyNone,
  pyOpaque,
  pyOrderedDict,
  pyRange,
  pyRepr,
  pySet,
  pyStrValue,
  pyTuple,
  type PyValue,
} from '../../src/sandbox/pyvalue/index.js';

const s = pyStrValue;
const i = (n: number | bigint): PyValue => pyInt(BigInt(n));
const f = pyFloat;

/** [Python A, Python B, a, b, A == B]. */
export const EQ_CASES: ReadonlyArray<readonly [string | null, string | null, PyValue, PyValue, boolean]> = [
  ['1', '1.0', i(1), f(1), true],
  ['1', 'True', i(1), pyBool(true), true],
  ['0', 'False', i(0), pyBool(false), true],
  ['1.0', 'True', f(1), pyBool(true), true],
  ['True', 'complex(1, 0)', pyBool(true), pyComplex(1, 0), true],
  ['2**53 + 1', 'float(2**53)', i(2n ** 53n + 1n), f(2 ** 53), false],
  ['2**53', 'float(2**53)', i(2n ** 53n), f(2 ** 53), true],
  ['10**30', '1e30', i(10n ** 30n), f(1e30), false],
  ['2**100', '2.0**100', i(2n ** 100n), f(2 ** 100), true],
  ['2**63', '9223372036854775808.0', i(2n ** 63n), f(9223372036854775808), true],
  ['2**63 - 1', 'float(2**63)', i(2n ** 63n - 1n), f(2 ** 63), false],
  ['-1', '-1.0', i(-1), f(-1), true],
  ['1', '0.5', i(1), f(0.5), false],
  ['float("nan")', 'float("nan")', f(NaN), f(NaN), false],
  ['float("inf")', 'float("inf")', f(Infinity), f(Infinity), true],
  ['float("inf")', '10**400', f(Infinity), i(10n ** 400n), false],
  ['0.0', '-0.0', f(0), f(-0), true],
  ['0', '-0.0', i(0), f(-0), true],
  ['0.1 + 0.2', '0.3', f(0.1 + 0.2), f(0.3), false],
  ['complex(1, 0)', '1', pyComplex(1, 0), i(1), true],
  ['complex(1, 0)', '1.0', pyComplex(1, 0), f(1), true],
  ['1j', '1', pyComplex(0, 1), i(1), false],
  ['complex(1, 2)', 'complex(1.0, 2.0)', pyComplex(1, 2), pyComplex(1, 2), true],
  ['complex(float("nan"), 0)', 'complex(float("nan"), 0)', pyComplex(NaN, 0), pyComplex(NaN, 0), false],
  ['None', 'None', pyNone, pyNone, true],
  ['None', '0', pyNone, i(0), false],
  ['None', 'False', pyNone, pyBool(false), false],
  ["'a'", "'a'", s('a'), s('a'), true],
  ["'a'", "'a '", s('a'), s('a '), false],
  ["'a'", "b'a'", s('a'), pyBytes('a'), false],
  ["'1'", '1', s('1'), i(1), false],
  ["b'a'", "bytearray(b'a')", pyBytes('a'), pyBytearray('a'), true],
  ["b''", 'bytearray()', pyBytes(''), pyBytearray(''), true],
  ["b'a'", "b'b'", pyBytes('a'), pyBytes('b'), false],
  ['[1, 2]', '[1, 2]', pyList([i(1), i(2)]), pyList([i(1), i(2)]), true],
  ['[1, 2]', '(1, 2)', pyList([i(1), i(2)]), pyTuple([i(1), i(2)]), false],
  ['[]', '()', pyList([]), pyTuple([]), false],
  ['[1]', '[1, 2]', pyList([i(1)]), pyList([i(1), i(2)]), false],
  ['[1]', "['1']", pyList([i(1)]), pyList([s('1')]), false],
  ['[1, [2]]', '[1.0, [2.0]]', pyList([i(1), pyList([i(2)])]), pyList([f(1), pyList([f(2)])]), true],
  ['(1,)', '(1.0,)', pyTuple([i(1)]), pyTuple([f(1)]), true],
  ["(1, 'a')", "(1, 'a', None)", pyTuple([i(1), s('a')]), pyTuple([i(1), s('a'), pyNone]), false],
  ['(1, [2])', '(1, [2])', pyTuple([i(1), pyList([i(2)])]), pyTuple([i(1), pyList([i(2)])]), true],
  ['[float("nan")]', '[float("nan")]', pyList([f(NaN)]), pyList([f(NaN)]), false],
  ['{1, 2}', 'frozenset({2, 1})', pySet([i(1), i(2)]), pyFrozenset([i(2), i(1)]), true],
  ['set()', 'frozenset()', pySet([]), pyFrozenset([]), true],
  ['{1}', '{1.0}', pySet([i(1)]), pySet([f(1)]), true],
  ['{1, 2}', '{1}', pySet([i(1), i(2)]), pySet([i(1)]), false],
  ["{1, 'a'}", "{'a', 1}", pySet([i(1), s('a')]), pySet([s('a'), i(1)]), true],
  ['{(1, 2)}', '{(1.0, 2.0)}', pySet([pyTuple([i(1), i(2)])]), pySet([pyTuple([f(1), f(2)])]), true],
  ['frozenset({1, 2})', 'frozenset({2, 1})', pyFrozenset([i(1), i(2)]), pyFrozenset([i(2), i(1)]), true],
  ['{1}', '[1]', pySet([i(1)]), pyList([i(1)]), false],
  ['{float("nan")}', '{float("nan")}', pySet([f(NaN)]), pySet([f(NaN)]), false],
  ["{'a': 1}", "{'a': 1.0}", pyDict([[s('a'), i(1)]]), pyDict([[s('a'), f(1)]]), true],
  ["{1: 'a'}", "{1.0: 'a'}", pyDict([[i(1), s('a')]]), pyDict([[f(1), s('a')]]), true],
  ["{True: 'x'}", "{1: 'x'}", pyDict([[pyBool(true), s('x')]]), pyDict([[i(1), s('x')]]), true],
  ["{'a': 1, 'b': 2}", "{'b': 2, 'a': 1}", pyDict([[s('a'), i(1)], [s('b'), i(2)]]), pyDict([[s('b'), i(2)], [s('a'), i(1)]]), true],
  ["{'a': 1}", "{'a': 1, 'b': 2}", pyDict([[s('a'), i(1)]]), pyDict([[s('a'), i(1)], [s('b'), i(2)]]), false],
  ["{'a': 1}", "{'b': 1}", pyDict([[s('a'), i(1)]]), pyDict([[s('b'), i(1)]]), false],
  ["{'a': [1]}", "{'a': (1,)}", pyDict([[s('a'), pyList([i(1)])]]), pyDict([[s('a'), pyTuple([i(1)])]]), false],
  ['{1: {2: 3}}', '{1: {2: 3.0}}', pyDict([[i(1), pyDict([[i(2), i(3)]])]]), pyDict([[i(1), pyDict([[i(2), f(3)]])]]), true],
  ['{(1, 2): 0}', '{(1.0, 2): 0}', pyDict([[pyTuple([i(1), i(2)]), i(0)]]), pyDict([[pyTuple([f(1), i(2)]), i(0)]]), true],
  ['{frozenset({1}): 1}', '{frozenset({1.0}): 1}', pyDict([[pyFrozenset([i(1)]), i(1)]]), pyDict([[pyFrozenset([f(1)]), i(1)]]), true],
  ['{float("nan"): 1}', '{float("nan"): 1}', pyDict([[f(NaN), i(1)]]), pyDict([[f(NaN), i(1)]]), false],
  ['{}', '[]', pyDict([]), pyList([]), false],
  ['range(0)', 'range(2, 2)', pyRange(0n, 0n), pyRange(2n, 2n), true],
  ['range(0, 3, 2)', 'range(0, 4, 2)', pyRange(0n, 3n, 2n), pyRange(0n, 4n, 2n), true],
  ['range(1, 2, 5)', 'range(1, 2)', pyRange(1n, 2n, 5n), pyRange(1n, 2n), true],
  ['range(3)', 'range(0, 3, -1)', pyRange(0n, 3n), pyRange(0n, 3n, -1n), false],
  ['range(3)', '[0, 1, 2]', pyRange(0n, 3n), pyList([i(0), i(1), i(2)]), false],
  ['Counter(a=1, b=0)', 'Counter(a=1)', pyCounter([[s('a'), i(1)], [s('b'), i(0)]]), pyCounter([[s('a'), i(1)]]), true],
  ['Counter(a=1)', 'Counter(a=1, b=0)', pyCounter([[s('a'), i(1)]]), pyCounter([[s('a'), i(1)], [s('b'), i(0)]]), true],
  ['Counter(a=1)', 'Counter(a=2)', pyCounter([[s('a'), i(1)]]), pyCounter([[s('a'), i(2)]]), false],
  ["Counter(a=1)", "{'a': 1}", pyCounter([[s('a'), i(1)]]), pyDict([[s('a'), i(1)]]), true],
  ["Counter(a=1, b=0)", "{'a': 1}", pyCounter([[s('a'), i(1)], [s('b'), i(0)]]), pyDict([[s('a'), i(1)]]), false],
  ['Counter(a=1)', 'OrderedDict(a=1)', pyCounter([[s('a'), i(1)]]), pyOrderedDict([[s('a'), i(1)]]), true],
  ['Counter(a=1, b=0)', 'OrderedDict(a=1)', pyCounter([[s('a'), i(1)], [s('b'), i(0)]]), pyOrderedDict([[s('a'), i(1)]]), false],
  ['OrderedDict(a=1, b=2)', 'OrderedDict(b=2, a=1)', pyOrderedDict([[s('a'), i(1)], [s('b'), i(2)]]), pyOrderedDict([[s('b'), i(2)], [s('a'), i(1)]]), false],
  ['OrderedDict(a=1, b=2)', 'OrderedDict(a=1.0, b=2)', pyOrderedDict([[s('a'), i(1)], [s('b'), i(2)]]), pyOrderedDict([[s('a'), f(1)], [s('b'), i(2)]]), true],
  ["OrderedDict(a=1, b=2)", "{'b': 2, 'a': 1}", pyOrderedDict([[s('a'), i(1)], [s('b'), i(2)]]), pyDict([[s('b'), i(2)], [s('a'), i(1)]]), true],
  ["defaultdict(int, a=1)", "{'a': 1}", pyDefaultdict("<class 'int'>", [[s('a'), i(1)]]), pyDict([[s('a'), i(1)]]), true],
  ['deque([1])', '[1]', pyDeque([i(1)]), pyList([i(1)]), false],
  ['deque([1, 2])', 'deque([1.0, 2])', pyDeque([i(1), i(2)]), pyDeque([f(1), i(2)]), true],
  ['deque([1], maxlen=5)', 'deque([1])', pyDeque([i(1)], 5), pyDeque([i(1)]), true],
  ['deque([1])', 'deque([2])', pyDeque([i(1)]), pyDeque([i(2)]), false],
  ['class L(list): pass\nL([1])', '[1]', { kind: 'list', cls: 'L', items: [i(1)] }, pyList([i(1)]), true],
  ['class I(int): pass\nI(3)', '3.0', { kind: 'int', cls: 'I', value: 3n }, f(3), true],
  ['object()', 'object()', pyOpaque('object', '<object object at 0x1>'), pyOpaque('object', '<object object at 0x1>'), false],
  [null, null, pyCycle('list'), pyCycle('list'), false],
  [null, null, pyDepth, pyDepth, false],
  [null, null, { kind: 'list', items: [i(1)], truncated: true, len: 5000 }, { kind: 'list', items: [i(1)], truncated: true, len: 5000 }, false],
  [null, null, { kind: 'str', value: 'ab', truncated: true, len: 20000 }, s('ab'), false],
];

describe('pyEq table', () => {
  for (const [pa, pb, a, b, expected] of EQ_CASES) {
    const label = `${pa ?? pyRepr(a)} == ${pb ?? pyRepr(b)} is ${expected ? 'True' : 'False'}`;
    it(label, () => {
      assert.equal(pyEq(a, b), expected);
      assert.equal(pyEq(b, a), expected, 'symmetric');
    });
  }
});

describe('pyHashKey', () => {
  it('gives 1, 1.0, True and (1+0j) the same key', () => {
    const keys = [i(1), f(1), pyBool(true), pyComplex(1, 0), pyComplex(1, -0)].map(pyHashKey);
    assert.ok(keys.every((k) => k !== null && k === keys[0]), keys.join(' '));
  });

  it('separates values that are not equal', () => {
    const values = [i(0), i(1), f(0.5), pyComplex(1, 1), s('1'), pyBytes('1'), pyNone, pyTuple([]), pyFrozenset([])];
    const keys = values.map(pyHashKey);
    assert.equal(new Set(keys).size, values.length, keys.join(' '));
  });

  it('is recursive for tuples and order-free for frozensets', () => {
    assert.equal(pyHashKey(pyTuple([i(1), s('a')])), pyHashKey(pyTuple([f(1), s('a')])));
    assert.notEqual(pyHashKey(pyTuple([i(1), s('a')])), pyHashKey(pyTuple([s('a'), i(1)])));
    assert.equal(pyHashKey(pyFrozenset([i(1), i(2)])), pyHashKey(pyFrozenset([f(2), pyBool(true)])));
  });

  it('is null for unhashable values', () => {
    for (const v of [pyList([]), pyDict([]), pySet([]), pyBytearray('a'), pyTuple([pyList([])]), pyCycle('list'), pyDepth]) {
      assert.equal(pyHashKey(v), null, pyRepr(v));
    }
  });

  it('keys ranges by the sequence they produce', () => {
    assert.equal(pyHashKey(pyRange(0n, 0n)), pyHashKey(pyRange(5n, 1n)));
    assert.equal(pyHashKey(pyRange(0n, 3n, 2n)), pyHashKey(pyRange(0n, 4n, 2n)));
    assert.notEqual(pyHashKey(pyRange(0n, 3n)), pyHashKey(pyRange(0n, 4n)));
  });

  it('agrees with pyEq on the numeric tower (equal implies same key)', () => {
    const num = fc.oneof(
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => i(n)),
      fc.integer({ min: -5, max: 5 }).map((n) => i(n)),
      fc.integer({ min: -5, max: 5 }).map((n) => f(n)),
      fc.double().map(f),
      fc.boolean().map(pyBool),
      fc.tuple(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, 1)).map(([re, im]) => pyComplex(re, im)),
    );
    fc.assert(
      fc.property(num, num, (a, b) => {
        if (pyEq(a, b)) assert.equal(pyHashKey(a), pyHashKey(b));
      }),
    );
  });
});

/** Values with no NaN, opaque, markers or truncation: every one equals itself. */
const plainValue: fc.Arbitrary<PyValue> = fc.letrec<{ value: PyValue; key: PyValue }>((tie) => ({
  key: fc.oneof(
    fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map((n) => i(n)),
    fc.double({ noNaN: true }).map(f),
    fc.string().map(s),
    fc.boolean().map(pyBool),
  ),
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('key'),
    fc.constant(pyNone),
    fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true })).map(([re, im]) => pyComplex(re, im)),
    fc.uint8Array({ maxLength: 4 }).map((b) => pyBytes(b)),
    fc.array(tie('value'), { maxLength: 4 }).map(pyList),
    fc.array(tie('value'), { maxLength: 4 }).map(pyTuple),
    fc.uniqueArray(tie('key'), { maxLength: 4, selector: (k) => pyHashKey(k) }).map(pySet),
    fc
      .uniqueArray(fc.tuple(tie('key'), tie('value')), { maxLength: 4, selector: ([k]) => pyHashKey(k) })
      .map(pyDict),
  ),
})).value;

describe('pyEq properties', () => {
  it('is reflexive for values without NaN, opaque objects, markers or truncation', () => {
    fc.assert(fc.property(plainValue, (v) => pyEq(v, v)));
  });

  it('is symmetric', () => {
    fc.assert(fc.property(plainValue, plainValue, (a, b) => pyEq(a, b) === pyEq(b, a)));
  });

  it('ignores dict and set order', () => {
    fc.assert(
      fc.property(plainValue, (v) => {
        if (v.kind === 'dict') assert.ok(pyEq(v, pyDict([...v.entries].reverse())));
        if (v.kind === 'set') assert.ok(pyEq(v, pyFrozenset([...v.items].reverse())));
      }),
    );
  });
});

describe('pyLess', () => {
  it('orders numbers exactly, strings by code point and sequences lexicographically', () => {
    assert.equal(pyLess(i(2n ** 53n), f(2 ** 53 + 2)), true);
    assert.equal(pyLess(f(2 ** 53), i(2n ** 53n + 1n)), true);
    assert.equal(pyLess(i(2n ** 53n + 1n), f(2 ** 53)), false);
    assert.equal(pyLess(f(NaN), i(1)), false);
    assert.equal(pyLess(pyBool(false), f(0.5)), true);
    assert.equal(pyLess(s('\uffff'), s('\u{10000}')), true);
    assert.equal(pyLess(pyList([i(1), i(2)]), pyList([i(1), i(3)])), true);
    assert.equal(pyLess(pyTuple([i(1)]), pyTuple([i(1), i(0)])), true);
  });

  it('is undefined where Python raises TypeError', () => {
    assert.equal(pyLess(i(1), s('a')), undefined);
    assert.equal(pyLess(pyNone, pyNone), undefined);
    assert.equal(pyLess(pyList([]), pyTuple([])), undefined);
    assert.equal(pyLess(pyComplex(1, 1), pyComplex(1, 2)), undefined);
  });
});
