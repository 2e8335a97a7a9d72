/**
 * What the fork-server compiles once instead of per job.
 *
 * Preloaded programs (SandboxOptions.programs): run by name, as __main__.
 *
 * The precompiled reference capture block (child.py ReferenceBlock): a `reference` job
 * whose own part compiles alone runs that part and then the block the server compiled
 * once. It must be indistinguishable from compiling the whole text, as the reference does:
 * each program below runs both ways and everything observable must match. The whole-text
 * run is forced by one extra trailing newline, which changes nothing else.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { SandboxPool } from '../../src/sandbox/index.js';
import { SERVER_PACKAGE_DIR } from '../../src/sandbox/isolation.js';
import { REFERENCE_SUFFIX, withReferenceCapture } from '../../src/sandbox/reference-capture.js';

const PROGRAMS: Record<string, string> = {
  plain: 'x = 1\ny = [1, 2]\ns = {3}\nprint(x)\n',
  'no final newline': 'x = 1\nprint(x)',
  'blank lines at the end': 'x = 1\n\n\n\n',
  'CRLF line ends': 'a = 1\r\nb = "two"\r\nprint(a)\r\n',
  'lone CR inside': 'a = 1\rb = 2\rprint(a + b)',
  'lone CR at the end (pairs with the block)': 'a = 1\rb = 2\r',
  'block fails: tuple dict key': 'd = {(1, 2): 3}\nprint("before")\n',
  'block fails: callable shadowed': 'callable = lambda v: 1 / 0\nx = 5\n',
  'block fails: type shadowed': 'type = None\nx = 5\n',
  'program raises': 'x = 1\nraise ValueError("boom")\n',
  'sys.exit(2)': 'import sys\nx = 1\nsys.exit(2)\n',
  'syntax error': 'x = (\n',
  'unclosed string swallows the block': 'x = """abc\n',
  'indented block at the end': 'for i in range(2):\n    z = i\n',
  'tabs': 'if True:\n\tq = 1\n\tprint(q)\n',
  'future import': 'from __future__ import annotations\nx: int = 3\n',
  'BOM': '\ufeffx = 1\nprint(x)\n',
  'comment last, no newline': 'x = 1  # done',
  'line continuation': 'x = 1 + \\\n    2\nprint(x)\n',
  empty: '',
  'latin-1 cookie': '# -*- coding: latin-1 -*-\nx = "é"\nprint(len(x))\n',
  'json rebound': 'json = 5\nsys = "s"\nv = 1\n',
  'settrace (compiled whole)': 'import sys\nseen = []\nsys.settrace(lambda f, e, a: seen.append(e))\nx = 1\n',
  'NaN': 'n = float("nan")\nm = [float("inf")]\n',
};

let pool: SandboxPool;
before(async () => {
  pool = await SandboxPool.create({ slots: 1, uidBase: 63960 }, () => undefined);
});
after(async () => {
  await pool.close();
});

describe('the precompiled reference block is indistinguishable from compiling the whole program', () => {
  for (const [name, code] of Object.entries(PROGRAMS)) {
    test(name, async () => {
      const program = withReferenceCapture(code);
      assert.ok(program.endsWith(REFERENCE_SUFFIX), 'a program without a main block ends with the suffix');
      const split = await pool.run({ code: program });
      const whole = await pool.run({ code: program + '\n' });
      // The extra newline moves where an unterminated string is "detected"; nothing else.
      const normal = (r: typeof split) => ({ ...r, stderr: r.stderr.replace(/\(detected at line \d+\)/, '(detected)') });
      for (const key of ['status', 'exit_code', 'signal', 'stdout', 'stderr'] as const) {
        assert.deepEqual(normal(split)[key], normal(whole)[key], `${key} differs:\n${String(split[key])}\n---\n${String(whole[key])}`);
      }
    });
  }
});

describe('ReferenceBlock.split (our own module, run directly)', () => {
  test('splits ordinary programs and compiles the rest whole', () => {
    const cases = Object.entries(PROGRAMS).map(([name, code]) => ({ name, source: withReferenceCapture(code) }));
    cases.push({ name: 'main block', source: withReferenceCapture('if __name__ == "__main__":\n    x = 1\n') });
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(SERVER_PACKAGE_DIR)})`,
      'from coderl_sandbox.child import ReferenceBlock',
      'spec = json.loads(sys.stdin.read())',
      'block = ReferenceBlock(spec["suffix"], "/tmp/main.py")',
      'print(json.dumps({c["name"]: block.split(c["source"].encode(), "/tmp/main.py") is not None for c in spec["cases"]}))',
    ].join('\n');
    const out = execFileSync(pool.interpreter.executable, ['-I', '-B', '-c', script], { input: JSON.stringify({ suffix: REFERENCE_SUFFIX, cases }) });
    const split = JSON.parse(out.toString()) as Record<string, boolean>;
    const whole = [
      'lone CR at the end (pairs with the block)',
      'syntax error',
      'unclosed string swallows the block',
      'settrace (compiled whole)',
      'main block',
    ];
    for (const { name } of cases) assert.equal(split[name], !whole.includes(name), name);
  });
});

describe('preloaded programs (SandboxOptions.programs)', () => {
  let withPrograms: SandboxPool;
  before(async () => {
    withPrograms = await SandboxPool.create(
      { slots: 1, uidBase: 63970, programs: { greet: 'import sys\nprint("hello", sys.stdin.read())\nx = 1\n', boom: 'raise ValueError("no")\n' } },
      () => undefined,
    );
  });
  after(async () => {
    await withPrograms.close();
  });

  test('a job runs a preloaded program by name, as __main__, with its stdin', async () => {
    assert.equal(withPrograms.hasProgram('greet'), true);
    assert.equal(withPrograms.hasProgram('nope'), false);
    const r = await withPrograms.run({ code: '', program: 'greet', stdin: 'world' });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout, 'hello world\n');
    const again = await withPrograms.run({ code: 'print(2)' });
    assert.equal(again.stdout, '2\n', 'ordinary jobs on the same pool are unaffected');
  });

  test("a preloaded program's traceback names it", async () => {
    const r = await withPrograms.run({ code: '', program: 'boom' });
    assert.equal(r.status, 'runtime_error');
    assert.match(r.stderr, /File "<boom>", line 1, in <module>\nValueError: no/);
  });

  test('an unknown name, code alongside a program, or a capture is bad input', async () => {
    await assert.rejects(withPrograms.run({ code: '', program: 'nope' }), /no preloaded program named "nope"/);
    await assert.rejects(withPrograms.run({ code: 'print(1)', program: 'greet' }), /code "" and capture "none"/);
    await assert.rejects(withPrograms.run({ code: '', program: 'greet', capture: 'paper' }), /code "" and capture "none"/);
  });
});

describe('the server warms the child path up before freezing (child.warm_up)', () => {
  test('no trace of it reaches a job: fresh __main__, clean output, atexit hooks still run', async () => {
    const r = await pool.run({
      code: [
        'import atexit, sys',
        'print(sorted(k for k in globals() if not k.startswith("__")) == ["atexit", "sys"])',
        'atexit.register(lambda: print("bye"))',
      ].join('\n'),
      capture: 'reference',
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout, 'True\nbye\n');
    assert.equal(r.stderr, '');
    assert.deepEqual(r.variables, {});
  });
});
