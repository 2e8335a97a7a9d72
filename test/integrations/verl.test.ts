/**
 * The verl integration (integrations/verl/coderl_verl.py) against a real service started
 * here: its Python unittest suite under plain python3, and the verl contract — the
 * module's compute_score gives the same scores as `coderl score` on the same cases.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { judgeSandboxOptions } from '../../src/judge/index.js';
import { SandboxPool } from '../../src/sandbox/index.js';
import { buildService, type Service } from '../../src/server/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INTEGRATION = path.join(REPO_ROOT, 'integrations', 'verl');
const TOKEN = 'verl-test-token';

let pool: SandboxPool;
let service: Service;
let url: string;
let dir: string;

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 32 << 20, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  pool = await SandboxPool.create({ slots: 2, uidBase: 65410, ...judgeSandboxOptions() }, () => undefined);
  dir = mkdtempSync(path.join(tmpdir(), 'coderl-verl-test-'));
  service = buildService({ pool, logger: false, settings: { runsDir: dir, token: TOKEN } });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}`;
});
after(async () => {
  await service.shutdown(2000);
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ CODERL_URL: url, CODERL_TOKEN: TOKEN, CODERL_ROLLOUTS: path.join(REPO_ROOT, 'test', 'esa', 'fixtures', 'rollouts.jsonl'), PYTHONDONTWRITEBYTECODE: '1' });

const stdinGt = JSON.stringify({ inputs: ['1 2\n', '10 -3\n'], outputs: ['3\n', '7\n'] });
const callGt = JSON.stringify({ inputs: ['[1, 2, 3]\n2'], outputs: ['[2, 4, 6]'], fn_name: 'scale' });
const esaGt = JSON.stringify({ input: '4\n', expected_output: '6', expected_local_variable: { n: 4, total: 6, ok: true } });
const CASES: Record<string, unknown>[] = [
  { data_source: 'livecodebench', solution_str: '```python\na, b = map(int, input().split())\nprint(a + b)\n```', ground_truth: stdinGt },
  { data_source: 'livecodebench', solution_str: 'first\n```python\nprint(0)\n```\nthen\n```python\nprint(sum(map(int, input().split())))\n```', ground_truth: stdinGt },
  { data_source: 'livecodebench', solution_str: '```python\nprint(3)\n```', ground_truth: stdinGt },
  { data_source: 'livecodebench', solution_str: '```python\nraise SystemExit(input())\n```', ground_truth: stdinGt },
  { data_source: 'livecodebench', solution_str: 'no code at all', ground_truth: stdinGt },
  { data_source: 'livecodebench', solution_str: '<think>```python\nprint(1)\n```</think>```python\nimport sys\nprint(sum(map(int, sys.stdin.read().split())))\n```', ground_truth: stdinGt },
  { data_source: 'livecodebench', solution_str: '```python\ndef scale(xs, k):\n    return [x * k for x in xs]\n```', ground_truth: callGt },
  { data_source: 'livecodebench', solution_str: '```python\nclass Solution:\n    def scale(self, xs, k):\n        return tuple(x * k for x in xs)\n```', ground_truth: callGt },
  { data_source: 'livecodebench', solution_str: '```python\ndef scale(xs, k):\n    return xs * k\n```', ground_truth: callGt },
  { data_source: 'exec_semantics_align', solution_str: 'trace\n{"final_output": "6", "variables": {"n": 4, "total": 6, "ok": true}}', ground_truth: esaGt },
  { data_source: 'exec_semantics_align', solution_str: '{"final_output": 6, "variables": {"n": "4", "total": 6.0, "ok": 1}}', ground_truth: esaGt },
  { data_source: 'exec_semantics_align', solution_str: '{"final_output": "5", "variables": {"n": 4}}', ground_truth: esaGt },
  { data_source: 'exec_semantics_align', solution_str: '{"final_output": "6"', ground_truth: esaGt },
  { data_source: 'lcb_code_execution', solution_str: 'The answer is \\boxed{[1, 2]}', ground_truth: JSON.stringify({ expected_output: '[1, 2]' }) },
  { data_source: 'lcb_code_execution', solution_str: 'The answer is \\boxed{5.0}', ground_truth: JSON.stringify({ expected_output: '5' }) },
  { data_source: 'lcb_test_output', solution_str: '```python\nassert f([1, 2]) == [2, 4]\n```', ground_truth: JSON.stringify({ output: '[2, 4]' }) },
];

describe('verl integration (python3)', () => {
  test('the unittest suite passes against the real service', async () => {
    const r = await run('python3', ['-m', 'unittest', 'discover', '-s', path.join(INTEGRATION, 'tests'), '-v'], env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Ran 8 tests/);
    assert.match(r.stderr, /\nOK\n/);
  });

  test('compute_score gives the same scores as `coderl score` on the same cases', async () => {
    const casesFile = path.join(dir, 'cases.jsonl');
    writeFileSync(casesFile, CASES.map((c) => JSON.stringify(c) + '\n').join(''));
    const script = [
      'import json, sys',
      `sys.path.insert(0, ${JSON.stringify(INTEGRATION)})`,
      'from coderl_verl import compute_score',
      'out = []',
      'for line in open(sys.argv[1], encoding="utf-8"):',
      '    c = json.loads(line)',
      '    out.append(compute_score(c["data_source"], c["solution_str"], c["ground_truth"], c.get("extra_info"), return_dict=True))',
      'print(json.dumps(out))',
    ].join('\n');
    const py = await run('python3', ['-c', script, casesFile], env());
    assert.equal(py.code, 0, py.stderr);
    const viaVerl = JSON.parse(py.stdout) as { score: number; kind: string }[];
    const cli = await run(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src', 'cli', 'main.ts'), 'score', '--batch', casesFile, '--slots', '2', '--uid-base', '65412']);
    assert.equal(cli.code, 0, cli.stderr);
    const viaCli = cli.stdout.trim().split('\n').map((l) => JSON.parse(l) as { score: number; kind: string });
    assert.equal(viaVerl.length, CASES.length);
    assert.deepEqual(viaVerl.map((r) => [r.score, r.kind]), viaCli.map((r) => [r.score, r.kind]));
    // and the cases are not all alike: both rewards and every route occur
    const scores = new Set(viaVerl.map((r) => r.score));
    assert.ok(scores.has(0) && scores.has(1) && scores.size >= 3, [...scores].join(','));
    assert.deepEqual([...new Set(viaVerl.map((r) => r.kind))].sort(), ['code_reasoning', 'codegen', 'esa', 'test_output']);
  });
});
