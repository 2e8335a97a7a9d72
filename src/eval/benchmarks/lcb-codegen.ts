/**
 * LiveCodeBench code generation (release_v4 in the paper; n = 10, T = 0.2, pass@1 = mean
 * c/n). The prompt is the one the reference ran: lcb_runner's CodeQwenInstruct style
 * (runner/main.py registers any unknown model with it) — as raw text with the Qwen chat
 * tokens for the completions API, and as a system + user message pair for chat APIs.
 * Extraction is lcb_runner `extract_code` (lines between the first two ``` lines).
 * Grading is the judge's `reference` preset (src/judge/, the same LCB `run_test` semantics
 * the RL reward uses) over public + private tests, with the two settings in which
 * lcb_runner's benchmark grader differs from the reward's copy of it: no rewrite of a
 * top-level function into `class Solution`, and no 300 s cap on the global limit.
 */
import { judgeTests, type JudgeResult, type ReferenceResult } from '../../judge/index.js';
import type { SandboxPool } from '../../sandbox/index.js';
import { loadLcbCodegen, type LcbCodegenProblem } from '../datasets/lcb.js';
import { lcbExtractCode } from '../extract.js';
import type { Benchmark, EvalPrompt, SampleVerdict } from '../types.js';

const SYSTEM_MESSAGE_CODEQWEN = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user';
const FORMATTING_WITH_STARTER_CODE =
  'You will use the following starter code to write the solution to the problem and enclose your code within delimiters.';
const FORMATTING_WITHOUT_STARTER_CODE =
  'Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test on the sample inputs). Enclose your code within delimiters as follows.';

/** The user part of get_codeqwen_question_template_answer, up to (not including) <|im_end|>. */
export function lcbCodegenQuestion(p: LcbCodegenProblem): string {
  let prompt =
    'You will be given a question (problem specification) and will generate a correct Python program that matches the specification and passes all tests. You will NOT return anything except for the program.\n\n';
  prompt += `Question: ${p.question_content}\n\n`;
  if (p.starter_code) prompt += `${FORMATTING_WITH_STARTER_CODE}\n` + `\`\`\`python\n${p.starter_code}\n\`\`\`\n\n`;
  else prompt += `${FORMATTING_WITHOUT_STARTER_CODE}\n` + '```python\n# YOUR CODE HERE\n```\n\n';
  return prompt;
}

export function lcbCodegenPrompt(p: LcbCodegenProblem, systemPrompt?: string): EvalPrompt {
  const question = lcbCodegenQuestion(p);
  const text = `${SYSTEM_MESSAGE_CODEQWEN}\n\n${question}<|im_end|>\n<|im_start|>assistant\n`;
  const system = systemPrompt === undefined ? 'You are a helpful assistant.' : systemPrompt;
  return {
    messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: question }],
    text,
  };
}

export const lcbCodegen: Benchmark<LcbCodegenProblem> = {
  name: 'lcb-codegen',
  title: 'LiveCodeBench code generation',
  defaults: { n: 10, temperature: 0.2, maxTokens: 8192 },
  dataFiles: { names: ['test.jsonl'], subdir: 'livecodebench', pattern: /^test\d*\.jsonl$/ },
  sampleField: 'completion',
  async load(files, opts) {
    return (await loadLcbCodegen(files, opts)).map((p) => ({ id: p.question_id, difficulty: p.difficulty, row: p }));
  },
  prompt(task, opts) {
    return lcbCodegenPrompt(task.row, opts.systemPrompt);
  },
  extract(_task, response) {
    return lcbExtractCode(response);
  },
  plan(task, code) {
    const tests = { inputs: task.row.tests.map((t) => t.input), outputs: task.row.tests.map((t) => t.output), fnName: task.row.fn_name };
    return { grade: (pool) => lcbGrade(pool, code, tests) };
  },
};

/** lcb_runner's per-test limit (runner/parser.py `--timeout`, default 6 s; run.sh keeps it). */
export const LCB_TEST_TIMEOUT_MS = 6000;

/**
 * lcb_runner/evaluation/compute_code_generation_metrics.py `check_correctness`:
 * `p.join(timeout=(timeout + 1) * len(inputs) + 5)` — without the `min(..., 300)` the
 * reward's copy (verl/.../livecodebench/lcb_runner/...) adds.
 */
export function lcbGlobalTimeoutMs(testTimeoutMs: number, tests: number): number {
  return ((Math.ceil(testTimeoutMs / 1000) + 1) * tests + 5) * 1000;
}

export interface LcbTests {
  inputs: string[];
  outputs: string[];
  /** call-based when set; null/absent: stdin */
  fnName?: string | null;
}

/** Grade one program the way lcb_runner's `run_test` does, through the judge. */
export async function lcbGrade(pool: SandboxPool, code: string, tests: LcbTests, testTimeoutMs = LCB_TEST_TIMEOUT_MS): Promise<SampleVerdict> {
  const judged = await judgeTests(
    pool,
    { code, inputs: tests.inputs, outputs: tests.outputs, fnName: tests.fnName ?? null, fnNamePresent: false },
    { preset: 'reference', timeoutMs: testTimeoutMs, globalTimeoutMs: lcbGlobalTimeoutMs(testTimeoutMs, tests.inputs.length), wrapTopLevelFunction: false },
  );
  return lcbVerdict(judged);
}

/** LCB's error_message for the code that ended a result list. */
function lcbMessage(last: ReferenceResult | undefined, message: string | undefined): string {
  if (last === false) return 'Wrong Answer';
  if (last === -2) return message ?? 'Wrong answer';
  if (last === -3) return 'Time Limit Exceeded';
  return 'Runtime Error';
}

/**
 * A judge result as the eval reports it: pass iff every test passed (LCB's
 * `np.all(results > 0)`), the status is LCB's `error_message`, and the detail carries LCB's
 * result list (True / False / -1 / -2 / -3 / -4).
 */
export function lcbVerdict(r: JudgeResult): SampleVerdict {
  const detail = (results: unknown[], extra: Record<string, unknown>) => JSON.stringify({ results, ...extra }).slice(0, 600);
  switch (r.status) {
    case 'judged': {
      if (r.passed) return { passed: true, status: 'passed', detail: detail(r.results, {}) };
      const i = r.results.length - 1;
      const test = r.tests[i];
      const status = lcbMessage(r.results[i], test?.message);
      const code = r.results[i] === false ? -2 : r.results[i];
      return { passed: false, status, detail: detail(r.results, { test: i, error_code: code, error_message: status, ...(test?.message && test.message !== status ? { error: test.message.slice(0, 300) } : {}) }) };
    }
    case 'process_failed': // the grading process died or ran past the global limit: [-1] * n
      return { passed: false, status: r.message === 'global timeout' ? 'global timeout' : `failed: ${r.message ?? 'process ended'}`, detail: detail(r.results, {}) };
    case 'sandbox_error':
      return { passed: false, status: 'sandbox error', detail: r.message ?? '' };
    default: {
      // compiling the module, finding the method or reading the tests raised: run_test answers [-4]
      const status = `Error during testing: ${r.message ?? r.status}`.slice(0, 300);
      return { passed: false, status, detail: detail([-4], { error_code: -4, error_message: status }) };
    }
  }
}

