/**
 * The judging parity table (judging-table.ts) run through the sandbox in both presets,
 * plus assert-based programs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SandboxPool } from '../../src/sandbox/index.js';
import { judgeSandboxOptions, judgeTests, runAsserts, type JudgeResult } from '../../src/judge/index.js';
import { JUDGING_TABLE, type JudgingRow } from './judging-table.js';

let pool: SandboxPool;
before(async () => {
  pool = await SandboxPool.create({ slots: 2, uidBase: 65000, ...judgeSandboxOptions() }, () => undefined);
});
after(async () => {
  await pool?.close();
});

function check(row: JudgingRow, want: JudgingRow['reference'], got: JudgeResult): void {
  const seen = { status: got.status, results: got.results, tests: got.tests.map((t) => `${t.verdict}${t.message ? `: ${t.message.slice(0, 80)}` : ''}`) };
  if (Array.isArray(want)) {
    assert.equal(got.status, got.results.length === 1 && got.results[0] === -4 && got.status !== 'judged' ? got.status : got.status === 'process_failed' ? 'process_failed' : 'judged', JSON.stringify(seen));
    assert.deepEqual(got.results, want, `${row.why}\n${JSON.stringify(seen)}`);
  } else {
    assert.equal(got.status, want.status, `${row.why}\n${JSON.stringify(seen)}`);
  }
}

describe('judging parity table', () => {
  test('has at least 30 rows', () => assert.ok(JUDGING_TABLE.length >= 30));
  for (const preset of ['reference', 'lenient'] as const) {
    describe(preset, () => {
      for (const row of JUDGING_TABLE) {
        test(`${row.name} (${row.why.slice(0, 60)})`, async () => {
          const got = await judgeTests(
            pool,
            { code: row.code, inputs: row.inputs, outputs: row.outputs, fnName: row.fnName, fnNamePresent: 'fnName' in row },
            { preset, timeoutMs: row.options?.timeoutMs ?? 3000, ...(row.options?.globalTimeoutMs ? { globalTimeoutMs: row.options.globalTimeoutMs } : {}), ...(row.options?.maxOutputBytes ? { maxOutputBytes: row.options.maxOutputBytes } : {}) },
          );
          check(row, row[preset], got);
        });
      }
    });
  }
});

describe('per-test verdicts', () => {
  test('verdicts carry the reason; tests after the first failure are not_run', async () => {
    const r = await judgeTests(pool, { code: 'x = int(input())\nprint(10 // x)', inputs: ['1', '0', '2'], outputs: ['10', '0', '5'] });
    assert.deepEqual(r.tests.map((t) => t.verdict), ['pass', 'runtime_error', 'not_run']);
    assert.match(r.tests[1]?.message ?? '', /ZeroDivisionError/);
    assert.equal(r.passCount, 1);
    assert.equal(r.passed, false);
  });
});

describe('assert-based programs', () => {
  const add = 'def add(a, b):\n    return a + b\n';
  test('MBPP style: passes when every assert holds', async () => {
    for (const preset of ['reference', 'lenient'] as const) {
      assert.equal((await runAsserts(pool, add, { kind: 'assert_case', asserts: ['assert add(1, 2) == 3'] }, { preset })).passed, true, preset);
      assert.equal((await runAsserts(pool, add, { kind: 'assert_case', asserts: ['assert add(1, 2) == 4'] }, { preset })).passed, false, preset);
    }
  });
  test('[hack] exit(0) before the asserts: passes in reference, fails in lenient', async () => {
    const hack = 'import sys\nsys.exit(0)\n';
    assert.equal((await runAsserts(pool, hack, { kind: 'assert_case', asserts: ['assert add(1, 2) == 3'] }, { preset: 'reference' })).passed, true);
    const lenient = await runAsserts(pool, hack, { kind: 'assert_case', asserts: ['assert add(1, 2) == 3'] }, { preset: 'lenient' });
    assert.equal(lenient.passed, false);
    assert.equal(lenient.status, 'exited_early');
  });
  test('[hack] os._exit(0) before the asserts fails in lenient', async () => {
    const r = await runAsserts(pool, 'import os\nos._exit(0)\n', { kind: 'assert_case', asserts: ['assert False'] }, { preset: 'lenient' });
    assert.equal(r.passed, false);
  });
  test('HumanEval style (import_prefix + check(entry_point))', async () => {
    const tests = { kind: 'import_prefix' as const, importPrefix: 'import math\n', testCode: 'def check(candidate):\n    assert candidate(2, 3) == 5\n', entryPoint: 'add' };
    for (const preset of ['reference', 'lenient'] as const) assert.equal((await runAsserts(pool, add, tests, { preset })).passed, true, preset);
  });
});
