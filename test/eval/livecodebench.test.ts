/**
 * LiveCodeBench code generation, code reasoning (execution, boxed) and test output
 * prediction on small fixtures in the hub's row formats (test/fixtures/eval): loading
 * (compressed private tests, date window, LCB's sort orders), the reference prompts,
 * every extraction path, and the grader's rules — stdin line/Decimal comparison, the
 * `if __name__` guard, mocked stdin, exit() swallowed and quit() disabled, call-based
 * with Solution or a top-level function, tuple → list, timeouts — and the
 * answer-repeats-input rule. (lcb-judge.test.ts: the same verdicts as the judge's.)
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { getBenchmark } from '../../src/eval/benchmarks/index.js';
import { lcbGrade } from '../../src/eval/benchmarks/lcb-codegen.js';
import { runEval } from '../../src/eval/runner.js';
import type { SandboxPool } from '../../src/sandbox/index.js';
import { evalPool, FIXTURES, tempDir, writeJsonl } from './helpers.js';

let pool: SandboxPool;
let dir: string;
before(async () => {
  pool = await evalPool(65300, 2);
  dir = tempDir();
});
after(async () => {
  await pool.close();
});

const fence = (code: string) => 'Here is my solution.\n```python\n' + code + '\n```\nDone.';

async function score(benchmark: string, data: string, rows: unknown[], name: string, loadOptions = {}) {
  const file = writeJsonl(path.join(dir, `${name}.jsonl`), rows);
  return runEval({
    benchmark: getBenchmark(benchmark),
    dataPath: path.join(FIXTURES, data),
    outDir: path.join(dir, name),
    source: { kind: 'samples', file },
    pool,
    loadOptions,
  });
}

describe('lcb-codegen', () => {
  const bench = getBenchmark('lcb-codegen');
  const file = path.join(FIXTURES, 'lcb_codegen.jsonl');

  test('loading: compressed private tests, sorted by question_id, date window inclusive', async () => {
    const all = await bench.load([file], {});
    assert.deepEqual(all.map((t) => t.id), ['1000A', '3999', 'abc900_a']);
    const stdin = all[2]?.row as { tests: Array<{ input: string }>; fn_name: string | null };
    assert.deepEqual(stdin.tests.map((t) => t.input), ['3\n1 2 3\n', '2\n5 5\n', '1\n-4\n']);
    assert.equal(stdin.fn_name, null);
    assert.equal((all[1]?.row as { fn_name: string }).fn_name, 'concat');
    const windowed = await bench.load([file], { startDate: '2023-05-01', endDate: '2024-01-13' });
    assert.deepEqual(windowed.map((t) => t.id), ['3999', 'abc900_a']);
    assert.deepEqual((await bench.load([file], { endDate: '2024-01-12' })).map((t) => t.id), ['1000A', 'abc900_a']);
  });

  test("the reference's CodeQwenInstruct prompt: raw text with chat tokens, and as messages", async () => {
    const [, call, stdin] = await bench.load([file], {});
    const p = bench.prompt(stdin as never, { cot: false });
    assert.ok(p.text.startsWith('<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n\nYou will be given a question'));
    assert.ok(p.text.includes('Question: Read N, then N integers; print their sum.\n\nRead the inputs from stdin solve the problem'));
    assert.ok(p.text.endsWith('```python\n# YOUR CODE HERE\n```\n\n<|im_end|>\n<|im_start|>assistant\n'));
    assert.deepEqual(p.messages.map((m) => m.role), ['system', 'user']);
    const c = bench.prompt(call as never, { cot: false });
    assert.ok(c.messages[1]?.content.includes('You will use the following starter code to write the solution to the problem and enclose your code within delimiters.\n```python\nclass Solution:'));
  });

  test('grading: stdin and call-based rules', async () => {
    const sum = 'n = int(input())\nprint(sum(map(int, input().split())))';
    const rows = [
      { task_id: 'abc900_a', response: fence(sum) },
      { task_id: 'abc900_a', response: fence('import sys\ndef main():\n    data = sys.stdin.read().split()\n    print(sum(map(int, data[1:])))\nif __name__ == "__main__":\n    main()') },
      { task_id: 'abc900_a', response: fence('n = int(input())\nprint(float(sum(map(int, input().split()))))') }, // 6.0 vs 6: equal as Decimals
      { task_id: 'abc900_a', response: fence('n = int(input())\nprint(sum(map(int, input().split())) + 1)') },
      { task_id: 'abc900_a', response: fence(sum + '\nprint("extra")') },
      { task_id: 'abc900_a', response: 'I cannot solve this.' },
      { task_id: 'abc900_a', response: fence(sum + '\nimport sys\nsys.exit(0)') }, // SystemExit is swallowed
      { task_id: 'abc900_a', response: fence(sum + '\nexit()') }, // LCB's reliability_guard leaves exit alone: SystemExit is swallowed
      { task_id: 'abc900_a', response: fence(sum + '\nquit()') }, // quit is None under reliability_guard
      { task_id: '3999', response: fence('class Solution:\n    def concat(self, a, b):\n        return tuple(a + b)') },
      { task_id: '3999', response: fence('def concat(a, b):\n    return a + b') },
      { task_id: '3999', response: fence('class Solution:\n    def concat(self, a, b):\n        return b + a') },
      { task_id: '3999', response: fence('class Solution:\n    def other(self, a, b):\n        return a + b') },
    ];
    const out = await score('lcb-codegen', 'lcb_codegen.jsonl', rows, 'codegen', { startDate: '2023-05-01' });
    const byId = Object.fromEntries(out.results.map((r) => [r.task_id, r]));
    assert.deepEqual(byId.abc900_a?.passed, [true, true, true, false, false, false, true, true, false]);
    assert.match(byId.abc900_a?.status[3] ?? '', /^Wrong answer at output_line_idx=0: 7 != 6/);
    assert.equal(byId.abc900_a?.status[4], 'Wrong answer: mismatched output length');
    assert.equal(byId.abc900_a?.status[8], 'Runtime Error');
    assert.deepEqual(byId['3999']?.passed, [true, true, false, false]);
    assert.equal(byId['3999']?.status[2], 'Wrong Answer');
    assert.equal(out.summary.tasks, 2);
    assert.ok(Math.abs(out.summary['pass@1'] - (5 / 9 + 2 / 4) / 2) < 1e-12);
    assert.deepEqual(Object.keys(out.summary.by_difficulty ?? {}), ['easy', 'medium']);
  });

  test('a test that runs past the per-test limit is a time-limit failure', async () => {
    const v = await lcbGrade(pool, 'while True:\n    pass', { inputs: ['1\n'], outputs: ['1\n'], fnName: null }, 1000);
    assert.equal(v.passed, false);
    assert.equal(v.status, 'Time Limit Exceeded');
  });
});

describe('lcb-execution (code reasoning, boxed)', () => {
  const bench = getBenchmark('lcb-execution');

  test("the reference's boxed prompt and system message", async () => {
    const [task] = await bench.load([path.join(FIXTURES, 'lcb_execution.jsonl')], {});
    const p = bench.prompt(task as never, { cot: false });
    assert.equal(p.messages[0]?.content, 'You are an expert at Python programming, code execution, test case generation, and fuzzing.');
    assert.ok(p.messages[1]?.content.startsWith('Analyze the following Python code and predict its output for the given input.\n\n```python\ndef countSeniors'));
    assert.ok(p.messages[1]?.content.includes("\n```\n\nInput: countSeniors(details = ['7868190130M7522'"));
    assert.ok(p.messages[1]?.content.endsWith('provide your final answer in the format \\boxed{output} where output is exactly what the code produces.'));
    assert.equal(bench.prompt(task as never, { cot: false, systemPrompt: '' }).messages.length, 1);
  });

  test('scoring: assert <output> == <answer> with the program; repeating the input fails', async () => {
    const call = "countSeniors(details = ['7868190130M7522', '5303914400F9211', '9273338290F4010'])";
    const rows = [
      { id: 'sample_2', response: 'Step by step... so \\boxed{2}' },
      { id: 'sample_2', response: '\\boxed{3}' },
      { id: 'sample_2', response: `\\boxed{${call}}` }, // would evaluate to 2, but repeats the input
      { id: 'sample_2', response: 'Therefore, the output is 2.' },
      { id: 'sample_10', prediction: '3' },
      { id: 'sample_10', prediction: "'3'" },
      { id: 'sample_10', prediction: '1 + 2' }, // an expression passes, as in the reference
    ];
    const out = await score('lcb-execution', 'lcb_execution.jsonl', rows, 'execution');
    assert.deepEqual(out.results.map((r) => r.task_id), ['sample_2', 'sample_10']);
    assert.deepEqual(out.results[0]?.passed, [true, false, false, true]);
    assert.equal(out.results[0]?.status[2], 'repeats input');
    assert.deepEqual(out.results[1]?.passed, [true, false, true]);
  });
});

describe('Parquet rows, as the hub serves execution-v2 and test_generation', () => {
  test('timestamps and int64 columns load; the date window applies', async () => {
    const str = (name: string, v: string) => ({ name, data: [v], type: 'STRING' as const });
    const date = { name: 'contest_date', data: [new Date('2023-08-19T00:00:00Z')], type: 'TIMESTAMP' as const };
    const exec = path.join(dir, 'execution.parquet');
    writeFileSync(exec, Buffer.from(parquetWriteBuffer({ columnData: [
      str('question_id', '2855'), str('contest_id', 'c'), date, str('difficulty', 'easy'), str('function_name', 'f'),
      str('code', 'def f(x):\n    return x'), str('input', 'f(x = 1)'), str('output', '1'), str('id', 'sample_3'), str('problem_id', '2855'),
      { name: 'numsteps', data: [5n], type: 'INT64' },
    ] })));
    const [t] = await getBenchmark('lcb-execution').load([exec], { startDate: '2023-08-19' });
    assert.deepEqual([t?.id, (t?.row as { contest_date: string }).contest_date], ['sample_3', '2023-08-19T00:00:00']);
    assert.equal((await getBenchmark('lcb-execution').load([exec], { startDate: '2023-08-20' })).length, 0);
    const gen = path.join(dir, 'test_generation.parquet');
    writeFileSync(gen, Buffer.from(parquetWriteBuffer({ columnData: [
      str('question_title', 't'), str('question_content', 'q'), str('question_id', '2856'), str('contest_id', 'c'), date, str('difficulty', 'medium'),
      str('test', JSON.stringify([{ input: '"L_R"', output: '1', testtype: 'functional' }])), str('starter_code', 'def g(m):\n    pass'),
      str('function_name', 'g'), { name: 'test_id', data: [2n], type: 'INT64' },
    ] })));
    const [u] = await getBenchmark('lcb-testoutput').load([gen], {});
    assert.equal(u?.id, '2856/2');
  });
});

describe('lcb-testoutput', () => {
  const bench = getBenchmark('lcb-testoutput');

  test('the prompt completes "assert fn(args) == # TODO" with the starter-code function name', async () => {
    const tasks = await bench.load([path.join(FIXTURES, 'lcb_testoutput.jsonl')], {});
    assert.deepEqual(tasks.map((t) => t.id), ['2855/0', '2856/1']);
    const p = bench.prompt(tasks[1] as never, { cot: false });
    assert.ok(p.messages[0]?.content.startsWith('You are a helpful programming assistant and an expert Python programmer.'));
    assert.equal(
      p.messages[1]?.content,
      'Problem:\nReturn the furthest distance.\nFunction:\n```\nclass Solution:\n    def furthestDistanceFromOrigin(self, moves: str) -> int:\n        pass\n```\nPlease complete the following test case:\n\n```\nassert furthestDistanceFromOrigin("L_RL__R") == # TODO\n```\n',
    );
  });

  test('scoring: eval the right side of the assert (sandboxed) and compare with the JSON output', async () => {
    const args = '["7868190130M7522", "5303914400F9211", "9273338290F4010"]';
    const rows = [
      { task_id: '2855/0', response: '```python\nassert countSeniors(' + args + ') == 2\n```' },
      { task_id: '2855/0', response: 'assert countSeniors(' + args + ') == 3' },
      { task_id: '2855/0', response: '```python\n2\n```' }, // no assert: the block is the value
      { task_id: '2855/0', response: 'I do not know.' },
      { task_id: '2855/0', prediction: "assert countSeniors(x) == __import__('os')._exit(0)" }, // cannot fake a pass
      { task_id: '2855/0', prediction: 'assert countSeniors(x) == 2.0' }, // Python ==: 2.0 == 2
      { task_id: '2856/1', prediction: 'assert furthestDistanceFromOrigin("L_RL__R") == 3' },
    ];
    const out = await score('lcb-testoutput', 'lcb_testoutput.jsonl', rows, 'testoutput');
    assert.deepEqual(out.results[0]?.passed, [true, false, true, false, false, true]);
    assert.deepEqual(out.results[1]?.passed, [true]);
  });
});
