/** Pieces several benchmarks share. */
import type { z } from 'zod';
import { CoderlError } from '../../core/index.js';
import { readRows } from '../datasets/rows.js';
import type { ChatMessage, EvalPrompt, EvalTask } from '../types.js';

/** SPEC §2: the instruction suffix of the training task, which the reference's HumanEval and LeetCode prompts reuse. */
export const INSTRUCTION_SUFFIX = '\n\nWrite Python code to solve the problem. Present the code in \n```python\nYour code\n```\nat the end.';

/** Every row of every file, validated by `schema`, as a task named by `name` (id, difficulty). */
export async function loadTasks<S extends z.ZodType>(
  files: string[],
  schema: S,
  name: (row: z.output<S>) => Omit<EvalTask, 'row'>,
): Promise<Array<EvalTask<z.output<S>>>> {
  const tasks: Array<EvalTask<z.output<S>>> = [];
  for (const f of files) for (const { value } of await readRows(f, schema)) tasks.push({ ...name(value), row: value });
  return tasks;
}

/** A prompt with an optional system message; the completion-API text is the messages' contents joined. */
export function chatPrompt(system: string | undefined, user: string, stop?: string[]): EvalPrompt {
  const messages: ChatMessage[] = [];
  if (system) messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: user });
  return { messages, text: system ? `${system}\n\n${user}` : user, ...(stop ? { stop } : {}) };
}

/**
 * LiveCodeBench contest dates come as ISO strings (or Date objects from Parquet); the
 * reference compares naive datetimes, so normalise to `YYYY-MM-DDTHH:MM:SS` and compare
 * as strings. `--end-date D` means D at 00:00:00, inclusive, as `datetime.strptime` gives.
 */
export function normaliseDate(value: unknown, where: string): string {
  if (value instanceof Date) return value.toISOString().slice(0, 19);
  if (typeof value === 'string') {
    const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?))?/.exec(value);
    if (m) return `${m[1]}T${(m[2] ?? '00:00:00').padEnd(8, ':00').slice(0, 8)}`;
  }
  throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${where}: contest_date ${JSON.stringify(value)} is not an ISO date`]);
}

export function inDateWindow(date: string, start?: string, end?: string): boolean {
  if (start !== undefined && date < normaliseDate(start, '--start-date')) return false;
  if (end !== undefined && date > normaliseDate(end, '--end-date')) return false;
  return true;
}

/** Parse a JSON string field of a dataset row, naming the row when it is not JSON. */
export function jsonField(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${where}: not JSON (${(err as Error).message})`]);
  }
}
