/**
 * Turning a fork-server answer into the public SandboxResult: classify the outcome from
 * what the server observed, decode text, split the reference capture out of stderr,
 * validate and flatten the typed capture payload. Pure functions; the pool calls them.
 */
import { constants } from 'node:os';
import type { RawResult, ResultFrame } from './protocol.js';
import { parseReferenceStderr } from './reference-capture.js';
import { parsePythonJson, type PyValue } from './pyvalue/index.js';
import { CapturePayloadSchema, TrajectoryStepSchema, type CaptureMode, type RunStatus, type SandboxResult } from './schema.js';

const SETUP_OK = 0x31; // "1"
const SETUP_ERROR = 0x45; // "E" + reason
const STDERR_TAIL_BYTES = 4096;

/**
 * The run status from the server's observations (never from the child's say-so):
 * timeout beats everything (also when time ran out during setup under load); a child
 * that never confirmed its setup is a sandbox error; then the stdout cap; a SIGXCPU, or
 * a SIGKILL after the CPU limit, is a timeout; exit 0 is ok; a MemoryError (or ENOMEM)
 * on the last stderr line is memory; anything else is a runtime error.
 */
export function classifyOutcome(frame: ResultFrame, setup: Uint8Array, stderr: Uint8Array, cpuLimitS: number): { status: RunStatus; sandboxError?: string } {
  const setupOk = setup[0] === SETUP_OK;
  const sandboxError = setupOk ? undefined : setup[0] === SETUP_ERROR ? Buffer.from(setup.subarray(1)).toString('utf8') : 'child exited during setup';
  const withError = (status: RunStatus) => (sandboxError === undefined ? { status } : { status, sandboxError });
  if (frame.timedOut) return withError('timeout');
  if (!setupOk) return withError('sandbox_error');
  if (frame.outputLimited) return { status: 'output_limit' };
  if (frame.signal !== null) {
    const cpuKilled = frame.signal === constants.signals.SIGKILL && frame.cpuMs >= 1000 * cpuLimitS;
    return { status: frame.signal === constants.signals.SIGXCPU || cpuKilled ? 'timeout' : 'runtime_error' };
  }
  if (frame.exitCode === 0) return { status: 'ok' };
  // Python's bytes.rstrip() / rsplit(b"\n", 1)[-1] on the last 4 KiB, byte for byte.
  const tail = Buffer.from(stderr.subarray(Math.max(0, stderr.length - STDERR_TAIL_BYTES))).toString('latin1');
  const lastLine = tail.replace(/[ \t\n\r\x0b\x0c]+$/, '').split('\n').pop() ?? '';
  if (lastLine.startsWith('MemoryError') || lastLine.includes('Cannot allocate memory')) return { status: 'memory' };
  return { status: 'runtime_error' };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lenientUtf8 = new TextDecoder('utf-8');

export function decodeText(bytes: Uint8Array): { text: string; invalid: boolean } {
  try {
    return { text: strictUtf8.decode(bytes), invalid: false };
  } catch {
    return { text: lenientUtf8.decode(bytes), invalid: true };
  }
}

/** A PyValue parsed from Python JSON as a plain JS value (ints beyond 2^53 lose precision;
 * NaN/inf stay JS numbers). `variables_json` keeps the exact text. */
export function pyJsonToPlain(v: PyValue): unknown {
  switch (v.kind) {
    case 'none':
      return null;
    case 'bool':
      return v.value;
    case 'int':
      return Number(v.value);
    case 'float':
      return v.value;
    case 'str':
      return v.value;
    case 'list':
      return v.items.map(pyJsonToPlain);
    case 'dict':
      return Object.fromEntries(v.entries.map(([k, val]) => [k.kind === 'str' ? k.value : String(pyJsonToPlain(k)), pyJsonToPlain(val)]));
    default:
      return null;
  }
}

/** The reference's `json.loads(var_json)` with its `except: pass` → {} on failure. */
export function referenceVariables(variablesJson: string): Record<string, unknown> {
  if (!variablesJson) return {};
  try {
    const parsed = parsePythonJson(variablesJson);
    const plain = pyJsonToPlain(parsed);
    return plain !== null && typeof plain === 'object' && !Array.isArray(plain) ? (plain as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function buildResult(raw: RawResult, capture: CaptureMode, id: string | undefined, cpuLimitS: number): SandboxResult {
  const f = raw.frame;
  const outcome = classifyOutcome(f, raw.setup, raw.stderr, cpuLimitS);
  const stdout = decodeText(raw.stdout);
  let stderr = decodeText(raw.stderr).text;
  const result: SandboxResult = {
    ...(id !== undefined ? { id } : {}),
    status: outcome.status,
    exit_code: f.exitCode,
    signal: f.signal,
    stdout: stdout.text,
    stderr,
    wall_ms: Math.round(f.wallMs * 1000) / 1000,
    cpu_ms: f.cpuMs,
    max_rss_kb: f.maxRssKb,
    stdout_truncated: f.stdoutTruncated,
    stderr_truncated: f.stderrTruncated,
    stdout_invalid_utf8: stdout.invalid,
    capture,
    variables: null,
  };
  if (outcome.sandboxError !== undefined) result.sandbox_error = outcome.sandboxError;
  if (capture === 'reference') {
    const parsed = parseReferenceStderr(stderr);
    stderr = parsed.stderr;
    result.stderr = stderr;
    result.variables = referenceVariables(parsed.variablesJson);
    result.variables_json = parsed.variablesJson;
    if (parsed.afterMarker && !parsed.afterMarker.startsWith('{')) {
      // The capture block itself failed (e.g. json.dumps on a tuple key). The reference
      // reports only the text before the marker; keep the real reason for debugging.
      result.capture_error = parsed.afterMarker.slice(-2000);
    }
  } else if (capture === 'paper' || capture === 'trajectory') {
    Object.assign(result, typedCapture(raw.vars, f.varsTruncated, outcome.status));
  }
  return result;
}

function typedCapture(vars: Buffer, truncated: boolean, status: string): Partial<SandboxResult> {
  if (vars.length === 0) {
    // Nothing sent: the program was killed or never got to the end (timeouts, limits).
    return { variables: {}, capture_error: status === 'ok' ? 'no capture received' : `no capture (${status})` };
  }
  if (truncated) return { variables: {}, capture_error: `capture larger than ${vars.length} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(vars.toString('utf8'));
  } catch (err) {
    return { variables: {}, capture_error: `capture is not JSON: ${(err as Error).message}` };
  }
  const parsed = CapturePayloadSchema.safeParse(json);
  if (!parsed.success) return { variables: {}, capture_error: `capture has the wrong shape: ${parsed.error.message}` };
  const payload = parsed.data;
  if ('error' in payload) return { variables: {}, capture_error: payload.error };
  const out: Partial<SandboxResult> = {
    variables: { ...payload.globals, ...payload.functions },
    capture_backend: payload.backend,
  };
  if (payload.trajectory) {
    out.trajectory = payload.trajectory.map((step) => TrajectoryStepSchema.parse(step));
    out.trajectory_truncated = payload.trajectory_truncated ?? false;
  }
  return out;
}
