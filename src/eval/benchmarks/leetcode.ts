/**
 * LeetCode contest problems (2023-07..2024-01, 180 problems, DeepSeek-Coder's
 * `20240121-Jul.jsonl`). Prompt and extraction as CODERLPLUS
 * benchmark_evaluation/eval/Coding/leetcode/evaluate_leetcode.py (`prompt_sft` + the
 * instruction suffix; match_code, wrap in `class Solution:` if missing,
 * extract_python_code); the program is utils/evaluation_leetcode.py's: the import helper,
 * the code, then the test (which builds `Solution()` and asserts), 10 s.
 */
import { z } from 'zod';
import { leetcodeProgram } from '../extract.js';
import { execCheckJob } from '../program.js';
import type { Benchmark } from '../types.js';
import { chatPrompt, INSTRUCTION_SUFFIX, loadTasks } from './common.js';

export const LeetCodeRowSchema = z.object({
  task_id: z.string(),
  prompt: z.string(),
  prompt_sft: z.string(),
  test: z.string(),
  meta: z.object({ difficulty: z.string() }).passthrough(),
});
export type LeetCodeRow = z.infer<typeof LeetCodeRowSchema>;

export const LEETCODE_TIMEOUT_MS = 10_000;

/**
 * utils/evaluation_leetcode.py IMPORT_HELPER["python"]. numpy is imported only where it is
 * installed and importable: the reference's environment had it, and a missing numpy (or one
 * that fails to import under the reliability guard) must not fail every program that never
 * uses it.
 */
export const LEETCODE_IMPORTS = [
  'import math',
  'import re',
  'import sys',
  'import copy',
  'import datetime',
  'import itertools',
  'import collections',
  'import heapq',
  'import functools',
  'import hashlib',
  'try:\n    import numpy\n    import numpy as np\nexcept Exception:\n    pass',
  'import string',
  'from typing import *',
  'from collections import *',
  'from functools import *',
].join('\n');

export function leetcodeCheckProgram(row: LeetCodeRow, code: string): string {
  return LEETCODE_IMPORTS + '\n' + code + '\n' + row.test + '\n';
}

export const leetcode: Benchmark<LeetCodeRow> = {
  name: 'leetcode',
  title: 'LeetCode (2023-07..2024-01)',
  defaults: { n: 1, temperature: 0, maxTokens: 8192 },
  dataFiles: { names: ['20240121-Jul.jsonl', 'leetcode-test.json', 'leetcode-test.jsonl'], subdir: 'leetcode' },
  sampleField: 'completion',
  load: (files) => loadTasks(files, LeetCodeRowSchema, (row) => ({ id: row.task_id, difficulty: row.meta.difficulty })),
  prompt(task, opts) {
    return chatPrompt(opts.systemPrompt || undefined, task.row.prompt_sft + INSTRUCTION_SUFFIX);
  },
  extract(_task, response) {
    return leetcodeProgram(response);
  },
  plan(task, code) {
    return execCheckJob(leetcodeCheckProgram(task.row, code), { timeoutMs: LEETCODE_TIMEOUT_MS });
  },
};
