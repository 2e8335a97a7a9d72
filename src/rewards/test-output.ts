/**
 * Test-output prediction (LiveCodeBench `compute_test_output_prediction_metrics`): the
 * response completes `assert f(args) == ??`; the right side of the predicted assert is
 * evaluated (in the sandbox: it is model-written code) and compared with the JSON expected
 * output under Python `==`. The evaluated value comes back typed; the comparison happens
 * here, so the expected value never enters the sandbox.
 *
 * Extraction follows LCB's extract_test_output_code: the last line starting with `assert`,
 * else the first fenced block (```python preferred).
 */
import { decodeTyped, parsePythonJson, pyEq, pyRepr, pyStrValue, type PyValue, type SandboxPool } from '../sandbox/index.js';
import { harnessJob, newNonce, parseFrames, type HarnessPayload } from '../judge/harness.js';

export function extractTestOutputCode(response: string): string {
  const lines = response.split('\n');
  const asserts = lines.flatMap((line, i) => (line.startsWith('assert') ? [i] : []));
  if (asserts.length) return lines[asserts[asserts.length - 1] as number] as string;
  const pythonStarts = lines.flatMap((line, i) => (line.includes('```python') || line.includes('```Python') ? [i] : []));
  let fences = lines.flatMap((line, i) => (line.includes('```') ? [i] : []));
  if (pythonStarts.length) {
    const start = pythonStarts[0] as number;
    fences = [start, ...fences.filter((i) => i > start)];
  }
  if (fences.length < 2) return '';
  return lines.slice((fences[0] as number) + 1, fences[1] as number).join('\n');
}

export interface TestOutputDetails {
  reason: 'ok' | 'wrong' | 'eval_error' | 'bad_ground_truth' | 'sandbox_error';
  testcase: string;
  evaluated?: string; // the source that was evaluated
  predicted?: string; // repr of its value
  expected?: string;
  error?: string;
}

/** The expected output: `output` (LCB) or `expected_output`, a JSON text. */
function expectedText(groundTruth: unknown): string | null {
  let gt: unknown = groundTruth;
  if (typeof gt === 'string') {
    try {
      gt = JSON.parse(gt);
    } catch {
      return groundTruth as string; // a bare JSON value text
    }
    if (typeof gt !== 'object' || gt === null || Array.isArray(gt)) return groundTruth as string;
  }
  if (typeof gt !== 'object' || gt === null) return null;
  const rec = gt as Record<string, unknown>;
  const value = rec.output ?? rec.expected_output;
  return typeof value === 'string' ? value : value === undefined ? null : JSON.stringify(value);
}

export async function testOutputReward(
  pool: SandboxPool,
  response: string,
  groundTruth: unknown,
  options: { timeoutMs?: number } = {},
): Promise<{ score: number; details: TestOutputDetails }> {
  return checkTestcaseOutput(pool, extractTestOutputCode(response), expectedText(groundTruth), options);
}

/**
 * LCB `check_testcase_output` on a test case already extracted (the eval's lcb-testoutput
 * benchmark scores ready predictions with it); `text` is the expected output's JSON text
 * (null when the ground truth has none).
 */
export async function checkTestcaseOutput(
  pool: SandboxPool,
  testcase: string,
  text: string | null,
  options: { timeoutMs?: number } = {},
): Promise<{ score: number; details: TestOutputDetails }> {
  let expected: PyValue;
  try {
    if (text === null) throw new Error('no "output" in the ground truth');
    expected = parsePythonJson(text);
  } catch (err) {
    return { score: 0, details: { reason: 'bad_ground_truth', testcase, error: (err as Error).message } };
  }
  const nonce = newNonce();
  const payload: HarnessPayload = {
    nonce,
    mode: 'eval',
    preset: 'reference',
    code: testcase,
    timeout_s: (options.timeoutMs ?? 6000) / 1000,
    max_output_bytes: 1 << 20,
    int_max_str_digits: 0,
  };
  const r = await pool.run({ ...(await harnessJob(pool)), stdin: JSON.stringify(payload), timeoutMs: (options.timeoutMs ?? 6000) + 2000 });
  const frame = parseFrames(r.stdout, nonce).find((f) => f.k === 'eval');
  if (!frame || frame.k !== 'eval') {
    return { score: 0, details: { reason: r.status === 'sandbox_error' ? 'sandbox_error' : 'eval_error', testcase, error: `evaluation did not finish (${r.status})` } };
  }
  if (!frame.ok) return { score: 0, details: { reason: 'eval_error', testcase, evaluated: frame.src, error: frame.err ?? '', expected: pyRepr(expected) } };
  let value: PyValue;
  try {
    value = decodeTyped(frame.out);
  } catch (err) {
    value = pyStrValue(`<undecodable: ${(err as Error).message}>`);
  }
  const ok = pyEq(value, expected);
  return { score: ok ? 1 : 0, details: { reason: ok ? 'ok' : 'wrong', testcase, evaluated: frame.src, predicted: pyRepr(value), expected: pyRepr(expected) } };
}
