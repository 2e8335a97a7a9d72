/**
 * `coderl exec` end to end through the real CLI entry point (src/cli/main.ts under tsx,
 * no build needed): single files, stdin options, JSONL batches, and the error paths.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(REPO_ROOT, 'src', 'cli', 'main.ts');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function coderl(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', MAIN, ...args],
      { cwd: REPO_ROOT, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The stdout of a run as JSON lines (every line must parse). */
function jsonLines(stdout: string): Array<Record<string, unknown>> {
  assert.ok(stdout === '' || stdout.endsWith('\n'), 'output ends with a newline');
  return stdout
    .split('\n')
    .slice(0, -1)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

let dir: string;
const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'coderl-exec-test-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('coderl exec FILE', () => {
  test('--stdin and --capture reference: one JSON result line', async () => {
    const prog = file('sum.py', 'x = 5\nprint(x + int(input()))\n');
    const r = await coderl(['exec', prog, '--stdin', '2\n', '--capture', 'reference', '--slots', '1']);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.equal(lines.length, 1);
    const res = lines[0] as Record<string, unknown>;
    for (const field of ['status', 'exit_code', 'signal', 'stdout', 'stderr', 'wall_ms', 'cpu_ms', 'variables']) {
      assert.ok(field in res, `field ${field}`);
    }
    assert.ok(!('id' in res), 'a single run has no id');
    assert.equal(res.status, 'ok');
    assert.equal(res.exit_code, 0);
    assert.equal(res.signal, null);
    assert.equal(res.stdout, '7\n');
    assert.equal(res.stderr, '', 'the capture block is cut out of stderr');
    assert.equal(res.capture, 'reference');
    assert.deepEqual(res.variables, { x: 5 });
    assert.equal(typeof res.wall_ms, 'number');
    assert.equal(typeof res.cpu_ms, 'number');
  });

  test('--stdin-file', async () => {
    const prog = file('mul.py', 'a, b = map(int, input().split())\nprint(a * b)\n');
    const input = file('mul.in', '6 7\n');
    const r = await coderl(['exec', prog, '--stdin-file', input, '--slots', '1']);
    assert.equal(r.code, 0, r.stderr);
    const [res] = jsonLines(r.stdout);
    assert.equal(res?.status, 'ok');
    assert.equal(res?.stdout, '42\n');
    assert.equal(res?.variables, null, 'no capture by default');
  });

  test('a missing program file: CRL_ERR_INPUT_NOT_FOUND, exit code 2, nothing on stdout', async () => {
    const missing = path.join(dir, 'does-not-exist.py');
    const r = await coderl(['exec', missing, '--slots', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CRL_ERR_INPUT_NOT_FOUND/);
    assert.ok(r.stderr.includes(missing), 'names the file');
    assert.equal(r.stdout, '');
  });

  test('a missing --stdin-file and a missing --batch file: CRL_ERR_INPUT_NOT_FOUND, exit code 2', async () => {
    const prog = file('p.py', 'print(1)\n');
    const r1 = await coderl(['exec', prog, '--stdin-file', path.join(dir, 'nope.in'), '--slots', '1']);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /CRL_ERR_INPUT_NOT_FOUND.*nope\.in/);
    const r2 = await coderl(['exec', '--batch', path.join(dir, 'nope.jsonl'), '--slots', '1']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /CRL_ERR_INPUT_NOT_FOUND.*nope\.jsonl/);
  });

  test('--stdin together with --stdin-file is rejected', async () => {
    const prog = file('q.py', 'print(input())\n');
    const input = file('q.in', 'x\n');
    const r = await coderl(['exec', prog, '--stdin', 'y', '--stdin-file', input, '--slots', '1']);
    assert.notEqual(r.code, 0);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--stdin or --stdin-file, not both/);
    assert.equal(r.stdout, '');
  });

  test('neither FILE nor --batch, or both: CRL_ERR_CONFIG_INVALID', async () => {
    const r1 = await coderl(['exec', '--slots', '1']);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /CRL_ERR_CONFIG_INVALID/);
    const prog = file('b.py', 'print(1)\n');
    const batch = file('b.jsonl', '{"id":"1","code":"print(1)"}\n');
    const r2 = await coderl(['exec', prog, '--batch', batch, '--slots', '1']);
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /CRL_ERR_CONFIG_INVALID/);
    assert.equal(r2.stdout, '');
  });
});

describe('coderl exec --batch', () => {
  test('6 jobs: one line each, in input order, ids kept (numbers as strings)', async () => {
    const jobs = [
      { id: 'ok', code: "print('a')" },
      { id: 2, code: "raise ValueError('boom')" },
      { id: 'slow', code: 'while True: pass', timeout_ms: 500 },
      { id: 'paper', code: "n = 3\nname = 'x'\nprint(n)", capture: 'paper' },
      { id: 'stdin', code: 'print(input()[::-1])', stdin: 'abc\n' },
      { id: 'exit3', code: 'import sys; sys.exit(3)' },
    ];
    // a blank line in the middle is skipped
    const text = jobs.map((j) => JSON.stringify(j)).slice(0, 3).join('\n') + '\n\n' + jobs.slice(3).map((j) => JSON.stringify(j)).join('\n') + '\n';
    const batch = file('six.jsonl', text);
    // two slots, so that the slow job really runs beside later ones and order is the CLI's doing
    const r = await coderl(['exec', '--batch', batch, '--slots', '2']);
    assert.equal(r.code, 0, r.stderr);
    const lines = jsonLines(r.stdout);
    assert.equal(lines.length, 6);
    assert.deepEqual(
      lines.map((l) => l.id),
      ['ok', '2', 'slow', 'paper', 'stdin', 'exit3'],
    );
    const [ok, err, slow, paper, stdin, exit3] = lines as Array<Record<string, any>>;
    assert.equal(ok.status, 'ok');
    assert.equal(ok.stdout, 'a\n');
    assert.equal(err.status, 'runtime_error');
    assert.equal(err.exit_code, 1);
    assert.match(err.stderr, /ValueError: boom\n$/);
    assert.equal(slow.status, 'timeout');
    assert.ok(slow.wall_ms >= 450 && slow.wall_ms < 5000, `timeout_ms honoured (${slow.wall_ms} ms)`);
    assert.equal(paper.status, 'ok');
    assert.equal(paper.capture, 'paper');
    assert.equal(paper.variables.n.repr, '3');
    assert.equal(paper.variables.name.repr, "'x'");
    assert.equal(stdin.stdout, 'cba\n');
    assert.equal(exit3.status, 'runtime_error');
    assert.equal(exit3.exit_code, 3);
    assert.equal(ok.capture, 'none');
    assert.equal(ok.variables, null);
  });

  const badBatch = () =>
    file(
      'bad.jsonl',
      [
        JSON.stringify({ id: 'first', code: 'print(1)' }),
        JSON.stringify({ id: 'second', code: 'print(2)' }),
        '{"id": "third", "code": ',
        JSON.stringify({ id: 'fourth', code: 'print(4)' }),
      ].join('\n') + '\n',
    );

  test('a malformed 3rd line: non-zero exit, stderr names line 3, later lines not run', async () => {
    const r = await coderl(['exec', '--batch', badBatch(), '--slots', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CRL_ERR_INPUT_INVALID/);
    assert.match(r.stderr, /line 3/);
    assert.ok(!r.stdout.includes('"fourth"'), 'nothing after the bad line runs');
  });

  for (const slots of ['1', '2']) {
    test(`a malformed 3rd line keeps the results of lines 1-2 already read (--slots ${slots})`, async () => {
      // runMany reads ahead; lines read before the bad one still run and are printed.
      const r = await coderl(['exec', '--batch', badBatch(), '--slots', slots]);
      assert.equal(r.code, 2);
      assert.deepEqual(
        jsonLines(r.stdout).map((l) => [l.id, l.status, l.stdout]),
        [
          ['first', 'ok', '1\n'],
          ['second', 'ok', '2\n'],
        ],
      );
    });
  }

  test('a line with a bad field names the line and the field', async () => {
    const batch = file('field.jsonl', '{"id":"a","code":"print(1)"}\n{"id":"b","code":"print(1)","timeout_ms":-5}\n');
    const r = await coderl(['exec', '--batch', batch, '--slots', '1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /line 2: field "timeout_ms"/);
  });
});

describe('coderl --help', () => {
  test('lists exec and demo', async () => {
    const r = await coderl(['--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\s+exec \[options\] \[file\]/m);
    assert.match(r.stdout, /^\s+demo\b/m);
    assert.match(r.stdout, /^Usage: coderl/m);
  });

  test('exec --help documents the batch and capture options', async () => {
    const r = await coderl(['exec', '--help']);
    assert.equal(r.code, 0, r.stderr);
    for (const opt of ['--batch', '--capture', '--stdin', '--stdin-file', '--timeout-ms', '--slots', '--unsafe-no-sandbox']) {
      assert.ok(r.stdout.includes(opt), opt);
    }
  });
});
