/**
 * lcb-codegen and lcb-testoutput grade through the judge and the rewards (one
 * implementation each): the eval's verdict on LCB-style programs equals what the judge's
 * `reference` preset answers for the same tests (pass, wrong answer, timeout, runtime error,
 * the process dying), with LCB's result codes and error messages; the one setting in
 * which LiveCodeBench's benchmark grader differs from the reward's copy (no rewrite of a
 * top-level function into `class Solution`) is the judge option the eval turns off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lcbGlobalTimeoutMs, lcbGrade, type LcbTests } from '../../src/eval/benchmarks/lcb-codegen.js';
import { lcbTestOutputVerdict } from '../../src/eval/benchmarks/lcb-testoutput.js';
import type { LcbTestOutputProblem } from '../../src/eval/datasets/lcb.js';
import { judgeTests, type ReferenceResult } from '../../src/judge/index.js';
import { testOutputReward } from '../../src/rewards/index.js';
import type { SandboxPool } from '../../src/sandbox/index.js';
import { evalPool } from './helpers.js';

let pool: SandboxPool;
before(async () => {
  pool = await evalPool(65330, 2);
});
after(async () => {
  await pool.close();
});

interface Case {
  name: string;
  code: string;
  tests: LcbTests;
  /** LCB's result list, derived from lcb_runner testing_util.run_test */
  results: ReferenceResult[];
  status: string | RegExp;
  timeoutMs?: number;
}

const sum = 'n = int(input())\nprint(sum(map(int, input().split())))';
const stdinTests: LcbTests = { inputs: ['3\n1 2 3\n', '2\n5 5\n'], outputs: ['6\n', '10\n'] };
const callTests: LcbTests = { inputs: ['[1, 2]\n3', '[4]\n0'], outputs: ['[1, 2, 3]', '[4, 0]'], fnName: 'push' };

const CASES: Case[] = [
  { name: 'stdin: correct', code: sum, tests: stdinTests, results: [true, true], status: 'passed' },
  { name: 'stdin: wrong answer on the second test', code: 'n = int(input())\nprint(6)', tests: stdinTests, results: [true, -2], status: 'Wrong answer at output_line_idx=0: 6 != 10' },
  { name: 'stdin: extra line', code: `${sum}\nprint()\nprint(0)`, tests: stdinTests, results: [-2], status: 'Wrong answer: mismatched output length' },
  { name: 'stdin: runtime error', code: 'print(1 // 0)', tests: stdinTests, results: [-4], status: 'Runtime Error' },
  { name: 'stdin: per-test timeout', code: 'while True:\n    pass', tests: stdinTests, results: [-3], status: 'Time Limit Exceeded', timeoutMs: 1000 },
  { name: 'stdin: from sys import stdin reads the test input', code: 'from sys import stdin\nn = int(stdin.readline())\nprint(sum(map(int, stdin.readline().split())))', tests: stdinTests, results: [true, true], status: 'passed' },
  { name: 'stdin: exit() after printing', code: `${sum}\nexit()`, tests: stdinTests, results: [true, true], status: 'passed' },
  { name: "stdin: sys.stdout.close() raises (LCB's one-argument lambda)", code: `${sum}\nimport sys\nsys.stdout.close()`, tests: stdinTests, results: [-4], status: 'Runtime Error' },
  { name: 'stdin: quit is None', code: `${sum}\nquit()`, tests: stdinTests, results: [-4], status: 'Runtime Error' },
  { name: 'stdin: syntax error', code: 'print(', tests: stdinTests, results: [-4], status: /^Error during testing: / },
  { name: 'stdin: os._exit kills the grading process', code: 'import os\nos._exit(0)', tests: stdinTests, results: [-1, -1], status: /^failed: process ended/ },
  { name: 'call: class Solution, tuple counts as list', code: 'class Solution:\n    def push(self, a, x):\n        return tuple(a + [x])', tests: callTests, results: [true, true], status: 'passed' },
  { name: 'call: wrong answer', code: 'class Solution:\n    def push(self, a, x):\n        return [x] + a', tests: callTests, results: [false], status: 'Wrong Answer' },
  { name: 'call: runtime error', code: 'class Solution:\n    def push(self, a, x):\n        return a[5]', tests: callTests, results: [-4], status: 'Runtime Error' },
  { name: 'call: timeout', code: 'class Solution:\n    def push(self, a, x):\n        while True:\n            pass', tests: callTests, results: [-3], status: 'Time Limit Exceeded', timeoutMs: 1000 },
  { name: 'call: missing method', code: 'class Solution:\n    def other(self, a, x):\n        return a', tests: callTests, results: [-4], status: /^Error during testing: / },
  {
    name: 'call: a top-level function that calls itself by name',
    code: 'def push(a, x):\n    return [x] if not a else [a[0]] + push(a[1:], x)',
    tests: callTests,
    results: [true, true],
    status: 'passed',
  },
];

function lcbResults(detail: string | undefined): unknown {
  return (JSON.parse(detail ?? '{}') as { results?: unknown }).results;
}

describe('lcb-codegen grades through the judge', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const timeoutMs = c.timeoutMs ?? 6000;
      const [verdict, judged] = await Promise.all([
        lcbGrade(pool, c.code, c.tests, timeoutMs),
        judgeTests(
          pool,
          { code: c.code, inputs: c.tests.inputs, outputs: c.tests.outputs, fnName: c.tests.fnName ?? null },
          { preset: 'reference', timeoutMs, globalTimeoutMs: lcbGlobalTimeoutMs(timeoutMs, c.tests.inputs.length), wrapTopLevelFunction: false },
        ),
      ]);
      assert.equal(verdict.passed, judged.passed, JSON.stringify(verdict));
      assert.equal(verdict.passed, c.results.every((r) => r === true));
      if (judged.status === 'judged' || judged.status === 'process_failed') assert.deepEqual(judged.results, c.results);
      assert.deepEqual(lcbResults(verdict.detail), c.results, JSON.stringify(verdict));
      if (typeof c.status === 'string') assert.equal(verdict.status, c.status);
      else assert.match(verdict.status, c.status);
    });
  }

  test("the reward's rewrite into class Solution is the one difference, and an option of the judge", async () => {
    const recursive = CASES.find((c) => c.name.includes('calls itself')) as Case;
    const input = { code: recursive.code, inputs: recursive.tests.inputs, outputs: recursive.tests.outputs, fnName: 'push' };
    const reward = await judgeTests(pool, input, { preset: 'reference' });
    assert.deepEqual(reward.results, [-4]); // compute_score's convert_function_to_class_method: `push` is no longer a global → NameError
    const bench = await judgeTests(pool, input, { preset: 'reference', wrapTopLevelFunction: false });
    assert.deepEqual(bench.results, [true, true]);
  });

  test("readline on the original stdin yields lines without their newline, as LCB's patch does", async () => {
    const v = await lcbGrade(pool, 'from sys import stdin\nprint(repr(stdin.readline()))', { inputs: ['4\n5'], outputs: ["'4'"] });
    assert.equal(v.passed, true, JSON.stringify(v));
  });

  test('the global limit is (t + 1) × tests + 5 s with no 300 s cap', () => {
    assert.equal(lcbGlobalTimeoutMs(6000, 2), 19_000);
    assert.equal(lcbGlobalTimeoutMs(6000, 100), 705_000);
  });
});

describe('lcb-testoutput scores through the rewards', () => {
  const problem = { tests: [{ input: '[1, 2]', output: '[1, 2]' }] } as unknown as LcbTestOutputProblem;
  const predictions: Array<[string, boolean, string]> = [
    ['assert f([1, 2]) == [1, 2]', true, 'passed'],
    ['assert f([1, 2]) == [1, 1 + 1]', true, 'passed'],
    ['[1, 2]', true, 'passed'],
    ['assert f([1, 2]) == (1, 2)', false, 'wrong output'],
    ['assert f([1, 2]) == [2, 1]', false, 'wrong output'],
    ['assert f([1, 2]) == undefined_name', false, 'wrong output'],
    ['assert f([1, 2]) == next(x for x in iter(int, 1) if x)', false, 'timed out'],
  ];
  for (const [prediction, passed, status] of predictions) {
    test(`${prediction} → ${status}`, async () => {
      const [verdict, reward] = await Promise.all([
        lcbTestOutputVerdict(pool, problem, prediction),
        testOutputReward(pool, prediction, { output: '[1, 2]' }, { timeoutMs: 3000 }),
      ]);
      assert.equal(verdict.passed, passed, JSON.stringify(verdict));
      assert.equal(verdict.status, status);
      if (prediction.startsWith('assert')) assert.equal(reward.score, passed ? 1 : 0); // the reward extracts from a response; an assert line is its own extraction
    });
  }
});
