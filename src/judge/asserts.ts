/**
 * Assert-based tests (HumanEval / MBPP / LeetCode styles): the program plus its test code
 * in one run; it passes iff it completes cleanly.
 *
 * reference: the reference's `assert_case` path (IMPORT_PROMPT + solution + each assert on
 * its own line) and `import_prefix` path (import_prefix + solution + test_code +
 * `check(entry_point)`) run the file as a script, pass on exit status 0, under a 2 s alarm.
 * So `exit(0)` before the asserts passes: reproduced, not endorsed.
 * lenient: the harness runs the program and then the tests in one module and needs to
 * reach the end itself; a SystemExit (or os._exit) before that fails.
 */
import type { SandboxPool } from '../sandbox/index.js';
import type { Preset } from './compare.js';
import { harnessJob, newNonce, parseFrames, type HarnessPayload } from './harness.js';

/** The small prelude of the reference's assert_case path (compute_score IMPORT_PROMPT). */
export const ASSERT_IMPORT_PROMPT =
  'from typing import *\n\nfrom functools import *\nfrom collections import *\nfrom itertools import *\nfrom heapq import *\n' +
  'from bisect import *\nfrom string import *\nfrom operator import *\nfrom math import *\nimport math\nimport datetime\n' +
  "inf = float('inf')\n\n";

/** The alarm the reference puts around its assert subprocess (seconds → ms). */
export const REFERENCE_ASSERT_TIMEOUT_MS = 2000;

export type AssertTests =
  | { kind: 'assert_case'; asserts: string[] }
  | { kind: 'import_prefix'; importPrefix: string; testCode: string; entryPoint: string };

export interface AssertResult {
  passed: boolean;
  status: 'passed' | 'failed' | 'timeout' | 'exited_early' | 'sandbox_error';
  message?: string;
  wallMs: number;
}

export function assertProgramParts(solution: string, tests: AssertTests): { code: string; testCode: string } {
  if (tests.kind === 'assert_case') {
    return { code: ASSERT_IMPORT_PROMPT + solution, testCode: tests.asserts.join('\n') };
  }
  return { code: tests.importPrefix + solution, testCode: `${tests.testCode}\ncheck(${tests.entryPoint})` };
}

export async function runAsserts(
  pool: SandboxPool,
  solution: string,
  tests: AssertTests,
  options: { preset?: Preset; timeoutMs?: number; memoryMb?: number } = {},
): Promise<AssertResult> {
  const preset = options.preset ?? 'reference';
  const started = performance.now();
  const { code, testCode } = assertProgramParts(solution, tests);
  if (preset === 'reference') {
    const r = await pool.run({
      code: `${code}\n${testCode}`,
      timeoutMs: options.timeoutMs ?? REFERENCE_ASSERT_TIMEOUT_MS,
      memoryMb: options.memoryMb ?? 4096,
    });
    const wallMs = performance.now() - started;
    if (r.status === 'sandbox_error') return { passed: false, status: 'sandbox_error', message: r.sandbox_error ?? '', wallMs };
    if (r.status === 'timeout') return { passed: false, status: 'timeout', message: 'Code execution timeout', wallMs };
    const ok = r.status === 'ok' && r.exit_code === 0;
    return ok ? { passed: true, status: 'passed', wallMs } : { passed: false, status: 'failed', message: `Execution error: ${r.stderr.slice(-2000)}`, wallMs };
  }
  const nonce = newNonce();
  const payload: HarnessPayload = {
    nonce,
    mode: 'asserts',
    preset,
    code,
    parse_check: solution,
    test_code: testCode,
    timeout_s: (options.timeoutMs ?? 6000) / 1000,
    max_output_bytes: 1 << 20,
    int_max_str_digits: 0,
  };
  const r = await pool.run({
    ...(await harnessJob(pool)),
    stdin: JSON.stringify(payload),
    timeoutMs: options.timeoutMs ?? 6000,
    memoryMb: options.memoryMb ?? 4096,
  });
  const wallMs = performance.now() - started;
  const frames = parseFrames(r.stdout, nonce);
  const prep = frames.find((f) => f.k === 'prep');
  if (prep && prep.k === 'prep') return { passed: false, status: 'failed', message: `${prep.phase}: ${prep.error}`, wallMs };
  const verdict = frames.find((f) => f.k === 'asserts');
  if (verdict && verdict.k === 'asserts') {
    if (verdict.ok) return { passed: true, status: 'passed', wallMs };
    const early = (verdict.err ?? '').startsWith('SystemExit');
    return { passed: false, status: early ? 'exited_early' : 'failed', message: verdict.err ?? '', wallMs };
  }
  if (r.status === 'timeout') return { passed: false, status: 'timeout', message: 'Code execution timeout', wallMs };
  if (r.status === 'sandbox_error') return { passed: false, status: 'sandbox_error', message: r.sandbox_error ?? '', wallMs };
  return { passed: false, status: 'exited_early', message: `the program ended before the tests finished (${r.status}, exit ${r.exit_code})`, wallMs };
}
