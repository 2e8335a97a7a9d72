/**
 * LiveCodeBench test output prediction (n = 10, T = 0.2 in the paper). Prompt: lcb_runner
 * prompts/test_output_prediction.py, the CodeQwenInstruct style the reference ran (system
 * message + "complete the following test case: assert f(args) == # TODO"). Extraction:
 * `extract_test_output_code`. Scoring: `check_testcase_output` — take the right side of
 * the assert (via Python's ast), `eval` it, and compare with the JSON-decoded expected
 * output under `==` — both the rewards' implementations (src/rewards/test-output.ts), the
 * `eval` in the sandbox since it runs model output.
 */
import { loadLcbTestOutput, type LcbTestOutputProblem } from '../datasets/lcb.js';
import { lcbExtractTestOutput } from '../extract.js';
import { checkTestcaseOutput } from '../../rewards/test-output.js';
import type { SandboxPool } from '../../sandbox/index.js';
import type { Benchmark, EvalPrompt, SampleVerdict } from '../types.js';

export const LCB_TESTOUTPUT_SYSTEM =
  'You are a helpful programming assistant and an expert Python programmer. You are helping a user to write a test case to help to check the correctness of the function. The user has written a input for the testcase. You will calculate the output of the testcase and write the whole assertion statement in the markdown code block with the correct output.';

/** parse_function_name_from_starter_code: the (single) function defined in the starter code. */
export function starterFunctionName(starter: string, fallback: string): string {
  const names = [...starter.matchAll(/^[ \t]*(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)/gm)].map((m) => m[1] as string);
  return names.length === 1 ? (names[0] as string) : fallback;
}

export function lcbTestOutputQuestion(p: LcbTestOutputProblem): string {
  const input = (p.tests[0]?.input ?? '').split('\n').join(', ');
  let prompt = `Problem:\n${p.question_content}`;
  prompt += `Function:\n\`\`\`\n${p.starter_code}\n\`\`\`\n`;
  prompt += 'Please complete the following test case:\n\n';
  prompt += `\`\`\`\nassert ${starterFunctionName(p.starter_code, p.function_name)}(${input}) == # TODO\n\`\`\`\n`;
  return prompt;
}

export function lcbTestOutputPrompt(p: LcbTestOutputProblem, systemPrompt?: string): EvalPrompt {
  const system = systemPrompt === undefined ? LCB_TESTOUTPUT_SYSTEM : systemPrompt;
  const user = lcbTestOutputQuestion(p);
  return {
    messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: user }],
    text: `<|im_start|>system\n${system}\n<|im_end|>\n<|im_start|>user\n${user}\n<|im_end|>\n<|im_start|>assistant\n`,
  };
}

/** The limit on evaluating the predicted output (the reference evaluates in-process, unbounded). */
export const LCB_TESTOUTPUT_TIMEOUT_MS = 3000;

/**
 * compute_test_output_prediction_metrics.check_testcase_output, through the rewards'
 * implementation of it (the right side evaluated in the sandbox, compared with the
 * JSON-decoded expected output under Python `==` outside it).
 */
export async function lcbTestOutputVerdict(pool: SandboxPool, p: LcbTestOutputProblem, prediction: string): Promise<SampleVerdict> {
  const { score, details } = await checkTestcaseOutput(pool, prediction, p.tests[0]?.output ?? '', { timeoutMs: LCB_TESTOUTPUT_TIMEOUT_MS });
  if (score === 1) return { passed: true, status: 'passed' };
  if (details.reason === 'sandbox_error') return { passed: false, status: 'sandbox error', detail: details.error ?? '' };
  const timedOut = /^TimeoutException|did not finish \(timeout\)/.test(details.error ?? '');
  const why = details.reason === 'wrong' ? `${details.predicted ?? ''} != ${details.expected ?? ''}` : (details.error ?? details.reason);
  return { passed: false, status: timedOut ? 'timed out' : 'wrong output', detail: why.slice(0, 300) };
}

export const lcbTestOutput: Benchmark<LcbTestOutputProblem> = {
  name: 'lcb-testoutput',
  title: 'LiveCodeBench test output prediction',
  defaults: { n: 10, temperature: 0.2, maxTokens: 4096 },
  dataFiles: { names: ['test_generation.jsonl'], subdir: 'livecodebench-testoutput', pattern: /\.parquet$/ },
  sampleField: 'prediction',
  async load(files, opts) {
    return (await loadLcbTestOutput(files, opts)).map((p) => ({ id: `${p.question_id}/${p.test_id}`, difficulty: p.difficulty, row: p }));
  },
  prompt(task, opts) {
    return lcbTestOutputPrompt(task.row, opts.systemPrompt);
  },
  extract(_task, response) {
    return lcbExtractTestOutput(response);
  },
  plan(task, prediction) {
    return { grade: (pool) => lcbTestOutputVerdict(pool, task.row, prediction) };
  },
};
