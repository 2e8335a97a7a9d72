/**
 * MBPP (the 500-problem test split in DeepSeek-Coder's `mbpp_test.jsonl`). The check
 * program is DeepSeek-Coder's (the lineage CODERLPLUS's utils/evaluation_leetcode.py comes
 * from): the code, a newline, then the assert lines; it passes iff it runs cleanly within
 * 10 s. The reference harness has no MBPP prompt, so the prompt is the training task's
 * (SPEC §2) around the problem text and its asserts, and extraction is HumanEval's.
 */
import { z } from 'zod';
import { matchCode } from '../extract.js';
import { execCheckJob } from '../program.js';
import type { Benchmark } from '../types.js';
import { chatPrompt, INSTRUCTION_SUFFIX, loadTasks } from './common.js';

export const MbppRowSchema = z.object({
  task_id: z.union([z.number().int(), z.string()]),
  prompt: z.string(),
  code: z.string(),
  test: z.array(z.string()),
});
export type MbppRow = z.infer<typeof MbppRowSchema>;

export const MBPP_TIMEOUT_MS = 10_000;

export function mbppProgram(row: MbppRow, code: string): string {
  return code + '\n' + row.test.join('\n');
}

export const mbpp: Benchmark<MbppRow> = {
  name: 'mbpp',
  title: 'MBPP',
  defaults: { n: 1, temperature: 0, maxTokens: 4096 },
  dataFiles: { names: ['mbpp_test.jsonl', 'mbpp.jsonl'], subdir: 'mbpp' },
  sampleField: 'completion',
  load: (files) => loadTasks(files, MbppRowSchema, (row) => ({ id: String(row.task_id) })),
  prompt(task, opts) {
    const user = `${task.row.prompt}\nYour code should pass these tests:\n\n${task.row.test.join('\n')}` + INSTRUCTION_SUFFIX;
    return chatPrompt(opts.systemPrompt || undefined, user);
  },
  extract(_task, response) {
    return matchCode(response);
  },
  plan(task, code) {
    return execCheckJob(mbppProgram(task.row, code), { timeoutMs: MBPP_TIMEOUT_MS });
  },
};
