/**
 * Turning a fork-server answer into the public SandboxResult: decode text, split the
 * reference capture out of stderr, validate and flatten the typed capture payload.
 * Pure functions; the pool calls them.
 */
import { parseReferenceStderr } from './reference-capture.js';
import { parsePythonJson, type PyValue } from './pyvalue/index.js';
import { CapturePayloadSchema, TrajectoryStepSchema, type CaptureMode, type SandboxResult } from './schema.js';
import type { RawResult } from './slot.js';

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

export function buildResult(raw: RawResult, capture: CaptureMode, id: string | undefined): SandboxResult {
  const f = raw.frame;
  const stdout = decodeText(raw.stdout);
  let stderr = decodeText(raw.stderr).text;
  const result: SandboxResult = {
    ...(id !== undefined ? { id } : {}),
    status: f.status,
    exit_code: f.exit_code,
    signal: f.signal,
    stdout: stdout.text,
    stderr,
    wall_ms: f.wall_ms,
    cpu_ms: f.cpu_ms,
    max_rss_kb: f.max_rss_kb,
    stdout_truncated: f.stdout_truncated,
    stderr_truncated: f.stderr_truncated,
    stdout_invalid_utf8: stdout.invalid,
    capture,
    variables: null,
  };
  if (f.sandbox_error !== undefined) result.sandbox_error = f.sandbox_error;
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
    Object.assign(result, typedCapture(raw.vars, f.vars_truncated, f.status));
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
