/**
 * pyStrip / pySplitlines / pySplitWhitespace / pyIsSpaceChar against CPython 3.12's
 * str.strip() / str.splitlines() / str.split() / str.isspace(). Expectations are hard-coded
 * (computed with python3.12 while writing); the tests do not run Python.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { pyIsSpaceChar, pySplitlines, pySplitWhitespace, pyStrip } from '../../src/sandbox/pystring.js';

/** [c for c in range(0x110000) if chr(c).isspace()] on CPython 3.12 */
const PY_SPACE = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];
/** [c for c in range(0x110000) if len(('a' + chr(c) + 'b').splitlines()) == 2] */
const PY_LINE_BREAK = [0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029];

/** Every BMP code unit (lone surrogates included) plus a few astral code points. */
function* allChars(): Generator<string> {
  for (let c = 0; c <= 0xffff; c++) yield String.fromCharCode(c);
  for (const cp of [0x10000, 0x1f600, 0xe0020, 0x10ffff]) yield String.fromCodePoint(cp);
}

describe('pyIsSpaceChar / pyStrip: the exact set of Python whitespace', () => {
  test('isspace() is true for exactly the 29 code points CPython 3.12 lists', () => {
    const found: number[] = [];
    for (const ch of allChars()) if (pyIsSpaceChar(ch)) found.push(ch.codePointAt(0) as number);
    assert.deepEqual(found, PY_SPACE);
  });

  test('strip() removes a character on its own exactly when it is Python whitespace', () => {
    const stripped: number[] = [];
    for (const ch of allChars()) {
      const out = pyStrip(ch);
      if (out === '') stripped.push(ch.codePointAt(0) as number);
      else assert.equal(out, ch);
    }
    assert.deepEqual(stripped, PY_SPACE);
  });

  test('U+FEFF (BOM), U+200B, U+180E and U+2060 are not whitespace (JS trim disagrees on FEFF)', () => {
    for (const ch of ['\ufeff', '\u200b', '\u180e', '\u2060']) {
      assert.equal(pyIsSpaceChar(ch), false, ch.codePointAt(0)?.toString(16));
      assert.equal(pyStrip(` ${ch} `), ch);
    }
    assert.equal('\ufeff'.trim(), '', 'sanity: JS trim does strip FEFF');
  });

  test('\\x1c-\\x1f and \\x85 are whitespace (JS trim disagrees)', () => {
    assert.equal(pyStrip('\x1c\x1d\x1e\x1f\x85a b\x85\x1f\x1e\x1d\x1c'), 'a b');
    assert.equal(' \x1f\x85'.trim(), '\x1f\x85', 'sanity: JS trim keeps them');
  });

  test('hand-written cases', () => {
    const cases: Array<[string, string]> = [
      ['', ''],
      ['   ', ''],
      ['  a  ', 'a'],
      ['\t\n\x0b\x0c\r a b \r\n', 'a b'],
      ['\xa0\u3000x\u2028\u2029', 'x'],
      ['\ufeff a \ufeff', '\ufeff a \ufeff'],
      ['\ufeff\x1f', '\ufeff'],
      [' \u{1F600} ', '\u{1F600}'],
      ['a\x00', 'a\x00'],
    ];
    for (const [input, expected] of cases) assert.equal(pyStrip(input), expected, JSON.stringify(input));
  });

  test('property: strip only removes whitespace at the ends and leaves no whitespace at the ends', () => {
    const alphabet = fc.constantFrom(' ', '\t', '\x1c', '\x85', '\ufeff', '\xa0', 'a', '#', '\u3000', '\u200b');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 20 }), (chars) => {
        const s = chars.join('');
        const out = pyStrip(s);
        assert.ok(s.includes(out));
        if (out) {
          assert.ok(!pyIsSpaceChar(out[0] as string));
          assert.ok(!pyIsSpaceChar(out[out.length - 1] as string));
        }
        const start = out ? s.indexOf(out) : s.length;
        const removed = s.slice(0, start) + (out ? s.slice(start + out.length) : '');
        assert.equal(removed.length + out.length, s.length);
        for (const ch of removed) assert.ok(pyIsSpaceChar(ch));
      }),
    );
  });
});

describe('pySplitlines', () => {
  test('line boundaries are exactly those of str.splitlines()', () => {
    const found: number[] = [];
    for (const ch of allChars()) {
      const parts = pySplitlines('a' + ch + 'b');
      if (parts.length === 2) {
        assert.deepEqual(parts, ['a', 'b']);
        found.push(ch.codePointAt(0) as number);
      } else {
        assert.deepEqual(parts, ['a' + ch + 'b']);
      }
    }
    assert.deepEqual(found, PY_LINE_BREAK);
  });

  test('hand-written cases', () => {
    const cases: Array<[string, string[]]> = [
      ['a\r\nb\rc\n', ['a', 'b', 'c']],
      ['', []],
      ['\n', ['']],
      ['\r\n', ['']],
      ['\n\r', ['', '']],
      ['\r\r\n', ['', '']],
      ['a', ['a']],
      ['a\n', ['a']],
      ['a\n\n', ['a', '']],
      ['\na', ['', 'a']],
      ['a\n\nb', ['a', '', 'b']],
      ['a\r\r\nb', ['a', '', 'b']],
      ['x\x0by\x0cz\x1c1\x1d2\x1e3\x854\u20285\u20296', ['x', 'y', 'z', '1', '2', '3', '4', '5', '6']],
      ['a\x1fb', ['a\x1fb']],
      ['a\u2029', ['a']],
      ['a\x85\n', ['a', '']],
      ['  \t', ['  \t']],
      ['\u{1F600}\n\u{1F600}', ['\u{1F600}', '\u{1F600}']],
    ];
    for (const [input, expected] of cases) assert.deepEqual(pySplitlines(input), expected, JSON.stringify(input));
  });

  test('property: joining with \\n and re-splitting is stable for \\n-free lines', () => {
    const line = fc.string({ unit: fc.constantFrom('a', ' ', '#', '\t', '\x1f', '\ufeff') });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
        const text = lines.join('\n');
        // a trailing empty line disappears (Python: 'a\n'.splitlines() == ['a'])
        const expected = [...lines];
        if (expected[expected.length - 1] === '') expected.pop();
        assert.deepEqual(pySplitlines(text), expected);
        assert.deepEqual(pySplitlines(text + '\n'), lines);
      }),
    );
  });
});

describe('pySplitWhitespace', () => {
  test('hand-written cases', () => {
    const cases: Array<[string, string[]]> = [
      ['', []],
      ['   ', []],
      ['\x1c\x85\t', []],
      ['a b', ['a', 'b']],
      ['  a  b  ', ['a', 'b']],
      ['1 2\n3\t4', ['1', '2', '3', '4']],
      [' a\x1cb\ufeffc  d\x85', ['a', 'b\ufeffc', 'd']],
      ['x\xa0y\u3000z\u2028w', ['x', 'y', 'z', 'w']],
      ['a\u{1F600} b', ['a\u{1F600}', 'b']],
      ['a\u200bb', ['a\u200bb']],
    ];
    for (const [input, expected] of cases) assert.deepEqual(pySplitWhitespace(input), expected, JSON.stringify(input));
  });

  test('property: parts are non-empty, whitespace-free, and rejoin to the stripped, space-normalised text', () => {
    const alphabet = fc.constantFrom(' ', '\x1f', '\x85', '\ufeff', 'a', 'b', '\u2028', '\n');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), (chars) => {
        const s = chars.join('');
        const parts = pySplitWhitespace(s);
        for (const p of parts) {
          assert.ok(p.length > 0);
          for (const ch of p) assert.ok(!pyIsSpaceChar(ch));
        }
        const normalised = [...s].map((ch) => (pyIsSpaceChar(ch) ? ' ' : ch)).join('');
        assert.equal(parts.join(' '), normalised.split(' ').filter(Boolean).join(' '));
      }),
    );
  });
});
