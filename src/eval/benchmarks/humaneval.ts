/**
 * HumanEval (164 problems). Prompt, extraction and check program as CODERLPLUS
 * benchmark_evaluation/eval/Coding/human_eval/evaluate_human_eval.py plus openai/human-eval:
 * the model sees the signature and the prompt in a fence; the completion is
 * `prompt + match_code(response)`; the program is `prompt + completion + "\n" + test +
 * "\ncheck(entry_point)"`, run for 3 s. A `--samples` completion is used as-is, exactly
 * like human-eval's `evaluate_functional_correctness`.
 */
import { z } from 'zod';
import { CoderlError } from '../../core/index.js';
import { matchCode } from '../extract.js';
import { execCheckJob } from '../program.js';
import type { Benchmark } from '../types.js';
import { chatPrompt, INSTRUCTION_SUFFIX, loadTasks } from './common.js';

export const HumanEvalRowSchema = z.object({
  task_id: z.string(),
  prompt: z.string(),
  canonical_solution: z.string(),
  test: z.string(),
  entry_point: z.string(),
});
export type HumanEvalRow = z.infer<typeof HumanEvalRowSchema>;

export const HUMANEVAL_TIMEOUT_MS = 3000;

function signature(row: HumanEvalRow): string {
  const m = new RegExp(`def\\s+(${row.entry_point}.*?):\\s*\\n`).exec(row.prompt);
  if (!m) throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${row.task_id}: no "def ${row.entry_point}" line in the prompt`]);
  return m[1] as string;
}

export function humanevalUserPrompt(row: HumanEvalRow): string {
  return (
    'Write Python code to solve the task.\n' +
    `Write a Python function \`${signature(row)}\` to solve the following problem: Present code in \`\`\`python\`\`\`\n` +
    '```python\n' +
    `${row.prompt}\n` +
    '```\n' +
    INSTRUCTION_SUFFIX
  );
}

export function humanevalProgram(row: HumanEvalRow, completion: string): string {
  return row.prompt + completion + '\n' + row.test + '\n' + `check(${row.entry_point})`;
}

export const humaneval: Benchmark<HumanEvalRow> = {
  name: 'humaneval',
  title: 'HumanEval',
  defaults: { n: 1, temperature: 0, maxTokens: 4096 },
  dataFiles: { names: ['HumanEval.jsonl.gz', 'HumanEval.jsonl'], subdir: 'humaneval' },
  sampleField: 'completion',
  load: (files) => loadTasks(files, HumanEvalRowSchema, (row) => ({ id: row.task_id })),
  prompt(task, opts) {
    return chatPrompt(opts.systemPrompt || undefined, humanevalUserPrompt(task.row));
  },
  extract(task, response) {
    // the reference stores prompt + code as the completion, and human-eval prepends the prompt again
    return task.row.prompt + matchCode(response);
  },
  plan(task, completion) {
    return execCheckJob(humanevalProgram(task.row, completion), { timeoutMs: HUMANEVAL_TIMEOUT_MS });
  },
};
