/**
 * The reference's variable capture, reproduced textually (src/sandbox/reference-capture.ts).
 * Pure tests: every expected output is written out by hand from the reference's Python
 *
 *   has_main = 'if __name__' in code and '__main__' in code
 *   if has_main: splitlines, insert the 4-space-indented capture after the last line whose
 *                strip() is non-empty and does not start with '#', '\n'.join
 *   else:        f"{code}\n\n{capture}"
 *
 *   var_json = stderr[stderr.index('___V___') + 7:].strip().split('\n')[0]
 *   error    = stderr.split('___V___')[0].strip()
 *
 * (Checked against CPython 3.12 while writing; the tests themselves do not run Python.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  REFERENCE_CAPTURE_TEMPLATE,
  REFERENCE_MARKER,
  hasMainBlock,
  parseReferenceStderr,
  withReferenceCapture,
} from '../../src/sandbox/reference-capture.js';

const T = REFERENCE_CAPTURE_TEMPLATE;

/** The template's lines, each indented by four spaces. The template is plain ASCII with
 * '\n' line ends and a trailing '\n', so a plain split is Python's splitlines() here. */
const CAPTURE_LINES = T.slice(0, -1)
  .split('\n')
  .map((line) => '    ' + line);
const INDENTED = CAPTURE_LINES.join('\n');

describe('REFERENCE_CAPTURE_TEMPLATE', () => {
  test('is byte-exact, trailing spaces included', () => {
    assert.ok(T.includes('__v__ = {k: v for k, v in locals().items() \n'), 'trailing space after items()');
    assert.ok(T.includes("         if not k.startswith('_') \n"), "trailing space after startswith('_')");
    assert.ok(T.includes('         and not callable(v)\n'), 'no trailing space after callable(v)');
    assert.ok(T.startsWith('\n# Get variables\n'));
    assert.ok(T.endsWith('print("___V___", file=sys.stderr)\nprint(json.dumps(__v__), file=sys.stderr)\n'));
    assert.ok(T.includes("('int', 'float', 'str', 'bool', 'list', 'dict', 'tuple', 'set', 'NoneType')"));
    assert.equal(T.split('\n').length, 17, '16 lines plus the trailing newline');
    assert.equal(REFERENCE_MARKER, '___V___');
  });

  test('only ASCII and \\n line ends (so the hand-built indented block above is valid)', () => {
    assert.match(T, /^[\n\x20-\x7e]*$/);
    assert.equal(CAPTURE_LINES[0], '    ', 'the leading empty line is indented too');
    assert.equal(CAPTURE_LINES[1], '    # Get variables');
    assert.equal(CAPTURE_LINES.length, 16);
  });
});

describe('hasMainBlock (substring semantics)', () => {
  const cases: Array<[string, boolean]> = [
    ['if __name__ == "__main__":\n    main()\n', true],
    ["if __name__ == '__main__': main()", true],
    ['print(1)\n', false],
    ['if __name__ == "main":\n    pass\n', false], // `if __name__` but no `__main__`
    ['x = "__main__"\n', false], // `__main__` but no `if __name__`
    ['if  __name__ == "__main__":\n    pass\n', false], // two spaces: not the substring
    ['if __name__:\n    pass\nprint("__main__")\n', true], // `__main__` only in a string
    ['# if __name__ == "__main__"\n', true], // only in a comment
    ['s = "if __name__"\nt = "__main__"\n', true], // only in strings
    ['', false],
  ];
  for (const [code, expected] of cases) {
    test(`${JSON.stringify(code)} → ${expected}`, () => {
      assert.equal(hasMainBlock(code), expected);
    });
  }
});

describe('withReferenceCapture', () => {
  test('plain code: code + "\\n\\n" + template, exactly', () => {
    const code = 'x = 1\nprint(x)\n';
    assert.equal(withReferenceCapture(code), 'x = 1\nprint(x)\n\n\n' + T);
    assert.equal(withReferenceCapture(code), code + '\n\n' + T);
  });

  test('plain code without trailing newline, and empty code', () => {
    assert.equal(withReferenceCapture('print(1)'), 'print(1)\n\n' + T);
    assert.equal(withReferenceCapture(''), '\n\n' + T);
  });

  test('plain code keeps CRLF and odd separators untouched (no splitlines on this path)', () => {
    const code = 'a = 1\r\nb = 2\x0cc = 3\u2028';
    assert.equal(withReferenceCapture(code), code + '\n\n' + T);
  });

  test('`if __name__` without `__main__` is plain code', () => {
    const code = 'if __name__ == "main":\n    pass\n';
    assert.equal(withReferenceCapture(code), code + '\n\n' + T);
  });

  test('main block: inserted after the last code line, indented, trailing blanks and comments kept after it', () => {
    const code = [
      'def main():',
      '    x = 1',
      '',
      'if __name__ == "__main__":',
      '    main()',
      '',
      '# trailing comment',
      '   ',
      '    # indented comment',
      '',
      '',
    ].join('\n');
    const expected =
      'def main():\n    x = 1\n\nif __name__ == "__main__":\n    main()\n' +
      INDENTED +
      '\n\n# trailing comment\n   \n    # indented comment\n';
    assert.equal(withReferenceCapture(code), expected);
  });

  test('main block as the last line: capture at the very end, the code\'s final newline dropped', () => {
    const code = 'if __name__ == "__main__":\n    print(1)\n';
    assert.equal(withReferenceCapture(code), 'if __name__ == "__main__":\n    print(1)\n' + INDENTED);
  });

  test('CRLF line endings: split like splitlines(), joined with \\n', () => {
    const code = 'def main():\r\n    pass\r\nif __name__ == "__main__":\r\n    main()\r\n\r\n# end\r\n';
    const expected = 'def main():\n    pass\nif __name__ == "__main__":\n    main()\n' + INDENTED + '\n\n# end';
    assert.equal(withReferenceCapture(code), expected);
  });

  test('lone \\r, \\x0c, \\v, \\x1c, \\x85, \\u2028 and \\u2029 are line boundaries too', () => {
    const code = 'a = 1\x0cif __name__ == "__main__":\u2028    print(a)\u2028# done';
    assert.equal(
      withReferenceCapture(code),
      'a = 1\nif __name__ == "__main__":\n    print(a)\n' + INDENTED + '\n# done',
    );
    const code2 = 'if __name__ == "__main__":\r    x = 1\x0b    y = 2\x1c#c\x85\u2029';
    assert.equal(withReferenceCapture(code2), 'if __name__ == "__main__":\n    x = 1\n    y = 2\n' + INDENTED + '\n#c\n');
  });

  test('\\r\\n is one boundary but \\n\\r is two', () => {
    const code = 'if __name__ == "__main__":\n\r    main()\n\r';
    assert.equal(withReferenceCapture(code), 'if __name__ == "__main__":\n\n    main()\n' + INDENTED + '\n');
  });

  test('a line of Python whitespace only (\\x1f, \\xa0, \\u3000, tabs) counts as blank', () => {
    const code = 'if __name__ == "__main__":\n    main()\n \x1f\xa0\t\u3000\n\x1d\n';
    // \x1d is a line boundary: the line before it and after it are both empty.
    assert.equal(
      withReferenceCapture(code),
      'if __name__ == "__main__":\n    main()\n' + INDENTED + '\n \x1f\xa0\t\u3000\n\n',
    );
  });

  test('a lone \\x1c makes two empty lines; both are blank', () => {
    const code = 'if __name__ == "__main__":\n    main()\n  \x1c  \n';
    assert.equal(withReferenceCapture(code), 'if __name__ == "__main__":\n    main()\n' + INDENTED + '\n  \n  ');
  });

  test('a line of only U+FEFF is NOT blank for Python (unlike JS trim)', () => {
    const code = 'if __name__ == "__main__":\n    main()\n\ufeff\n\n';
    assert.equal(withReferenceCapture(code), 'if __name__ == "__main__":\n    main()\n\ufeff\n' + INDENTED + '\n');
  });

  test('a `#`-only last line and an indented comment are skipped', () => {
    assert.equal(
      withReferenceCapture('if __name__ == "__main__":\n    main()\n#'),
      'if __name__ == "__main__":\n    main()\n' + INDENTED + '\n#',
    );
    assert.equal(
      withReferenceCapture('if __name__ == "__main__":\n    main()\n\t  # x\n#'),
      'if __name__ == "__main__":\n    main()\n' + INDENTED + '\n\t  # x\n#',
    );
  });

  test('a line that starts with code and has a comment is a code line', () => {
    assert.equal(
      withReferenceCapture('if __name__ == "__main__":\n    main()  # run\n'),
      'if __name__ == "__main__":\n    main()  # run\n' + INDENTED,
    );
  });

  test('`__main__` only in a string, `if __name__` elsewhere: still has_main, capture after the last code line', () => {
    const code = 'if __name__ == "x":\n    pass\nprint("__main__")\n';
    // Indented after top-level code: does not compile, exactly as in the reference.
    assert.equal(withReferenceCapture(code), 'if __name__ == "x":\n    pass\nprint("__main__")\n' + INDENTED);
  });

  test('top-level code after the main block gets the capture after it (the reference quirk)', () => {
    const code = 'if __name__ == "__main__":\n    main()\nprint("done")\n# bye\n';
    assert.equal(
      withReferenceCapture(code),
      'if __name__ == "__main__":\n    main()\nprint("done")\n' + INDENTED + '\n# bye',
    );
  });

  test('only comments (has_main through a comment): capture appended at the end', () => {
    const code = '# if __name__ == "__main__":\n#   main()\n\n';
    assert.equal(withReferenceCapture(code), '# if __name__ == "__main__":\n#   main()\n\n' + INDENTED);
  });
});

describe('parseReferenceStderr', () => {
  test('marker absent: stderr unchanged, no JSON', () => {
    const stderr = 'Traceback (most recent call last):\nValueError: x\n';
    assert.deepEqual(parseReferenceStderr(stderr), { variablesJson: '', stderr, afterMarker: '' });
    assert.deepEqual(parseReferenceStderr(''), { variablesJson: '', stderr: '', afterMarker: '' });
  });

  test('marker with JSON', () => {
    assert.deepEqual(parseReferenceStderr('___V___\n{"a": 1, "b": [1, 2]}\n'), {
      variablesJson: '{"a": 1, "b": [1, 2]}',
      stderr: '',
      afterMarker: '{"a": 1, "b": [1, 2]}',
    });
  });

  test('JSON followed by more lines: only the first line is the JSON', () => {
    const r = parseReferenceStderr('___V___\n{"a": 1}\nException ignored in: x\nmore\n\n');
    assert.equal(r.variablesJson, '{"a": 1}');
    assert.equal(r.afterMarker, '{"a": 1}\nException ignored in: x\nmore');
    assert.equal(r.stderr, '');
  });

  test('user text before the marker is the stderr (the part before the first marker)', () => {
    const r = parseReferenceStderr('warning: x\nline two\n___V___\n{}\n');
    assert.equal(r.stderr, 'warning: x\nline two\n');
    assert.equal(r.variablesJson, '{}');
    assert.equal(r.afterMarker, '{}');
    // text directly before the marker, no newline (print(..., end=''))
    const r2 = parseReferenceStderr('no newline___V___\n{"k": "v"}\n');
    assert.equal(r2.stderr, 'no newline');
    assert.equal(r2.variablesJson, '{"k": "v"}');
  });

  test('marker twice: the first one wins', () => {
    const r = parseReferenceStderr('a\n___V___\n{"x": 1}\n___V___\n{"y": 2}\n');
    assert.equal(r.stderr, 'a\n');
    assert.equal(r.variablesJson, '{"x": 1}');
    assert.equal(r.afterMarker, '{"x": 1}\n___V___\n{"y": 2}');
    // the user printed the marker themselves, then the capture block printed it again
    const r2 = parseReferenceStderr('___V___ user\n___V___\n{"y": 2}\n');
    assert.equal(r2.stderr, '');
    assert.equal(r2.variablesJson, 'user');
  });

  test('whitespace and blank lines after the marker are stripped the Python way', () => {
    assert.equal(parseReferenceStderr('___V___ \t\n\n  {"a": [1, 2]}  \n\n').variablesJson, '{"a": [1, 2]}');
    assert.equal(parseReferenceStderr('___V___\n{"a": 1}  \nmore').variablesJson, '{"a": 1}  ');
    // Python strip() removes \x1c-\x1f and \x85 too, but not U+FEFF
    assert.equal(parseReferenceStderr('___V___\x1f\x85\n{"a": 1}').variablesJson, '{"a": 1}');
    assert.equal(parseReferenceStderr('___V___\ufeff{"a": 1}\n').variablesJson, '\ufeff{"a": 1}');
  });

  test('the JSON line is cut at \\n only (split, not splitlines)', () => {
    assert.equal(parseReferenceStderr('___V___\n{"a": 1}\r\nrest').variablesJson, '{"a": 1}\r');
    assert.equal(parseReferenceStderr('___V___\n{"a": 1}\x0bx\ny').variablesJson, '{"a": 1}\x0bx');
  });

  test('marker with nothing (or only whitespace) after it', () => {
    assert.deepEqual(parseReferenceStderr('err\n___V___'), { variablesJson: '', stderr: 'err\n', afterMarker: '' });
    assert.deepEqual(parseReferenceStderr('___V___\n \n'), { variablesJson: '', stderr: '', afterMarker: '' });
  });

  test('a failed capture block: its traceback is after the marker', () => {
    const r = parseReferenceStderr('___V___\nTraceback (most recent call last):\nTypeError: keys must be str\n');
    assert.equal(r.variablesJson, 'Traceback (most recent call last):');
    assert.equal(r.afterMarker, 'Traceback (most recent call last):\nTypeError: keys must be str');
    assert.equal(r.stderr, '');
  });
});
