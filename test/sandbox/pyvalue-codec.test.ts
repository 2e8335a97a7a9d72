/**
 * The typed wire codec of docs/typed-values.md: decoding, validation errors
 * with paths, the captured-variable wrapper, and the encode/decode round trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  decodeCapturedVariable,
  decodeTyped,
  encodeTyped,
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
  pyRange,
  pyRepr,
  pySet,
  pyStrValue,
  pyTuple,
  TypedValueError,
  type PyValue,
} from '../../src/sandbox/pyvalue/index.js';

/** [wire JSON as the Python encoder writes it, decoded value, Python repr]. */
const DECODE_CASES: ReadonlyArray<readonly [string, PyValue, string]> = [
  ['{"t": "none"}', pyNone, 'None'],
  ['{"t": "bool", "v": true}', pyBool(true), 'True'],
  ['{"t": "int", "v": 12}', pyInt(12n), '12'],
  ['{"t": "int", "v": -9007199254740991}', pyInt(-9007199254740991n), '-9007199254740991'],
  ['{"t": "int", "v": "123456789012345678901234567890"}', pyInt(123456789012345678901234567890n), '123456789012345678901234567890'],
  ['{"t": "int", "v": "-9007199254740993"}', pyInt(-9007199254740993n), '-9007199254740993'],
  ['{"t": "float", "v": 1.5}', pyFloat(1.5), '1.5'],
  ['{"t": "float", "v": 3.0}', pyFloat(3), '3.0'],
  ['{"t": "float", "v": -0.0}', pyFloat(-0), '-0.0'],
  ['{"t": "float", "v": "nan"}', pyFloat(NaN), 'nan'],
  ['{"t": "float", "v": "-inf"}', pyFloat(-Infinity), '-inf'],
  ['{"t": "complex", "re": 1.0, "im": "inf"}', pyComplex(1, Infinity), '(1+infj)'],
  ['{"t": "str", "v": "\\ud800x"}', pyStrValue('\ud800x'), "'\\ud800x'"],
  ['{"t": "bytes", "hex": "00ff41"}', pyBytes([0, 255, 65]), "b'\\x00\\xffA'"],
  ['{"t": "bytearray", "hex": ""}', pyBytearray([]), "bytearray(b'')"],
  ['{"t": "tuple", "items": [{"t": "int", "v": 1}]}', pyTuple([pyInt(1n)]), '(1,)'],
  ['{"t": "set", "items": []}', pySet([]), 'set()'],
  ['{"t": "frozenset", "items": [{"t": "str", "v": "a"}]}', pyFrozenset([pyStrValue('a')]), "frozenset({'a'})"],
  [
    '{"t": "dict", "items": [[{"t": "tuple", "items": [{"t": "int", "v": 1}, {"t": "int", "v": 2}]}, {"t": "none"}]]}',
    pyDict([[pyTuple([pyInt(1n), pyInt(2n)]), pyNone]]),
    '{(1, 2): None}',
  ],
  [
    '{"t": "dict", "cls": "Counter", "items": [[{"t": "str", "v": "a"}, {"t": "int", "v": 1}], [{"t": "str", "v": "b"}, {"t": "int", "v": 2}]]}',
    pyCounter([[pyStrValue('a'), pyInt(1n)], [pyStrValue('b'), pyInt(2n)]]),
    "Counter({'b': 2, 'a': 1})",
  ],
  [
    '{"t": "dict", "cls": "defaultdict", "factory": "<class \'int\'>", "items": []}',
    pyDefaultdict("<class 'int'>", []),
    "defaultdict(<class 'int'>, {})",
  ],
  ['{"t": "list", "cls": "deque", "maxlen": null, "items": []}', pyDeque([]), 'deque([])'],
  ['{"t": "list", "cls": "deque", "maxlen": 2, "items": [{"t": "int", "v": 1}]}', pyDeque([pyInt(1n)], 2), 'deque([1], maxlen=2)'],
  ['{"t": "range", "start": 0, "stop": "100000000000000000000", "step": 3}', pyRange(0n, 10n ** 20n, 3n), 'range(0, 100000000000000000000, 3)'],
  ['{"t": "object", "cls": "Foo", "repr": "<__main__.Foo object at 0x7f>"}', pyOpaque('Foo', '<__main__.Foo object at 0x7f>'), '<__main__.Foo object at 0x7f>'],
  ['{"t": "list", "items": [{"t": "int", "v": 1}, {"t": "cycle", "of": "list"}]}', pyList([pyInt(1n), pyCycle('list')]), '[1, [...]]'],
  ['{"t": "list", "items": [{"t": "depth"}]}', pyList([pyDepth]), '[...]'],
  [
    '{"t": "list", "items": [{"t": "int", "v": 0}], "len": 5000, "truncated": true}',
    { kind: 'list', items: [pyInt(0n)], len: 5000, truncated: true },
    '[0, ...]',
  ],
  [
    '{"t": "int", "bits": 70000, "truncated": true}',
    { kind: 'opaque', cls: 'int', repr: '<int with 70000 bits>', bits: 70000, truncated: true },
    '<int with 70000 bits>',
  ],
];

describe('decodeTyped', () => {
  for (const [json, expected, repr] of DECODE_CASES) {
    it(`decodes ${json}`, () => {
      const value = decodeTyped(JSON.parse(json));
      assert.deepEqual(value, expected);
      assert.equal(pyRepr(value), repr);
      assert.deepEqual(encodeTyped(value), JSON.parse(json), 'encodes back to the same node');
    });
  }

  it('keeps the class of subclasses', () => {
    const v = decodeTyped({ t: 'list', cls: 'MyList', items: [] });
    assert.deepEqual(v, { kind: 'list', cls: 'MyList', items: [] });
  });

  it('ignores keys it does not know', () => {
    assert.deepEqual(decodeTyped({ t: 'int', v: 1, extra: 'x' }), pyInt(1n));
  });
});

/** [bad node, the path and problem the error must name]. */
const ERROR_CASES: ReadonlyArray<readonly [unknown, RegExp]> = [
  [null, /^invalid typed value: value: .*expected object/],
  [{ v: 1 }, /value\.t: /],
  [{ t: 'wat' }, /value\.t: Invalid discriminator value/],
  [
    { t: 'list', items: [{ t: 'int', v: 1 }, { t: 'int', v: 2 }, { t: 'int', v: 3 }, { t: 'int', v: '1.5' }] },
    /value\.items\[3\]\.v: an int sent as a string must be decimal digits/,
  ],
  [{ t: 'int', v: 2 ** 60 }, /value\.v: an int sent as a JSON number must be a safe integer/],
  [{ t: 'int', v: 1.5 }, /value\.v: an int sent as a JSON number must be a safe integer/],
  [{ t: 'int' }, /value\.v: an int needs `v`/],
  [{ t: 'float', v: 'NaN' }, /value\.v: a float must be/],
  [{ t: 'complex', re: 1 }, /value\.im: /],
  [{ t: 'str', v: 5 }, /value\.v: .*expected string/],
  [{ t: 'bytes', hex: 'abc' }, /value\.hex: hex must be an even number of hex digits/],
  [{ t: 'bytes', hex: 'zz' }, /value\.hex: /],
  [{ t: 'list' }, /value\.items: .*expected array/],
  [{ t: 'dict', items: [[{ t: 'none' }]] }, /value\.items\[0\]: /],
  [{ t: 'dict', items: [[{ t: 'none' }, { t: 'bogus' }]] }, /value\.items\[0\]\[1\]\.t: /],
  [{ t: 'range', start: 0, stop: 1, step: 0 }, /value\.step: range step must not be zero/],
  [{ t: 'object', cls: 'Foo' }, /value\.repr: /],
  [{ t: 'list', cls: 'deque', maxlen: -1, items: [] }, /value\.maxlen: /],
  [{ t: 'str', v: 'a', len: 1.5, truncated: true }, /value\.len: /],
];

describe('decodeTyped errors', () => {
  for (const [node, pattern] of ERROR_CASES) {
    it(`rejects ${JSON.stringify(node)}`, () => {
      assert.throws(() => decodeTyped(node), (error: unknown) => {
        assert.ok(error instanceof TypedValueError);
        assert.match(error.message, pattern);
        assert.ok(error.issues.length > 0);
        return true;
      });
    });
  }

  it('names the root it is given', () => {
    assert.throws(() => decodeTyped({ t: 'int' }, 'locals.x'), /locals\.x\.v: /);
  });
});

describe('decodeCapturedVariable', () => {
  it('decodes the wrapper', () => {
    const captured = decodeCapturedVariable({
      type: 'list',
      repr: '[1, 2.0, (3,)]',
      value: {
        t: 'list',
        items: [{ t: 'int', v: 1 }, { t: 'float', v: 2.0 }, { t: 'tuple', items: [{ t: 'int', v: 3 }] }],
      },
    });
    assert.deepEqual(captured, {
      type: 'list',
      repr: '[1, 2.0, (3,)]',
      value: pyList([pyInt(1n), pyFloat(2), pyTuple([pyInt(3n)])]),
      truncated: false,
      reprTruncated: false,
    });
    assert.equal(pyRepr(captured.value), captured.repr);
  });

  it('reports truncation flags', () => {
    const captured = decodeCapturedVariable({
      type: 'str',
      repr: "'aaa...",
      repr_truncated: true,
      truncated: true,
      value: { t: 'str', v: 'aaa', len: 20000, truncated: true },
    });
    assert.equal(captured.truncated, true);
    assert.equal(captured.reprTruncated, true);
    assert.deepEqual(captured.value, { kind: 'str', value: 'aaa', len: 20000, truncated: true });
  });

  it('names the path of a bad node inside the wrapper', () => {
    assert.throws(
      () => decodeCapturedVariable({ type: 'list', repr: '[]', value: { t: 'list', items: [1] } }),
      /value\.items\[0\]: .*expected object/,
    );
    assert.throws(() => decodeCapturedVariable({ repr: '[]', value: { t: 'none' } }), /type: .*expected string/);
  });
});

const cls = fc.constantFrom('Foo', 'MyType', 'IntEnum');

/** Any PyValue in canonical form (optional keys absent, never `undefined` or `false`). */
const anyValue: fc.Arbitrary<PyValue> = fc.letrec<{ value: PyValue }>((tie) => {
  const items = fc.array(tie('value'), { maxLength: 4 });
  const truncation = { truncated: fc.constant(true as const), len: fc.nat({ max: 100000 }) };
  return {
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant<PyValue>({ kind: 'none' }),
      fc.boolean().map((b): PyValue => ({ kind: 'bool', value: b })),
      fc.record(
        { kind: fc.constant('int' as const), value: fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), cls },
        { requiredKeys: ['kind', 'value'], noNullPrototype: true },
      ),
      fc.record(
        {
          kind: fc.constant('int' as const),
          value: fc.bigInt({ min: -(2n ** 54n), max: 2n ** 54n }),
        },
        { noNullPrototype: true },
      ),
      fc.record({ kind: fc.constant('float' as const), value: fc.double(), cls }, { requiredKeys: ['kind', 'value'], noNullPrototype: true }),
      fc.record({ kind: fc.constant('complex' as const), re: fc.double(), im: fc.double() }, { noNullPrototype: true }),
      fc.record(
        { kind: fc.constant('str' as const), value: fc.string({ unit: 'binary' }), cls, ...truncation },
        { requiredKeys: ['kind', 'value'], noNullPrototype: true },
      ),
      fc.record(
        { kind: fc.constant('bytes' as const), value: fc.uint8Array({ maxLength: 8 }), mutable: fc.constant(true as const), ...truncation },
        { requiredKeys: ['kind', 'value'], noNullPrototype: true },
      ),
      fc.record(
        {
          kind: fc.constant('list' as const),
          items,
          cls: fc.constantFrom('deque', 'MyList'),
          maxlen: fc.option(fc.nat({ max: 10 }), { nil: null }),
          ...truncation,
        },
        { requiredKeys: ['kind', 'items'], noNullPrototype: true },
      ),
      fc.record(
        { kind: fc.constantFrom('tuple' as const, 'set' as const, 'frozenset' as const), items, cls, ...truncation },
        { requiredKeys: ['kind', 'items'], noNullPrototype: true },
      ),
      fc.record(
        {
          kind: fc.constant('dict' as const),
          entries: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 3 }),
          cls: fc.constantFrom('Counter', 'OrderedDict', 'defaultdict'),
          factory: fc.constantFrom("<class 'int'>", 'None'),
          ...truncation,
        },
        { requiredKeys: ['kind', 'entries'], noNullPrototype: true },
      ),
      fc.record(
        {
          kind: fc.constant('range' as const),
          start: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
          stop: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
          step: fc.bigInt({ min: -5n, max: 5n }).filter((n) => n !== 0n),
        },
        { noNullPrototype: true },
      ),
      fc.record({ kind: fc.constant('opaque' as const), cls: fc.string(), repr: fc.string() }, { noNullPrototype: true }),
      fc.record({
        kind: fc.constant('opaque' as const),
        cls: fc.constant('int'),
        repr: fc.nat().map((bits) => `<int with ${bits} bits>`),
        truncated: fc.constant(true as const),
      }).map((v): PyValue => ({ ...v, bits: Number(/\d+/.exec(v.repr)?.[0]) })),
      fc.record(
        { kind: fc.constant('marker' as const), which: fc.constant('cycle' as const), of: fc.constantFrom('list', 'dict', 'set') },
        { requiredKeys: ['kind', 'which'], noNullPrototype: true },
      ),
      fc.constant<PyValue>({ kind: 'marker', which: 'depth' }),
    ),
  };
}).value;

describe('encodeTyped / decodeTyped round trip', () => {
  it('decodeTyped(encodeTyped(v)) deep-equals v', () => {
    fc.assert(
      fc.property(anyValue, (v) => {
        assert.deepEqual(decodeTyped(encodeTyped(v)), v);
      }),
      { numRuns: 500 },
    );
  });

  it('writes ints beyond 2^53 - 1 as decimal strings and smaller ones as numbers', () => {
    assert.deepEqual(encodeTyped(pyInt(2n ** 53n - 1n)), { t: 'int', v: 9007199254740991 });
    assert.deepEqual(encodeTyped(pyInt(2n ** 53n)), { t: 'int', v: '9007199254740992' });
    assert.deepEqual(encodeTyped(pyInt(-(2n ** 53n))), { t: 'int', v: '-9007199254740992' });
    assert.deepEqual(encodeTyped(pyFloat(NaN)), { t: 'float', v: 'nan' });
    assert.deepEqual(encodeTyped(pyFloat(Infinity)), { t: 'float', v: 'inf' });
    assert.ok(Object.is((encodeTyped(pyFloat(-0)) as { v: number }).v, -0));
  });
});
