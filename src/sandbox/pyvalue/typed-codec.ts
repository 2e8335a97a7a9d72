/**
 * Decoding and encoding between the wire nodes of `docs/typed-values.md` and
 * {@link PyValue}.
 *
 * @module
 */
import type { z } from 'zod';
import type { PyClassMeta, PyTruncation, PyValue } from './types.js';
import {
  capturedVariableSchema,
  wireNodeSchema,
  type WireFloat,
  type WireInt,
  type WireNode,
} from './wire-schema.js';

/** A wire node that failed validation; `message` names the path and the problem. */
export class TypedValueError extends Error {
  override readonly name = 'TypedValueError';
  /** The zod issues, for callers that want every problem. */
  readonly issues: readonly z.core.$ZodIssue[];

  constructor(message: string, issues: readonly z.core.$ZodIssue[]) {
    super(message);
    this.issues = issues;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `value.items[3].v` from a root name and a zod path. */
function formatPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (typeof part === 'string' && IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    else out += `[${JSON.stringify(String(part))}]`;
  }
  return out === '' ? '(root)' : out;
}

const MAX_REPORTED_ISSUES = 5;

function validationError(root: string, issues: readonly z.core.$ZodIssue[]): TypedValueError {
  const shown = issues
    .slice(0, MAX_REPORTED_ISSUES)
    .map((issue) => `${formatPath(root, issue.path)}: ${issue.message}`);
  if (issues.length > MAX_REPORTED_ISSUES) shown.push(`(${issues.length - MAX_REPORTED_ISSUES} more)`);
  return new TypedValueError(`invalid typed value: ${shown.join('; ')}`, issues);
}

function wireIntValue(v: WireInt): bigint {
  return BigInt(v);
}

function wireFloatValue(v: WireFloat): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

interface WireMeta {
  cls?: string;
  len?: number;
  truncated?: boolean;
}

/**
 * Copies `cls`, `len` and `truncated` when set, so decoded values carry no
 * `undefined`-valued keys (keeping them deep-equal to hand-built ones).
 * `truncated: false` is dropped: absent and false mean the same.
 */
function meta(node: WireMeta): PyClassMeta & PyTruncation {
  const out: PyClassMeta & PyTruncation = {};
  if (node.cls !== undefined) out.cls = node.cls;
  if (node.truncated === true) out.truncated = true;
  if (node.len !== undefined) out.len = node.len;
  return out;
}

function fromWire(node: WireNode): PyValue {
  switch (node.t) {
    case 'none':
      return { kind: 'none' };
    case 'bool':
      return { kind: 'bool', value: node.v };
    case 'int':
      if (node.v !== undefined) return { kind: 'int', value: wireIntValue(node.v), ...meta({ cls: node.cls }) };
      // Digits dropped (over 65,536 bits): only the size is known.
      return {
        kind: 'opaque',
        cls: node.cls ?? 'int',
        repr: `<int with ${node.bits ?? 0} bits>`,
        bits: node.bits ?? 0,
        truncated: true,
      };
    case 'float':
      return { kind: 'float', value: wireFloatValue(node.v), ...meta({ cls: node.cls }) };
    case 'complex':
      return { kind: 'complex', re: wireFloatValue(node.re), im: wireFloatValue(node.im), ...meta({ cls: node.cls }) };
    case 'str':
      return { kind: 'str', value: node.v, ...meta(node) };
    case 'bytes':
      return { kind: 'bytes', value: hexToBytes(node.hex), ...meta(node) };
    case 'bytearray':
      return { kind: 'bytes', value: hexToBytes(node.hex), mutable: true, ...meta(node) };
    case 'list': {
      const out: PyValue = { kind: 'list', items: node.items.map(fromWire), ...meta(node) };
      if (node.maxlen !== undefined) out.maxlen = node.maxlen;
      return out;
    }
    case 'tuple':
    case 'set':
    case 'frozenset':
      return { kind: node.t, items: node.items.map(fromWire), ...meta(node) };
    case 'dict': {
      const out: PyValue = {
        kind: 'dict',
        entries: node.items.map(([k, v]): [PyValue, PyValue] => [fromWire(k), fromWire(v)]),
        ...meta(node),
      };
      if (node.factory !== undefined) out.factory = node.factory;
      return out;
    }
    case 'range':
      return {
        kind: 'range',
        start: wireIntValue(node.start),
        stop: wireIntValue(node.stop),
        step: wireIntValue(node.step),
        ...meta({ cls: node.cls }),
      };
    case 'object':
      return { kind: 'opaque', cls: node.cls, repr: node.repr };
    case 'cycle':
      return node.of === undefined ? { kind: 'marker', which: 'cycle' } : { kind: 'marker', which: 'cycle', of: node.of };
    case 'depth':
      return { kind: 'marker', which: 'depth' };
  }
}

/**
 * Validates a wire node (already parsed from JSON) and decodes it.
 *
 * @param root the name the error path starts from (`value` by default, the
 *   field that holds the node in a captured variable).
 * @throws TypedValueError naming the path of each bad node, e.g.
 *   `value.items[3].v: an int sent as a string must be decimal digits ...`.
 */
export function decodeTyped(node: unknown, root = 'value'): PyValue {
  const parsed = wireNodeSchema.safeParse(node);
  if (!parsed.success) throw validationError(root, parsed.error.issues);
  return fromWire(parsed.data);
}

/** A captured variable with its value decoded. */
export interface CapturedVariable {
  /** `type(x).__name__`. */
  type: string;
  /** Python's own `repr(x)` (authoritative; possibly cut, see `reprTruncated`). */
  repr: string;
  value: PyValue;
  /** Some part of `value` was bounded by the encoder. */
  truncated: boolean;
  /** `repr` was cut to 2,000 characters. */
  reprTruncated: boolean;
}

/**
 * Validates and decodes the `{type, repr, value, truncated?, repr_truncated?}`
 * wrapper the sandbox reports for one variable.
 *
 * @throws TypedValueError naming the path of the bad field or node.
 */
export function decodeCapturedVariable(obj: unknown): CapturedVariable {
  const parsed = capturedVariableSchema.safeParse(obj);
  if (!parsed.success) throw validationError('', parsed.error.issues);
  const { type, repr, value, truncated, repr_truncated: reprTruncated } = parsed.data;
  return { type, repr, value: fromWire(value), truncated: truncated === true, reprTruncated: reprTruncated === true };
}

function toWireInt(n: bigint): WireInt {
  const safe = BigInt(Number.MAX_SAFE_INTEGER);
  return n <= safe && n >= -safe ? Number(n) : n.toString();
}

/** Negative zero stays a `-0` number; `JSON.stringify` would print it `0`. */
function toWireFloat(x: number): WireFloat {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return x;
}

function wireMeta(v: PyClassMeta & PyTruncation): WireMeta {
  const out: WireMeta = {};
  if (v.cls !== undefined) out.cls = v.cls;
  if (v.len !== undefined) out.len = v.len;
  if (v.truncated === true) out.truncated = true;
  return out;
}

/**
 * Encodes a value as a wire node: the inverse of {@link decodeTyped}, so that
 * `decodeTyped(encodeTyped(v))` deep-equals `v` for values in canonical form
 * (optional keys absent rather than `undefined` or `false`).
 */
export function encodeTyped(v: PyValue): WireNode {
  switch (v.kind) {
    case 'none':
      return { t: 'none' };
    case 'bool':
      return { t: 'bool', v: v.value };
    case 'int':
      return { t: 'int', v: toWireInt(v.value), ...wireMeta({ cls: v.cls }) };
    case 'float':
      return { t: 'float', v: toWireFloat(v.value), ...wireMeta({ cls: v.cls }) };
    case 'complex':
      return { t: 'complex', re: toWireFloat(v.re), im: toWireFloat(v.im), ...wireMeta({ cls: v.cls }) };
    case 'str':
      return { t: 'str', v: v.value, ...wireMeta(v) };
    case 'bytes':
      return { t: v.mutable === true ? 'bytearray' : 'bytes', hex: bytesToHex(v.value), ...wireMeta(v) };
    case 'list': {
      const out: WireNode = { t: 'list', items: v.items.map(encodeTyped), ...wireMeta(v) };
      if (v.maxlen !== undefined) out.maxlen = v.maxlen;
      return out;
    }
    case 'tuple':
    case 'set':
    case 'frozenset':
      return { t: v.kind, items: v.items.map(encodeTyped), ...wireMeta(v) };
    case 'dict': {
      const out: WireNode = {
        t: 'dict',
        items: v.entries.map(([k, x]): [WireNode, WireNode] => [encodeTyped(k), encodeTyped(x)]),
        ...wireMeta(v),
      };
      if (v.factory !== undefined) out.factory = v.factory;
      return out;
    }
    case 'range':
      return {
        t: 'range',
        start: toWireInt(v.start),
        stop: toWireInt(v.stop),
        step: toWireInt(v.step),
        ...wireMeta({ cls: v.cls }),
      };
    case 'opaque':
      if (v.bits !== undefined) {
        return { t: 'int', bits: v.bits, truncated: true, ...wireMeta({ cls: v.cls === 'int' ? undefined : v.cls }) };
      }
      return { t: 'object', cls: v.cls, repr: v.repr };
    case 'marker':
      if (v.which === 'depth') return { t: 'depth' };
      return v.of === undefined ? { t: 'cycle' } : { t: 'cycle', of: v.of };
  }
}
