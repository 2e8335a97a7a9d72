/**
 * The wire between a slot's host side and its fork-server.
 *
 * Startup: the Python server writes one frame, a 4-byte big-endian length and a JSON
 * header ({"type": "ready", ...} or {"type": "fatal", ...}; server.py).
 * Then every job is one binary request and one binary response, little-endian, laid
 * out as the C structs in src/sandbox/native/forkserver.c (which reads and writes them):
 *   request  80-byte header + code + stdin (or the number of a preloaded program)
 *   response 64-byte header + stdout + stderr + vars + setup
 * Binary because the per-job loop is C, and a fixed layout costs the host nothing to
 * build or check.
 */
import { CoderlError } from '../core/index.js';

export const MAX_HEADER_BYTES = 1 << 20;
export const REQUEST_MAGIC = 0x31514c43; // "CLQ1"
export const RESPONSE_MAGIC = 0x31534c43; // "CLS1"
export const REQUEST_BYTES = 80;
export const RESPONSE_BYTES = 64;
/** A response announcing more payload than this is treated as a broken slot. */
export const MAX_RESPONSE_PAYLOAD = 2 ** 32;

const KIND_RUN = 1;
const KIND_SHUTDOWN = 2;

export const CAPTURE_WIRE = { none: 0, paper: 1, trajectory: 2 } as const;

const FLAG_TIMED_OUT = 1;
const FLAG_OUTPUT_LIMITED = 2;
const FLAG_STDOUT_TRUNCATED = 4;
const FLAG_STDERR_TRUNCATED = 8;
const FLAG_VARS_TRUNCATED = 16;

/** The per-job numbers the server applies (limits.ts limitsToWire builds them). */
export interface WireLimits {
  timeoutMs: number;
  cpuLimitS: number;
  /** 0 = no address-space limit */
  memoryBytes: number;
  fileSizeBytes: number;
  openFiles: number;
  processes: number;
  stdoutMaxBytes: number;
  stderrMaxBytes: number;
  varsMaxBytes: number;
  trajectoryMaxSteps: number;
}

export interface WireRequest {
  id: number;
  capture: keyof typeof CAPTURE_WIRE;
  /** a preloaded program to run instead of the code: 0 = none, else 1 + its index */
  program: number;
  limits: WireLimits;
  code: Buffer;
  stdin: Buffer;
}

/** What the server observed about one job, from outside the child. */
export interface ResultFrame {
  id: number;
  timedOut: boolean;
  outputLimited: boolean;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  varsTruncated: boolean;
  exitCode: number | null;
  signal: number | null;
  wallMs: number;
  cpuMs: number;
  maxRssKb: number;
}

export interface RawResult {
  frame: ResultFrame;
  stdout: Buffer;
  stderr: Buffer;
  vars: Buffer;
  /** what the child wrote on its setup pipe: "1" = ready, "E<reason>" = setup failed */
  setup: Buffer;
}

export function encodeRequest(req: WireRequest): Buffer {
  const l = req.limits;
  const head = Buffer.alloc(REQUEST_BYTES);
  head.writeUInt32LE(REQUEST_MAGIC, 0);
  head.writeUInt32LE(KIND_RUN, 4);
  head.writeBigUInt64LE(BigInt(req.id), 8);
  head.writeUInt32LE(req.code.length, 16);
  head.writeUInt32LE(req.stdin.length, 20);
  head.writeUInt32LE(l.timeoutMs, 24);
  head.writeUInt32LE(l.cpuLimitS, 28);
  head.writeBigUInt64LE(BigInt(l.memoryBytes), 32);
  head.writeBigUInt64LE(BigInt(l.fileSizeBytes), 40);
  head.writeUInt32LE(l.openFiles, 48);
  head.writeUInt32LE(l.processes, 52);
  head.writeUInt32LE(l.stdoutMaxBytes, 56);
  head.writeUInt32LE(l.stderrMaxBytes, 60);
  head.writeUInt32LE(l.varsMaxBytes, 64);
  head.writeUInt32LE(CAPTURE_WIRE[req.capture], 68);
  head.writeUInt32LE(l.trajectoryMaxSteps, 72);
  head.writeUInt32LE(req.program, 76);
  return Buffer.concat([head, req.code, req.stdin]);
}

export function encodeShutdown(): Buffer {
  const head = Buffer.alloc(REQUEST_BYTES);
  head.writeUInt32LE(REQUEST_MAGIC, 0);
  head.writeUInt32LE(KIND_SHUTDOWN, 4);
  return head;
}

/** A JSON startup frame (how the Python server writes it; tests and fakes use this). */
export function encodeJsonFrame(header: Record<string, unknown>): Buffer {
  const raw = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(raw.length, 0);
  return Buffer.concat([head, raw]);
}

/** How the C server writes a response (tests and fakes use this). */
export function encodeResponse(frame: ResultFrame, stdout: Buffer, stderr: Buffer, vars: Buffer, setup: Buffer): Buffer {
  const head = Buffer.alloc(RESPONSE_BYTES);
  const flags =
    (frame.timedOut ? FLAG_TIMED_OUT : 0) |
    (frame.outputLimited ? FLAG_OUTPUT_LIMITED : 0) |
    (frame.stdoutTruncated ? FLAG_STDOUT_TRUNCATED : 0) |
    (frame.stderrTruncated ? FLAG_STDERR_TRUNCATED : 0) |
    (frame.varsTruncated ? FLAG_VARS_TRUNCATED : 0);
  head.writeUInt32LE(RESPONSE_MAGIC, 0);
  head.writeUInt32LE(flags, 4);
  head.writeBigUInt64LE(BigInt(frame.id), 8);
  head.writeInt32LE(frame.exitCode ?? -1, 16);
  head.writeInt32LE(frame.signal ?? -1, 20);
  head.writeBigUInt64LE(BigInt(Math.round(frame.wallMs * 1000)), 24);
  head.writeBigUInt64LE(BigInt(Math.round(frame.cpuMs * 1000)), 32);
  head.writeBigUInt64LE(BigInt(frame.maxRssKb), 40);
  head.writeUInt32LE(stdout.length, 48);
  head.writeUInt32LE(stderr.length, 52);
  head.writeUInt32LE(vars.length, 56);
  head.writeUInt32LE(setup.length, 60);
  return Buffer.concat([head, stdout, stderr, vars, setup]);
}

export type Frame = { kind: 'json'; header: Record<string, unknown> } | { kind: 'result'; result: RawResult };

function decodeResponseHeader(b: Buffer): { frame: ResultFrame; lengths: [number, number, number, number] } | string {
  if (b.readUInt32LE(0) !== RESPONSE_MAGIC) return `bad response magic 0x${b.readUInt32LE(0).toString(16)}`;
  const flags = b.readUInt32LE(4);
  const exitCode = b.readInt32LE(16);
  const signal = b.readInt32LE(20);
  return {
    frame: {
      id: Number(b.readBigUInt64LE(8)),
      timedOut: (flags & FLAG_TIMED_OUT) !== 0,
      outputLimited: (flags & FLAG_OUTPUT_LIMITED) !== 0,
      stdoutTruncated: (flags & FLAG_STDOUT_TRUNCATED) !== 0,
      stderrTruncated: (flags & FLAG_STDERR_TRUNCATED) !== 0,
      varsTruncated: (flags & FLAG_VARS_TRUNCATED) !== 0,
      exitCode: exitCode < 0 ? null : exitCode,
      signal: signal < 0 ? null : signal,
      wallMs: Number(b.readBigUInt64LE(24)) / 1000,
      cpuMs: Number(b.readBigUInt64LE(32)) / 1000,
      maxRssKb: Number(b.readBigUInt64LE(40)),
    },
    lengths: [b.readUInt32LE(48), b.readUInt32LE(52), b.readUInt32LE(56), b.readUInt32LE(60)],
  };
}

/**
 * Incremental decoder: push the server's stdout chunks in, get complete frames out. The
 * first frame is the JSON startup frame; every later one is a binary response.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private state: 'json-length' | 'json' | 'response' | 'payload' = 'json-length';
  private need = 4;
  private pending: { frame: ResultFrame; lengths: [number, number, number, number] } | null = null;

  constructor(private readonly slotName: string) {}

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= this.need) {
      const bytes = this.take(this.need);
      if (this.state === 'json-length') {
        const length = bytes.readUInt32BE(0);
        if (length > MAX_HEADER_BYTES) this.fail(`header of ${length} bytes`);
        this.state = 'json';
        this.need = length;
      } else if (this.state === 'json') {
        frames.push({ kind: 'json', header: this.parseJson(bytes) });
        this.state = 'response';
        this.need = RESPONSE_BYTES;
      } else if (this.state === 'response') {
        const decoded = decodeResponseHeader(bytes);
        if (typeof decoded === 'string') this.fail(decoded);
        const total = decoded.lengths.reduce((a, b) => a + b, 0);
        if (total > MAX_RESPONSE_PAYLOAD) this.fail(`response announces ${total} payload bytes`);
        this.pending = decoded;
        this.state = 'payload';
        this.need = total;
      } else {
        const { frame, lengths } = this.pending as NonNullable<typeof this.pending>;
        const [a, b, c] = lengths;
        frames.push({
          kind: 'result',
          result: {
            frame,
            stdout: bytes.subarray(0, a),
            stderr: bytes.subarray(a, a + b),
            vars: bytes.subarray(a + b, a + b + c),
            setup: bytes.subarray(a + b + c),
          },
        });
        this.pending = null;
        this.state = 'response';
        this.need = RESPONSE_BYTES;
      }
    }
    return frames;
  }

  private parseJson(bytes: Buffer): Record<string, unknown> {
    const raw = bytes.toString('utf8');
    let header: unknown;
    try {
      header = JSON.parse(raw);
    } catch {
      this.fail(`header is not JSON: ${raw.slice(0, 80)}`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) this.fail('header is not an object');
    return header as Record<string, unknown>;
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  private fail(why: string): never {
    throw new CoderlError('CRL_ERR_SANDBOX_PROTOCOL', [this.slotName, why]);
  }
}
