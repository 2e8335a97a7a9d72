/**
 * Judging one program against a list of tests in ONE sandbox job (python/harness.py runs
 * every test inside the job; the host compares outputs, so expected outputs never enter
 * the sandbox). The result carries both per-test verdicts and the reference grader's own
 * result list (`true`/`false`/-1/-2/-3/-4), from which the rewards are computed exactly as
 * the reference does.
 */
import { decodeTyped, parsePythonJson, type PyValue, type SandboxPool, type SandboxResult } from '../sandbox/index.js';
import { compareCall, compareStdout, type Comparison, type Preset } from './compare.js';
import { DecimalSignal } from './decimal.js';
import { harnessJob, newNonce, parseFrames, type Frame, type HarnessPayload } from './harness.js';

/** Per-test timeout of the reference (seconds → ms). */
export const DEFAULT_TEST_TIMEOUT_MS = 6000;
/** int→str digit limit the reference's grader module sets (sys.set_int_max_str_digits(50000)). */
export const REFERENCE_INT_MAX_STR_DIGITS = 50000;
export const DEFAULT_MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

export type Verdict = 'pass' | 'wrong_answer' | 'timeout' | 'runtime_error' | 'output_limit' | 'not_run';

/** One entry of the reference's per-test list: True, False (call-based WA), -1 (the grading
 * process died or hit the global timeout), -2 (stdin WA), -3 (timeout), -4 (runtime error). */
export type ReferenceResult = true | false | -1 | -2 | -3 | -4;

export interface TestVerdict {
  index: number;
  verdict: Verdict;
  message?: string;
  ms?: number;
}

export type JudgeStatus =
  | 'judged' // tests ran; see tests[]
  | 'syntax_error' // the code does not parse (reward 0 before any test)
  | 'no_function' // call-based: no top-level function of that name to wrap (reward 0 before any test)
  | 'compile_error' // executing the module / finding the method / parsing inputs failed: [-4]
  | 'grader_error' // the reference grader itself raised (e.g. non-string expected output): [-4]
  | 'process_failed' // the grading process died or hit the global timeout before an answer: [-1]*n
  | 'sandbox_error';

export interface JudgeResult {
  status: JudgeStatus;
  /** every test passed */
  passed: boolean;
  /** the reference's result list (stops at the first failure) */
  results: ReferenceResult[];
  total: number;
  passCount: number;
  tests: TestVerdict[];
  message?: string;
  preset: Preset;
  wallMs: number;
}

export interface JudgeTestsInput {
  code: string;
  inputs: unknown[];
  outputs: unknown[];
  /** call-based when present (the reference checks the key, not the value) */
  fnName?: unknown;
  fnNamePresent?: boolean;
}

export interface JudgeOptions {
  preset?: Preset;
  timeoutMs?: number;
  /** whole-job limit; default the reference's min((t+1)·n + 5, 300) s */
  globalTimeoutMs?: number;
  memoryMb?: number;
  maxOutputBytes?: number;
  /**
   * Call-based tests on code without `class Solution`: true (default) rewrites the top-level
   * `fn_name` function into `class Solution` first, as the reference reward does
   * (verl/utils/reward_score/livecodebench/compute_score.py `convert_function_to_class_method`);
   * false calls the module-level function as LiveCodeBench's own benchmark grader does
   * (lcb_runner/evaluation/testing_util.py `grade_call_based`, no rewrite), which keeps
   * working when the function calls itself by name or module code calls it.
   */
  wrapTopLevelFunction?: boolean;
  /**
   * 'probe' (default): a first job runs test 0 alone, and only when it passes does a second
   * job run every test (test 0 again, so state shared between tests of one process stays as
   * the reference has it). Most RL rollouts fail, usually on the first test, so this saves
   * running the other tests of a wrong program for one extra job on right ones.
   * 'single': one job with every test.
   */
  strategy?: 'probe' | 'single';
}

/** The reference's global limit on one grading process (check_correctness). */
export function referenceGlobalTimeoutMs(timeoutMs: number, n: number): number {
  const t = Math.ceil(timeoutMs / 1000);
  return Math.min((t + 1) * n + 5, 300) * 1000;
}

const SYNTAX_PHASES = new Set(['syntax']);

function verdictOf(ref: ReferenceResult): Verdict {
  if (ref === true) return 'pass';
  if (ref === false || ref === -2) return 'wrong_answer';
  if (ref === -3) return 'timeout';
  return 'runtime_error';
}

function finish(
  preset: Preset,
  status: JudgeStatus,
  total: number,
  results: ReferenceResult[],
  tests: TestVerdict[],
  wallMs: number,
  message?: string,
): JudgeResult {
  const passCount = tests.filter((t) => t.verdict === 'pass').length;
  for (let i = tests.length; i < total; i++) tests.push({ index: i, verdict: 'not_run' });
  const passed = status === 'judged' && results.length === total && results.every((r) => r === true);
  return { status, passed, results, total, passCount, tests, preset, wallMs, ...(message !== undefined ? { message } : {}) };
}

/** Expected outputs as the host will compare them; a value the reference cannot use makes
 * its grader raise ([-4]). */
function expectedValues(outputs: unknown[], callBased: boolean, preset: Preset): unknown[] | string {
  const out: unknown[] = [];
  for (const [i, o] of outputs.entries()) {
    if (callBased) {
      if (typeof o === 'string') {
        let value: PyValue;
        try {
          value = parsePythonJson(o);
        } catch (err) {
          return `expected output ${i} is not JSON: ${(err as Error).message}`;
        }
        if (preset === 'reference' && hasIntOverDigits(value, REFERENCE_INT_MAX_STR_DIGITS)) {
          return `expected output ${i}: json.loads raises ValueError (an int over ${REFERENCE_INT_MAX_STR_DIGITS} digits)`;
        }
        out.push(value);
      } else if (preset === 'lenient') {
        out.push(parsePythonJson(JSON.stringify(o)));
      } else return `expected output ${i} is not a string (json.loads raises TypeError)`;
    } else if (typeof o === 'string') out.push(o);
    else if (preset === 'lenient' && Array.isArray(o)) out.push(o.map(String).join('\n'));
    else if (preset === 'lenient') out.push(JSON.stringify(o));
    else out.push(o); // not a string: the reference raises when it gets to this test's comparison
  }
  return out;
}

/** An int literal longer than Python's int-from-str digit limit (json.loads raises). */
function hasIntOverDigits(v: PyValue, limit: number): boolean {
  switch (v.kind) {
    case 'int':
      return (v.value < 0n ? -v.value : v.value).toString().length > limit;
    case 'list':
      return v.items.some((x) => hasIntOverDigits(x, limit));
    case 'dict':
      return v.entries.some(([, x]) => hasIntOverDigits(x, limit));
    default:
      return false;
  }
}

/** Judge a program on stdin/stdout or call-based tests. */
export async function judgeTests(pool: SandboxPool, input: JudgeTestsInput, options: JudgeOptions = {}): Promise<JudgeResult> {
  const preset = options.preset ?? 'reference';
  const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const n = Math.min(input.inputs.length, input.outputs.length);
  const inputs = input.inputs.slice(0, n);
  const fnNamePresent = input.fnNamePresent ?? (input.fnName !== undefined && input.fnName !== null);
  // The reference converts top-level functions when the key is there, but grades call-based
  // only when its value is not None.
  const callBased = input.fnName !== undefined && input.fnName !== null;
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const wrapFunction = options.wrapTopLevelFunction ?? true;
  if (preset === 'reference' && wrapFunction && fnNamePresent && !callBased && !input.code.includes('class Solution')) {
    return finish(preset, 'no_function', n, [], [], elapsed(), 'fn_name is present but null and the code has no class Solution');
  }
  const expected = expectedValues(input.outputs.slice(0, n), callBased, preset);
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const nonce = newNonce();
  const payload: HarnessPayload = {
    nonce,
    mode: callBased ? 'call' : 'stdin',
    preset,
    code: input.code,
    fn_name: callBased ? String(input.fnName) : null,
    wrap_function: wrapFunction,
    inputs,
    timeout_s: timeoutMs / 1000,
    max_output_bytes: maxOutputBytes,
    int_max_str_digits: preset === 'reference' ? REFERENCE_INT_MAX_STR_DIGITS : 0,
  };
  const globalMs = options.globalTimeoutMs ?? referenceGlobalTimeoutMs(timeoutMs, n);
  const harness = await harnessJob(pool);
  const runJob = async (ran: number): Promise<JudgeResult | null> => {
    const result = await pool.run({
      ...harness,
      stdin: JSON.stringify({ ...payload, inputs: inputs.slice(0, ran) }),
      timeoutMs: globalMs,
      memoryMb: options.memoryMb ?? 4096,
      stdoutMaxBytes: Math.min(256 * 1024 * 1024, (ran + 1) * (maxOutputBytes + 4096) * 2),
      processes: 64,
    });
    return interpret(preset, result, parseFrames(result.stdout, nonce), ran, n, expected, callBased, elapsed);
  };
  if ((options.strategy ?? 'probe') === 'probe' && n > 1) {
    const probe = await runJob(1);
    if (probe !== null) return probe;
  }
  return (await runJob(n)) as JudgeResult;
}

function interpret(
  preset: Preset,
  job: SandboxResult,
  frames: Frame[],
  ran: number,
  n: number,
  expected: unknown[] | string,
  callBased: boolean,
  elapsed: () => number,
): JudgeResult | null {
  if (job.status === 'sandbox_error') return finish(preset, 'sandbox_error', n, [], [], elapsed(), job.sandbox_error ?? 'sandbox error');
  if (!frames.some((f) => f.k === 'start')) {
    return finish(preset, 'sandbox_error', n, [], [], elapsed(), `the harness did not start (${job.status}): ${job.stderr.slice(-500)}`);
  }
  const results: ReferenceResult[] = [];
  const tests: TestVerdict[] = [];
  for (const frame of frames) {
    if (frame.k === 'prep') {
      if (frame.phase === 'convert') return finish(preset, 'no_function', n, [], [], elapsed(), frame.error);
      if (SYNTAX_PHASES.has(frame.phase)) return finish(preset, 'syntax_error', n, [], [], elapsed(), frame.error);
      return finish(preset, 'compile_error', n, [-4], [], elapsed(), `${frame.phase}: ${frame.error}`);
    }
    if (frame.k === 'fatal') break;
    if (frame.k === 'end') break;
    if (frame.k !== 'test' || frame.i !== results.length) continue;
    if (typeof expected === 'string') return finish(preset, 'grader_error', n, [-4], [], elapsed(), expected);
    const ms = frame.ms;
    const timing = ms !== undefined ? { ms } : {};
    if (frame.st === 'exc') {
      const err = frame.err ?? '';
      const ref: ReferenceResult = err.toLowerCase().includes('timeoutexception') ? -3 : -4;
      results.push(ref);
      tests.push({ index: frame.i, verdict: verdictOf(ref), message: err, ...timing });
      return finish(preset, 'judged', n, results, tests, elapsed());
    }
    if (frame.st === 'timeout' || frame.st === 'output_limit') {
      results.push(frame.st === 'timeout' ? -3 : -2);
      tests.push({ index: frame.i, verdict: frame.st, ...timing });
      return finish(preset, 'judged', n, results, tests, elapsed());
    }
    let cmp: Comparison;
    try {
      const want = expected[frame.i];
      if (callBased) cmp = compareCall(decodeTyped(frame.out), want as PyValue, preset);
      else if (typeof want !== 'string') {
        return finish(preset, 'grader_error', n, [-4], [], elapsed(), 'Error during testing: expected output is not a string');
      } else cmp = compareStdout(String(frame.out), want, preset);
    } catch (err) {
      if (err instanceof DecimalSignal) return finish(preset, 'grader_error', n, [-4], [], elapsed(), `Error during testing: ${err.message}`);
      cmp = { ok: false, message: `undecodable result: ${(err as Error).message}` };
    }
    if (cmp.ok) {
      results.push(true);
      tests.push({ index: frame.i, verdict: 'pass', ...timing });
      continue;
    }
    const ref: ReferenceResult = callBased ? false : -2;
    results.push(ref);
    tests.push({ index: frame.i, verdict: 'wrong_answer', ...(cmp.message !== undefined ? { message: cmp.message } : {}), ...timing });
    return finish(preset, 'judged', n, results, tests, elapsed());
  }
  if (results.length === ran) return ran === n ? finish(preset, 'judged', n, results, tests, elapsed()) : null; // null: the probe passed
  // The grading process died, or ran past the global limit, before an answer.
  const why = job.status === 'timeout' ? 'global timeout' : job.status === 'output_limit' ? 'output limit' : `process ended (${job.status}, exit ${job.exit_code}, signal ${job.signal})`;
  if (preset === 'lenient') {
    const verdict: Verdict = job.status === 'timeout' ? 'timeout' : job.status === 'output_limit' ? 'output_limit' : 'runtime_error';
    const ref: ReferenceResult = verdict === 'timeout' ? -3 : verdict === 'output_limit' ? -2 : -4;
    tests.push({ index: results.length, verdict, message: why });
    results.push(ref);
    return finish(preset, 'judged', n, results, tests, elapsed(), why);
  }
  if (job.status === 'output_limit') {
    // The reference would have compared a huge output and answered wrong answer.
    tests.push({ index: results.length, verdict: 'output_limit', message: why });
    results.push(-2);
    return finish(preset, 'judged', n, results, tests, elapsed(), why);
  }
  return finish(preset, 'process_failed', n, new Array<ReferenceResult>(n).fill(-1), [], elapsed(), why);
}
