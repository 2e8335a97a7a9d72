/**
 * The assert-program path on real benchmark data (../shared/data): every HumanEval
 * canonical solution passes its `check(entry_point)` (lenient: a quarter of them), and MBPP's canonical
 * solutions pass their asserts except the two known upstream failures.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { SandboxPool } from '../../src/sandbox/index.js';
import { judgeSandboxOptions, runAsserts } from '../../src/judge/index.js';

const DATA = path.resolve(fileURLToPath(new URL('../../', import.meta.url)), '..', 'shared', 'data');

interface HumanEvalRow {
  prompt: string;
  canonical_solution: string;
  test: string;
  entry_point: string;
}
interface MbppRow {
  task_id: number;
  code: string;
  test: string[];
}

let pool: SandboxPool;
before(async () => {
  pool = await SandboxPool.create({ slots: 2, uidBase: 65010, ...judgeSandboxOptions() }, () => undefined);
});
after(async () => {
  await pool?.close();
});

describe('benchmark canonical solutions', () => {
  test('HumanEval: 164/164 (reference), every fourth in lenient', async () => {
    const rows = gunzipSync(readFileSync(path.join(DATA, 'humaneval', 'HumanEval.jsonl.gz')))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as HumanEvalRow);
    assert.equal(rows.length, 164);
    for (const preset of ['reference', 'lenient'] as const) {
      // lenient on every fourth problem: the same path with an exit guard, kept short
      const picked = preset === 'reference' ? rows : rows.filter((_, i) => i % 4 === 0);
      const results = await Promise.all(
        picked.map((p) => runAsserts(pool, p.prompt + p.canonical_solution, { kind: 'import_prefix', importPrefix: '', testCode: p.test, entryPoint: p.entry_point }, { preset, timeoutMs: 6000 })),
      );
      const failed = results.flatMap((r, i) => (r.passed ? [] : [`${i}: ${r.status} ${r.message ?? ''}`]));
      assert.deepEqual(failed, [], preset);
    }
  });
  test('MBPP: canonical code passes its asserts except the known upstream failure', async () => {
    const rows = readFileSync(path.join(DATA, 'mbpp', 'mbpp_test.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as MbppRow);
    const results = await Promise.all(rows.map((p) => runAsserts(pool, p.code, { kind: 'assert_case', asserts: p.test }, { timeoutMs: 6000 })));
    const failed = rows.flatMap((p, i) => (results[i]?.passed ? [] : [{ id: p.task_id, status: results[i]?.status }]));
    // 367: its asserts use names from MBPP's test_setup_code, which this data file lacks.
    assert.ok(failed.some((f) => f.id === 367), 'task 367 fails (NameError: root)');
    // 123 sums amicable numbers below 9999 (3-4 s of CPU): on a loaded machine it may time out,
    // and that is the only other failure allowed.
    const others = failed.filter((f) => f.id !== 367);
    assert.ok(others.every((f) => f.id === 123 && f.status === 'timeout'), `unexpected failures: ${JSON.stringify(others)}`);
  });
});
