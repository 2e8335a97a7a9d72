/**
 * toPythonLiteral: Python source that evaluates back to the value. The third
 * column is `repr(eval(literal))` in CPython 3.12 (checked with `python3.12`
 * when the table was written; the tests never run Python), and must equal
 * pyRepr of the value.
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
  pyStrValue,
  pyTuple,
  toPythonLiteral,
  type PyValue,
} from '../../src/sandbox/pyvalue/index.js';

const s = pyStrValue;

/** [value, toPythonLiteral(value), repr(eval(literal))]. */
export const LITERAL_CASES: ReadonlyArray<readonly [PyValue, string, string]> = [
  [pyNone, 'None', 'None'],
  [pyBool(false), 'False', 'False'],
  [pyInt(-7n), '-7', '-7'],
  [pyInt(2n ** 100n), '1267650600228229401496703205376', '1267650600228229401496703205376'],
  [pyFloat(1.5), '1.5', '1.5'],
  [pyFloat(1e16), '1e+16', '1e+16'],
  [pyFloat(-0), '-0.0', '-0.0'],
  [pyFloat(NaN), "float('nan')", 'nan'],
  [pyFloat(Infinity), "float('inf')", 'inf'],
  [pyFloat(-Infinity), "-float('inf')", '-inf'],
  [pyComplex(0, -1.5), 'complex(0.0, -1.5)', '-1.5j'],
  [pyComplex(-0, -1), 'complex(-0.0, -1.0)', '(-0-1j)'],
  [pyComplex(1, NaN), "complex(1.0, float('nan'))", '(1+nanj)'],
  [s("it's \"q\"\n\ud800"), `'it\\'s "q"\\n\\ud800'`, `'it\\'s "q"\\n\\ud800'`],
  [pyBytes([0, 0x27, 0xff]), `b"\\x00'\\xff"`, `b"\\x00'\\xff"`],
  [pyBytes([0x27, 0x22]), `b'\\'"'`, `b'\\'"'`],
  [pyBytearray('ab'), "bytearray(b'ab')", "bytearray(b'ab')"],
  [pyList([pyInt(1n), pyFloat(NaN)]), "[1, float('nan')]", '[1, nan]'],
  [pyTuple([]), '()', '()'],
  [pyTuple([pyFloat(Infinity)]), "(float('inf'),)", '(inf,)'],
  [pySet([]), 'set()', 'set()'],
  [pySet([pyInt(1n)]), '{1}', '{1}'],
  [pyFrozenset([]), 'frozenset()', 'frozenset()'],
  [pyFrozenset([pyInt(1n)]), 'frozenset({1})', 'frozenset({1})'],
  [pyDict([[pyTuple([pyInt(1n)]), pyList([])]]), '{(1,): []}', '{(1,): []}'],
  [pyRange(0n, 10n, 2n), 'range(0, 10, 2)', 'range(0, 10, 2)'],
  [pyCounter([[s('a'), pyInt(2n)]]), "__import__('collections').Counter({'a': 2})", "Counter({'a': 2})"],
  [pyOrderedDict([]), "__import__('collections').OrderedDict({})", 'OrderedDict()'],
  [
    pyDefaultdict("<class 'list'>", [[s('k'), pyList([])]]),
    "__import__('collections').defaultdict(list, {'k': []})",
    "defaultdict(<class 'list'>, {'k': []})",
  ],
  [pyDefaultdict('None', []), "__import__('collections').defaultdict(None, {})", 'defaultdict(None, {})'],
  [pyDeque([pyInt(1n)], 3), "__import__('collections').deque([1], maxlen=3)", 'deque([1], maxlen=3)'],
  [pyDeque([]), "__import__('collections').deque([])", 'deque([])'],
];

describe('toPythonLiteral', () => {
  for (const [value, literal, repr] of LITERAL_CASES) {
    it(`${literal} evaluates to ${repr}`, () => {
      assert.equal(toPythonLiteral(value), literal);
      assert.equal(pyRepr(value), repr);
    });
  }

  it('writes ints past 4,300 digits in hex, which CPython accepts at any size', () => {
    const big = 10n ** 5000n;
    assert.equal(toPythonLiteral(pyInt(big)), `0x${big.toString(16)}`);
    assert.equal(toPythonLiteral(pyInt(-big)), `-0x${big.toString(16)}`);
    assert.equal(toPythonLiteral(pyInt(10n ** 4299n)), (10n ** 4299n).toString());
  });

  it('reads back as the same float for every double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        assert.ok(Object.is(Number(toPythonLiteral(pyFloat(x))), x));
      }),
    );
  });

  it('refuses values without a faithful literal', () => {
    const refused: ReadonlyArray<readonly [PyValue, RegExp]> = [
      [pyOpaque('Foo', '<Foo>'), /Foo is not supported/],
      [pyCycle('list'), /cycle marker/],
      [pyDepth, /depth marker/],
      [{ kind: 'list', items: [], truncated: true, len: 10 }, /truncated/],
      [{ kind: 'list', cls: 'MyList', items: [] }, /MyList is not supported \(user subclass\)/],
      [{ kind: 'int', cls: 'IntEnum', value: 1n }, /user subclass/],
      [pyDefaultdict("<class '__main__.Foo'>", []), /default_factory/],
      [pyList([pyOpaque('Foo', '<Foo>')]), /Foo is not supported/],
    ];
    for (const [value, pattern] of refused) assert.throws(() => toPythonLiteral(value), pattern);
  });
});
