/**
 * Python-flavoured JSON: parsePythonJson (`json.loads`) and pythonJsonDumps
 * (`json.dumps`). Expected reprs, texts and error messages are what CPython
 * 3.12 gives (checked with `python3.12` when the tables were written; the
 * tests never run Python).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  parsePythonJson,
  PYTHON_JSON_MAX_DEPTH,
  pyBool,
  pyBytearray,
  pyBytes,
  pyComplex,
  pyCounter,
  pyCycle,
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
  PythonJsonDecodeError,
  PythonJsonEncodeError,
  pythonJsonDumps,
  type PyValue,
} from '../../src/sandbox/pyvalue/index.js';

/** [JSON text, repr(json.loads(text))]. */
export const PARSE_CASES: ReadonlyArray<readonly [string, string]> = [
  ['1', '1'],
  ['-0', '0'],
  ['-0.0', '-0.0'],
  ['1.0', '1.0'],
  ['1e2', '100.0'],
  ['1E+2', '100.0'],
  ['1.5e-5', '1.5e-05'],
  ['0.1', '0.1'],
  ['1e400', 'inf'],
  ['-1e400', '-inf'],
  ['1e-400', '0.0'],
  ['123456789012345678901234567890', '123456789012345678901234567890'],
  ['-9007199254740993', '-9007199254740993'],
  ['9007199254740993.0', '9007199254740992.0'],
  ['NaN', 'nan'],
  ['Infinity', 'inf'],
  ['-Infinity', '-inf'],
  ['[NaN, Infinity, -Infinity]', '[nan, inf, -inf]'],
  ['true', 'True'],
  ['false', 'False'],
  ['null', 'None'],
  ['""', "''"],
  ['"abc"', "'abc'"],
  ['"\\u00e9\\n\\t\\"\\\\\\/\\b\\f\\r"', `'é\\n\\t"\\\\/\\x08\\x0c\\r'`],
  ['"\\ud83d\\ude00"', "'😀'"],
  ['"\\uD83D\\uDE00"', "'😀'"],
  ['"\\ud800"', "'\\ud800'"],
  ['"\\udc00\\ud800"', "'\\udc00\\ud800'"],
  ['"\\ud800\\u0041"', "'\\ud800A'"],
  ['"\\ud800\\n"', "'\\ud800\\n'"],
  ['"😀 中文"', "'😀 中文'"],
  ['"\x7f"', "'\\x7f'"],
  ['{}', '{}'],
  ['[]', '[]'],
  ['[[]]', '[[]]'],
  ['{"a": 1, "a": 2, "b": 3}', "{'a': 2, 'b': 3}"],
  ['{"b": 1, "a": 2, "b": 3}', "{'b': 3, 'a': 2}"],
  ['{"1": 1}', "{'1': 1}"],
  ['{"a": {"b": [1, {"c": null}]}}', "{'a': {'b': [1, {'c': None}]}}"],
  [' \t\r\n [1 , 2 ] \n', '[1, 2]'],
  ['[1.0, 1, true]', '[1.0, 1, True]'],
  ['["a" , 1 ]', "['a', 1]"],
];

/** [JSON text, str(JSONDecodeError)]. */
export const PARSE_ERRORS: ReadonlyArray<readonly [string, string]> = [
  ['', 'Expecting value: line 1 column 1 (char 0)'],
  ['  ', 'Expecting value: line 1 column 3 (char 2)'],
  ['[1,]', 'Expecting value: line 1 column 4 (char 3)'],
  ['{"a":1,}', 'Expecting property name enclosed in double quotes: line 1 column 8 (char 7)'],
  ['{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"],
  ['{1:2}', 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
  ["{'a': 1}", 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
  ["'a'", 'Expecting value: line 1 column 1 (char 0)'],
  ['[1 2]', "Expecting ',' delimiter: line 1 column 4 (char 3)"],
  ['[1,2', "Expecting ',' delimiter: line 1 column 5 (char 4)"],
  ['{"a":1', "Expecting ',' delimiter: line 1 column 7 (char 6)"],
  ['{"a"', "Expecting ':' delimiter: line 1 column 5 (char 4)"],
  ['{"a":', 'Expecting value: line 1 column 6 (char 5)'],
  ['[', 'Expecting value: line 1 column 2 (char 1)'],
  ['{', 'Expecting property name enclosed in double quotes: line 1 column 2 (char 1)'],
  ['"abc', 'Unterminated string starting at: line 1 column 1 (char 0)'],
  ['"ab\\', 'Unterminated string starting at: line 1 column 1 (char 0)'],
  ['"ab\\"', 'Unterminated string starting at: line 1 column 1 (char 0)'],
  ['"a\\x"', 'Invalid \\escape: line 1 column 3 (char 2)'],
  ['"\\U0041"', 'Invalid \\escape: line 1 column 2 (char 1)'],
  ['"ab\\u12"', 'Invalid \\uXXXX escape: line 1 column 5 (char 4)'],
  ['"\\u12g4"', 'Invalid \\uXXXX escape: line 1 column 3 (char 2)'],
  ['"ab\\u1234', 'Invalid \\uXXXX escape: line 1 column 5 (char 4)'],
  ['"\\ud800\\uzzzz"', 'Invalid \\uXXXX escape: line 1 column 9 (char 8)'],
  ['"\\ud800\\udc00', 'Invalid \\uXXXX escape: line 1 column 9 (char 8)'],
  ['"a\x01"', 'Invalid control character at: line 1 column 3 (char 2)'],
  ['"a\nb"', 'Invalid control character at: line 1 column 3 (char 2)'],
  ['01', 'Extra data: line 1 column 2 (char 1)'],
  ['-01', 'Extra data: line 1 column 3 (char 2)'],
  ['1.', 'Extra data: line 1 column 2 (char 1)'],
  ['1e', 'Extra data: line 1 column 2 (char 1)'],
  ['1.5e', 'Extra data: line 1 column 4 (char 3)'],
  ['.5', 'Expecting value: line 1 column 1 (char 0)'],
  ['-', 'Expecting value: line 1 column 1 (char 0)'],
  ['[-]', 'Expecting value: line 1 column 2 (char 1)'],
  ['-NaN', 'Expecting value: line 1 column 1 (char 0)'],
  ['nan', 'Expecting value: line 1 column 1 (char 0)'],
  ['nul', 'Expecting value: line 1 column 1 (char 0)'],
  ['tru', 'Expecting value: line 1 column 1 (char 0)'],
  ['truex', 'Extra data: line 1 column 5 (char 4)'],
  ['Infinityx', 'Extra data: line 1 column 9 (char 8)'],
  ['1 x', 'Extra data: line 1 column 3 (char 2)'],
  ['[1]]', 'Extra data: line 1 column 4 (char 3)'],
  ['\ufeff1', 'Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)'],
  ['\u00a01', 'Expecting value: line 1 column 1 (char 0)'],
  ['\n\n  [1,\n 2 3]', "Expecting ',' delimiter: line 4 column 4 (char 11)"],
  ['"😀" x', 'Extra data: line 1 column 5 (char 4)'],
  ['["😀", x]', 'Expecting value: line 1 column 7 (char 6)'],
];

describe('parsePythonJson', () => {
  for (const [text, repr] of PARSE_CASES) {
    it(`json.loads(${JSON.stringify(text)}) == ${repr}`, () => {
      assert.equal(pyRepr(parsePythonJson(text)), repr);
    });
  }

  it('keeps ints exact and tells them from floats', () => {
    assert.deepEqual(parsePythonJson('[1, 1.0, 1e0, 123456789012345678901234567890]'), pyList([
      pyInt(1n),
      pyFloat(1),
      pyFloat(1),
      pyInt(123456789012345678901234567890n),
    ]));
    assert.ok(Object.is((parsePythonJson('-0.0') as { value: number }).value, -0));
  });

  it('builds dicts with str keys, a repeated key keeping its first position', () => {
    assert.deepEqual(
      parsePythonJson('{"x": 1, "y": 2, "x": [3]}'),
      pyDict([
        [pyStrValue('x'), pyList([pyInt(3n)])],
        [pyStrValue('y'), pyInt(2n)],
      ]),
    );
  });

  it('accepts nesting up to the depth CPython accepts and refuses deeper', () => {
    const depth = PYTHON_JSON_MAX_DEPTH;
    assert.doesNotThrow(() => parsePythonJson('['.repeat(depth) + ']'.repeat(depth)));
    assert.throws(
      () => parsePythonJson('['.repeat(depth + 1) + ']'.repeat(depth + 1)),
      /maximum recursion depth exceeded while decoding a JSON array/,
    );
    assert.throws(() => parsePythonJson('{"a": '.repeat(depth + 1) + '1' + '}'.repeat(depth + 1)), /JSON object/);
  });

  it('parses whatever JSON.parse parses, to the same numbers and strings', () => {
    const toPlain = (v: PyValue): unknown => {
      switch (v.kind) {
        case 'none':
          return null;
        case 'bool':
        case 'float':
        case 'str':
          return v.value;
        case 'int':
          return Number(v.value);
        case 'list':
          return v.items.map(toPlain);
        case 'dict':
          return Object.fromEntries(v.entries.map(([k, x]) => [(k as { value: string }).value, toPlain(x)]));
        default:
          throw new Error(`unexpected ${v.kind}`);
      }
    };
    fc.assert(
      fc.property(fc.json(), (text) => {
        assert.deepEqual(toPlain(parsePythonJson(text)), JSON.parse(text));
      }),
    );
  });
});

describe('parsePythonJson errors', () => {
  for (const [text, message] of PARSE_ERRORS) {
    it(`json.loads(${JSON.stringify(text)}) raises ${message}`, () => {
      assert.throws(
        () => parsePythonJson(text),
        (error: unknown) => {
          assert.ok(error instanceof PythonJsonDecodeError);
          assert.ok(error instanceof SyntaxError);
          assert.equal(error.message, message);
          return true;
        },
      );
    });
  }

  it('exposes msg, pos, lineno and colno like JSONDecodeError', () => {
    try {
      parsePythonJson('[1,\n 2 x]');
      assert.fail('should throw');
    } catch (error) {
      assert.ok(error instanceof PythonJsonDecodeError);
      assert.equal(error.msg, "Expecting ',' delimiter");
      assert.equal(error.pos, 7);
      assert.equal(error.lineno, 2);
      assert.equal(error.colno, 4);
    }
  });
});

const s = pyStrValue;

/** [Python expression, value, json.dumps(value)]. */
export const DUMPS_CASES: ReadonlyArray<readonly [string, PyValue, string]> = [
  ['None', pyNone, 'null'],
  ['True', pyBool(true), 'true'],
  ['1', pyInt(1n), '1'],
  ['-2**100', pyInt(-(2n ** 100n)), '-1267650600228229401496703205376'],
  ['1.0', pyFloat(1), '1.0'],
  ['1e16', pyFloat(1e16), '1e+16'],
  ['-0.0', pyFloat(-0), '-0.0'],
  ['0.1 + 0.2', pyFloat(0.1 + 0.2), '0.30000000000000004'],
  ['float("nan")', pyFloat(NaN), 'NaN'],
  ['float("inf")', pyFloat(Infinity), 'Infinity'],
  ['float("-inf")', pyFloat(-Infinity), '-Infinity'],
  [`'a"b\\\\c/'`, s('a"b\\c/'), '"a\\"b\\\\c/"'],
  ["'\\n\\t\\b\\f\\r\\x00\\x1f\\x7f'", s('\n\t\b\f\r\x00\x1f\x7f'), '"\\n\\t\\b\\f\\r\\u0000\\u001f\\u007f"'],
  ["'é中😀'", s('é中😀'), '"\\u00e9\\u4e2d\\ud83d\\ude00"'],
  ["'\\ud800'", s('\ud800'), '"\\ud800"'],
  ["'\\uABCD'", s('\uabcd'), '"\\uabcd"'],
  ['[]', pyList([]), '[]'],
  ['[1, [2.5, "x"], []]', pyList([pyInt(1n), pyList([pyFloat(2.5), s('x')]), pyList([])]), '[1, [2.5, "x"], []]'],
  ['(1, 2)', pyTuple([pyInt(1n), pyInt(2n)]), '[1, 2]'],
  ['{}', pyDict([]), '{}'],
  ["{'a': 1, 'b': [True, None]}", pyDict([[s('a'), pyInt(1n)], [s('b'), pyList([pyBool(true), pyNone])]]), '{"a": 1, "b": [true, null]}'],
  [
    "{2: 'a', 1.5: 'b', False: 'c', None: 'd', float('nan'): 'e', float('-inf'): 'f', 1e16: 'g', 2**70: 'h'}",
    pyDict([
      [pyInt(2n), s('a')],
      [pyFloat(1.5), s('b')],
      [pyBool(false), s('c')],
      [pyNone, s('d')],
      [pyFloat(NaN), s('e')],
      [pyFloat(-Infinity), s('f')],
      [pyFloat(1e16), s('g')],
      [pyInt(2n ** 70n), s('h')],
    ]),
    '{"2": "a", "1.5": "b", "false": "c", "null": "d", "NaN": "e", "-Infinity": "f", "1e+16": "g", "1180591620717411303424": "h"}',
  ],
  ["{1: 'a', '1': 'b'}", pyDict([[pyInt(1n), s('a')], [s('1'), s('b')]]), '{"1": "a", "1": "b"}'],
  ["{'é': 1}", pyDict([[s('é'), pyInt(1n)]]), '{"\\u00e9": 1}'],
  ['Counter(a=2)', pyCounter([[s('a'), pyInt(2n)]]), '{"a": 2}'],
  ['OrderedDict(b=1, a=2)', pyOrderedDict([[s('b'), pyInt(1n)], [s('a'), pyInt(2n)]]), '{"b": 1, "a": 2}'],
  ['class L(list): pass\nL([1])', { kind: 'list', cls: 'L', items: [pyInt(1n)] }, '[1]'],
];

/** [Python expression, value, the exception json.dumps raises]. */
export const DUMPS_ERRORS: ReadonlyArray<readonly [string, PyValue, string]> = [
  ['{1, 2}', pySet([pyInt(1n), pyInt(2n)]), 'TypeError: Object of type set is not JSON serializable'],
  ['frozenset()', pyFrozenset([]), 'TypeError: Object of type frozenset is not JSON serializable'],
  ["b'a'", pyBytes('a'), 'TypeError: Object of type bytes is not JSON serializable'],
  ["bytearray(b'a')", pyBytearray('a'), 'TypeError: Object of type bytearray is not JSON serializable'],
  ['1j', pyComplex(0, 1), 'TypeError: Object of type complex is not JSON serializable'],
  ['deque([1])', pyDeque([pyInt(1n)]), 'TypeError: Object of type deque is not JSON serializable'],
  ['range(3)', pyRange(0n, 3n), 'TypeError: Object of type range is not JSON serializable'],
  ['class Foo: pass\nFoo()', pyOpaque('Foo', '<__main__.Foo object at 0x1>'), 'TypeError: Object of type Foo is not JSON serializable'],
  ['[1, {2}]', pyList([pyInt(1n), pySet([pyInt(2n)])]), 'TypeError: Object of type set is not JSON serializable'],
  ['{(1, 2): 3}', pyDict([[pyTuple([pyInt(1n), pyInt(2n)]), pyInt(3n)]]), 'TypeError: keys must be str, int, float, bool or None, not tuple'],
  ['{frozenset(): 1}', pyDict([[pyFrozenset([]), pyInt(1n)]]), 'TypeError: keys must be str, int, float, bool or None, not frozenset'],
  ["{b'k': 1}", pyDict([[pyBytes('k'), pyInt(1n)]]), 'TypeError: keys must be str, int, float, bool or None, not bytes'],
  ['x = []; x.append(x)\nx', pyList([pyCycle('list')]), 'ValueError: Circular reference detected'],
];

describe('pythonJsonDumps', () => {
  for (const [py, value, expected] of DUMPS_CASES) {
    it(`json.dumps(${py.split('\n').at(-1)}) == ${expected}`, () => {
      assert.equal(pythonJsonDumps(value), expected);
    });
  }

  for (const [py, value, expected] of DUMPS_ERRORS) {
    it(`json.dumps(${py.split('\n').at(-1)}) raises ${expected}`, () => {
      assert.throws(
        () => pythonJsonDumps(value),
        (error: unknown) => {
          assert.ok(error instanceof PythonJsonEncodeError);
          assert.equal(`${error.pythonType}: ${error.message}`, expected);
          return true;
        },
      );
    });
  }

  it('refuses truncated values instead of writing a prefix', () => {
    assert.throws(() => pythonJsonDumps({ kind: 'list', items: [], truncated: true, len: 5000 }), /truncated list/);
  });
});

/** Any string, including lone surrogates (as Python strs may hold). */
const anyString = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }).map((units) => String.fromCharCode(...units)),
);

/** Values json.dumps can write and json.loads reads back unchanged. */
const jsonValue: fc.Arbitrary<PyValue> = fc.letrec<{ value: PyValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(pyNone),
    fc.boolean().map(pyBool),
    fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }).map((n) => pyInt(n)),
    fc.double().map(pyFloat),
    anyString.map(s),
    fc.array(tie('value'), { maxLength: 4 }).map(pyList),
    fc
      .uniqueArray(fc.tuple(anyString, tie('value')), { maxLength: 4, selector: ([k]) => k })
      .map((entries) => pyDict(entries.map(([k, v]): [PyValue, PyValue] => [s(k), v]))),
  ),
})).value;

describe('pythonJsonDumps / parsePythonJson round trip', () => {
  it('parsePythonJson(pythonJsonDumps(v)) deep-equals v', () => {
    fc.assert(
      fc.property(jsonValue, (v) => {
        assert.deepEqual(parsePythonJson(pythonJsonDumps(v)), v);
      }),
      { numRuns: 500 },
    );
  });

  it('writes only printable ASCII (ensure_ascii)', () => {
    fc.assert(fc.property(jsonValue, (v) => /^[\x20-\x7e]*$/.test(pythonJsonDumps(v))));
  });
});
