/**
 * computeScore end to end through the sandbox: routing by data_source, the reference's
 * ground-truth-string quirks, binary vs fraction rewards, test-output prediction.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SandboxPool } from '../../src/sandbox/index.js';
import { judgeSandboxOptions } from '../../src/judge/index.js';
import { computeScore, testOutputReward } from '../../src/rewards/index.js';

let pool: SandboxPool;
before(async () => {
  pool = await SandboxPool.create({ slots: 2, uidBase: 65010, ...judgeSandboxOptions() }, () => undefined);
});
after(async () => {
  await pool?.close();
});

const fence = (code: string) => `Here is the code.\n\`\`\`python\n${code}\n\`\`\`\n`;
const stdinGt = JSON.stringify({ inputs: ['1\n', '2\n', '3\n'], outputs: ['2\n', '4\n', '6\n'] });

describe('code generation', () => {
  test('binary reward 1 when every test passes', async () => {
    const r = await computeScore({ dataSource: 'codecontests', solutionStr: fence('print(int(input()) * 2)'), groundTruth: stdinGt }, { pool });
    assert.equal(r.kind, 'codegen');
    assert.equal(r.score, 1);
  });
  test('fraction = passes / len(results) (the list stops at the first failure)', async () => {
    const code = 'x = int(input())\nprint(x * 2 if x < 2 else 0)';
    const binary = await computeScore({ dataSource: 'apps', solutionStr: fence(code), groundTruth: stdinGt }, { pool });
    const fraction = await computeScore({ dataSource: 'apps', solutionStr: fence(code), groundTruth: stdinGt }, { pool, codegenReward: 'fraction' });
    assert.equal(binary.score, 0);
    assert.equal(fraction.score, 1 / 2);
  });
  test('no python block → 0', async () => {
    const r = await computeScore({ dataSource: 'taco', solutionStr: 'print(1)', groundTruth: stdinGt }, { pool });
    assert.equal(r.score, 0);
    assert.equal(r.details.reason, 'no_code');
  });
  test('</think>: code inside the thinking does not count', async () => {
    const r = await computeScore({ dataSource: 'taco', solutionStr: `${fence('print(int(input()) * 2)')}</think>done`, groundTruth: stdinGt }, { pool });
    assert.equal(r.score, 0);
  });
  test('ground-truth string routing: "question_id" anywhere → 0', async () => {
    const gt = JSON.stringify({ inputs: ['question_id\n'], outputs: ['question_id\n'] });
    const r = await computeScore({ dataSource: 'x', solutionStr: fence('print(input())'), groundTruth: gt }, { pool });
    assert.equal(r.score, 0);
    assert.equal(r.details.route, 'question_id');
    const lenient = await computeScore({ dataSource: 'x', solutionStr: fence('print(input())'), groundTruth: gt }, { pool, preset: 'lenient' });
    assert.equal(lenient.score, 1);
  });
  test('assert_case as a string scores 0 in reference (TypeError), runs in lenient', async () => {
    const gt = JSON.stringify({ assert_case: ['assert add(1, 2) == 3'] });
    const sol = fence('def add(a, b):\n    return a + b');
    assert.equal((await computeScore({ dataSource: 'mbpp', solutionStr: sol, groundTruth: gt }, { pool })).score, 0);
    assert.equal((await computeScore({ dataSource: 'mbpp', solutionStr: sol, groundTruth: gt }, { pool, preset: 'lenient' })).score, 1);
    assert.equal((await computeScore({ dataSource: 'mbpp', solutionStr: sol, groundTruth: JSON.parse(gt) }, { pool })).score, 1);
  });
  test('call-based with fn_name', async () => {
    const gt = JSON.stringify({ inputs: ['[1, 2]\n3'], outputs: ['[0, 1]'], fn_name: 'twoSum' });
    const sol = fence('class Solution:\n    def twoSum(self, nums, target):\n        return [0, 1]');
    assert.equal((await computeScore({ dataSource: 'leetcode', solutionStr: sol, groundTruth: gt }, { pool })).score, 1);
  });
});

describe('other routes', () => {
  test('ESA and code reasoning need no sandbox work but route through computeScore', async () => {
    const esa = await computeScore(
      { dataSource: 'exec_semantics_align', solutionStr: '{"final_output": "1", "variables": {}}', groundTruth: JSON.stringify({ expected_output: '1', expected_local_variable: {} }) },
      { pool },
    );
    assert.deepEqual([esa.kind, esa.score], ['esa', 1]);
    const cr = await computeScore({ dataSource: 'livecodebench_code_execution', solutionStr: '\\boxed{3}', groundTruth: JSON.stringify({ expected_output: '3' }) }, { pool });
    assert.deepEqual([cr.kind, cr.score], ['code_reasoning', 1]);
  });
  test('test-output prediction: right side evaluated in the sandbox, compared with Python ==', async () => {
    const gt = JSON.stringify({ output: '[1, 2]' });
    assert.equal((await testOutputReward(pool, 'assert f(3) == [1, 2]', gt)).score, 1);
    assert.equal((await testOutputReward(pool, 'assert f(3) == [1, 1 + 1]', gt)).score, 1);
    assert.equal((await testOutputReward(pool, 'assert f(3) == (1, 2)', gt)).score, 0); // tuple != list
    assert.equal((await testOutputReward(pool, 'assert f(3) == [1, 3]', gt)).score, 0);
    const err = await testOutputReward(pool, 'assert f(3) == undefined_name', gt);
    assert.equal(err.details.reason, 'eval_error');
    const r = await computeScore({ dataSource: 'lcb_test_output', solutionStr: 'text\nassert f(3) == [1, 2]', groundTruth: gt }, { pool });
    assert.deepEqual([r.kind, r.score], ['test_output', 1]);
  });
});
