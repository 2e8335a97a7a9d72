/**
 * The ESA reward (compute_exec_semantics_align_score of the reference): the last line of
 * the stripped response must be a JSON object with `final_output` and `variables`
 * (format credit 0.1); then 0.9 × the fraction of correct items among final_output and
 * each expected variable. Any error while scoring gives 0 in total, as the reference's
 * blanket `except` does. Pure: no sandbox.
 *
 * Ground-truth variable sets:
 *   - `reference`: `expected_local_variable` maps plain names to JSON values (what the
 *     reference's capture prints);
 *   - `paper` as the ESA stage writes it (src/esa/synthesis.ts): `"variables_mode": "paper"`,
 *     `expected_local_variable` maps qualified names (`main.total`) to JSON values and
 *     `expected_local_variable_typed` maps them to the sandbox's typed captures; the typed
 *     value is the one compared where present;
 *   - `"variables_format": "typed"`: `expected_local_variable` itself holds typed captures
 *     (`{type, repr, value}` or a bare node, docs/typed-values.md).
 * A prediction is JSON, so a typed expected value is compared through its JSON projection
 * (tuple/set → list, non-str dict keys → their json.dumps key text), sets order-insensitively.
 */
import {
  decodeCapturedVariable,
  decodeTyped,
  parsePythonJson,
  pyJsonToPlain,
  pyRepr,
  pyStr,
  pyStrip,
  pyStrValue,
  type PyValue,
} from '../sandbox/index.js';
import { PyOverflowError, valuesEqual } from './value-equality.js';

export const ESA_FORMAT_SCORE = 0.1;

export interface EsaItem {
  name: string; // 'final_output' or the variable name
  correct: boolean;
  predicted?: string; // Python repr of the predicted value
  expected: string; // Python repr of the expected value
  missing?: boolean;
}

export interface EsaDetails {
  /** why the score is what it is */
  reason: 'ok' | 'not_json' | 'not_an_object' | 'missing_keys' | 'bad_ground_truth' | 'scoring_error';
  format: boolean;
  variablesFormat: 'reference' | 'typed';
  correct: number;
  total: number;
  items: EsaItem[];
  error?: string;
}

export interface EsaResult {
  score: number;
  details: EsaDetails;
}

/** A Python TypeError/AttributeError in the reference's code path: total 0. */
class ScoringError extends Error {}

function get(dict: PyValue, key: string): PyValue | undefined {
  if (dict.kind !== 'dict') throw new ScoringError(`'${dict.kind}' object has no attribute 'get'`);
  const hit = dict.entries.find(([k]) => k.kind === 'str' && k.value === key);
  return hit?.[1];
}

/** Python `key in container` for a str key. */
function contains(container: PyValue, key: string): boolean {
  switch (container.kind) {
    case 'dict':
      return container.entries.some(([k]) => k.kind === 'str' && k.value === key);
    case 'list':
      return container.items.some((v) => v.kind === 'str' && v.value === key);
    case 'str':
      return container.value.includes(key);
    default:
      throw new ScoringError(`argument of type '${container.kind}' is not iterable`);
  }
}

/** Python `container[key]` for a str key (only dicts allow it). */
function index(container: PyValue, key: string): PyValue {
  if (container.kind !== 'dict') throw new ScoringError(`${container.kind} indices must be integers or slices, not str`);
  return get(container, key) as PyValue;
}

/** Python `len(x)`. */
function pyLen(v: PyValue): number {
  switch (v.kind) {
    case 'dict':
      return v.entries.length;
    case 'list':
      return v.items.length;
    case 'str':
      return [...v.value].length;
    default:
      throw new ScoringError(`object of type '${v.kind}' has no len()`);
  }
}

function toPy(value: unknown): PyValue {
  return typeof value === 'string' ? pyStrValue(value) : parsePythonJson(JSON.stringify(value));
}

/** The ground truth as the reference reads it: json.loads, falling back to
 * {"expected_output": <the raw string>} when it is not JSON. */
export function parseEsaGroundTruth(groundTruth: unknown): PyValue {
  if (typeof groundTruth !== 'string') return toPy(groundTruth);
  try {
    return parsePythonJson(groundTruth);
  } catch {
    return { kind: 'dict', entries: [[pyStrValue('expected_output'), pyStrValue(groundTruth)]] };
  }
}

// --- typed (paper) expected values ---------------------------------------------------

function decodeExpectedTyped(v: PyValue): PyValue {
  // The typed nodes are plain JSON (big ints are strings in them), so the plain JS value is exact.
  const plain = pyJsonToPlain(v);
  if (plain !== null && typeof plain === 'object' && 'value' in plain && 'type' in plain) return decodeCapturedVariable(plain).value;
  return decodeTyped(plain);
}

/** json.dumps key text of a dict key. */
function jsonKey(k: PyValue): PyValue {
  switch (k.kind) {
    case 'str':
      return k;
    case 'bool':
      return pyStrValue(k.value ? 'true' : 'false');
    case 'none':
      return pyStrValue('null');
    default:
      return pyStrValue(pyRepr(k));
  }
}

/** Equality of a JSON prediction with a typed expected value (see the module comment). */
export function typedValuesEqual(predicted: PyValue, expected: PyValue): boolean {
  switch (expected.kind) {
    case 'tuple':
    case 'list':
    case 'set':
    case 'frozenset': {
      if (predicted.kind !== 'list') return valuesEqual(predicted, projectJson(expected));
      if (predicted.items.length !== expected.items.length) return false;
      if (expected.kind === 'set' || expected.kind === 'frozenset') {
        const used = new Array<boolean>(predicted.items.length).fill(false);
        return expected.items.every((e) => {
          const j = predicted.items.findIndex((p, i) => !used[i] && typedValuesEqual(p, e));
          if (j < 0) return false;
          used[j] = true;
          return true;
        });
      }
      return expected.items.every((e, i) => typedValuesEqual(predicted.items[i] as PyValue, e));
    }
    case 'dict': {
      if (predicted.kind !== 'dict') return valuesEqual(predicted, projectJson(expected));
      if (predicted.entries.length !== expected.entries.length) return false;
      return expected.entries.every(([k, v]) => {
        const key = jsonKey(k);
        const hit = predicted.entries.find(([pk]) => pk.kind === 'str' && key.kind === 'str' && pk.value === key.value);
        return hit !== undefined && typedValuesEqual(hit[1], v);
      });
    }
    default:
      return valuesEqual(predicted, projectJson(expected));
  }
}

/** What json.dumps would make of a typed value (containers as lists, keys as text); values
 * JSON cannot hold become their repr text. */
export function projectJson(v: PyValue): PyValue {
  switch (v.kind) {
    case 'none':
    case 'bool':
    case 'int':
    case 'float':
    case 'str':
      return v;
    case 'list':
    case 'tuple':
    case 'set':
    case 'frozenset':
      return { kind: 'list', items: v.items.map(projectJson) };
    case 'dict':
      return { kind: 'dict', entries: v.entries.map(([k, x]) => [jsonKey(k), projectJson(x)] as [PyValue, PyValue]) };
    default:
      return pyStrValue(pyRepr(v));
  }
}

// --- the reward --------------------------------------------------------------------------

function zero(reason: EsaDetails['reason'], variablesFormat: EsaDetails['variablesFormat'], extra: Partial<EsaDetails> = {}): EsaResult {
  return { score: 0, details: { reason, format: false, variablesFormat, correct: 0, total: 0, items: [], ...extra } };
}

/** The ESA reward of one response. */
export function esaReward(response: string, groundTruth: unknown): EsaResult {
  let gt: PyValue;
  let variablesFormat: EsaDetails['variablesFormat'] = 'reference';
  /** paper tasks of the ESA stage: JSON values in expected_local_variable, typed ones beside */
  let typedBeside: PyValue | undefined;
  try {
    gt = parseEsaGroundTruth(groundTruth);
    const fmt = gt.kind === 'dict' ? get(gt, 'variables_format') : undefined;
    if (fmt?.kind === 'str' && fmt.value === 'typed') variablesFormat = 'typed';
    const mode = gt.kind === 'dict' ? get(gt, 'variables_mode') : undefined;
    const beside = gt.kind === 'dict' ? get(gt, 'expected_local_variable_typed') : undefined;
    if (mode?.kind === 'str' && mode.value === 'paper' && beside?.kind === 'dict') {
      variablesFormat = 'typed';
      typedBeside = beside;
    }
  } catch (err) {
    return zero('bad_ground_truth', variablesFormat, { error: (err as Error).message });
  }
  const lines = pyStrip(response).split('\n');
  const lastLine = pyStrip(lines[lines.length - 1] as string);
  let predicted: PyValue;
  try {
    predicted = parsePythonJson(lastLine);
  } catch (err) {
    return zero('not_json', variablesFormat, { error: (err as Error).message });
  }
  const items: EsaItem[] = [];
  try {
    if (predicted.kind !== 'dict') {
      // `in` works on lists/strings but indexing them with a str raises: 0 either way.
      if (!['list', 'str'].includes(predicted.kind)) return zero('not_an_object', variablesFormat);
      return zero(contains(predicted, 'final_output') && contains(predicted, 'variables') ? 'not_an_object' : 'missing_keys', variablesFormat);
    }
    if (!contains(predicted, 'final_output') || !contains(predicted, 'variables')) return zero('missing_keys', variablesFormat);
    const expectedOutput = get(gt, 'expected_output') ?? pyStrValue('');
    const expectedVariables = get(gt, 'expected_local_variable') ?? { kind: 'dict', entries: [] };
    const predictedOutput = index(predicted, 'final_output');
    const predictedVariables = index(predicted, 'variables');
    const total = 1 + pyLen(expectedVariables);
    let correct = 0;
    const outputOk = valuesEqual(predictedOutput, expectedOutput);
    if (outputOk) correct++;
    items.push({ name: 'final_output', correct: outputOk, predicted: pyRepr(predictedOutput), expected: pyRepr(expectedOutput) });
    if (expectedVariables.kind !== 'dict') throw new ScoringError(`'${expectedVariables.kind}' object has no attribute 'items'`);
    for (const [nameValue, rawExpected] of expectedVariables.entries) {
      const name = nameValue.kind === 'str' ? nameValue.value : pyStr(nameValue);
      const typedRaw = typedBeside ? (typedBeside.kind === 'dict' ? typedBeside.entries.find(([k]) => k.kind === 'str' && k.value === name)?.[1] : undefined) : rawExpected;
      const expected = variablesFormat === 'typed' && typedRaw !== undefined ? decodeExpectedTyped(typedRaw) : rawExpected;
      if (!contains(predictedVariables, name)) {
        items.push({ name, correct: false, missing: true, expected: pyRepr(expected) });
        continue;
      }
      const value = index(predictedVariables, name);
      const ok = variablesFormat === 'typed' && typedRaw !== undefined ? typedValuesEqual(value, expected) : valuesEqual(value, expected);
      if (ok) correct++;
      items.push({ name, correct: ok, predicted: pyRepr(value), expected: pyRepr(expected) });
    }
    const score = ESA_FORMAT_SCORE + (correct / total) * 0.9;
    return { score, details: { reason: 'ok', format: true, variablesFormat, correct, total, items } };
  } catch (err) {
    if (err instanceof ScoringError || err instanceof PyOverflowError || err instanceof Error) {
      return zero('scoring_error', variablesFormat, { error: err.message, items });
    }
    throw err;
  }
}

/** Build an ESA ground-truth JSON string (what the ESA stage stores in reward_model.ground_truth). */
export function esaGroundTruth(input: {
  input: string;
  expectedOutput: string;
  variables: Record<string, unknown>;
  variablesFormat?: 'reference' | 'typed';
  extra?: Record<string, unknown>;
}): string {
  return JSON.stringify({
    input: input.input,
    expected_output: input.expectedOutput,
    expected_local_variable: input.variables,
    ...(input.variablesFormat === 'typed' ? { variables_format: 'typed' } : {}),
    ...input.extra,
  });
}
