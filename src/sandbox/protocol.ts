/**
 * The frame protocol between a slot's host side and its fork-server
 * (server.py documents the Python side): 4-byte big-endian header length, a JSON
 * header, then raw payload bytes whose lengths the header names.
 */
import { CoderlError } from '../core/index.js';

export const MAX_HEADER_BYTES = 1 << 20;

export interface Frame {
  header: Record<string, unknown>;
  payload: Buffer;
}

/** Payload length announced by a header: result frames carry stdout + stderr + vars. */
export function payloadLength(header: Record<string, unknown>): number {
  if (header.type !== 'result') return 0;
  let total = 0;
  for (const key of ['stdout_len', 'stderr_len', 'vars_len']) {
    const n = header[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new Error(`result header field ${key} is not a non-negative integer: ${JSON.stringify(n)}`);
    }
    total += n;
  }
  return total;
}

export function encodeFrame(header: Record<string, unknown>, payloads: readonly Buffer[] = []): Buffer {
  const raw = Buffer.from(JSON.stringify(header), 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32BE(raw.length, 0);
  return Buffer.concat([head, raw, ...payloads]);
}

/** Incremental decoder: push stdout chunks in, get complete frames out. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private state: 'length' | 'header' | 'payload' = 'length';
  private need = 4;
  private header: Record<string, unknown> = {};

  constructor(private readonly slotName: string) {}

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= this.need) {
      const bytes = this.take(this.need);
      if (this.state === 'length') {
        const length = bytes.readUInt32BE(0);
        if (length > MAX_HEADER_BYTES) this.fail(`header of ${length} bytes`);
        this.state = 'header';
        this.need = length;
      } else if (this.state === 'header') {
        this.header = this.parseHeader(bytes);
        this.state = 'payload';
        try {
          this.need = payloadLength(this.header);
        } catch (err) {
          this.fail((err as Error).message);
        }
      } else {
        frames.push({ header: this.header, payload: bytes });
        this.state = 'length';
        this.need = 4;
      }
    }
    return frames;
  }

  private parseHeader(bytes: Buffer): Record<string, unknown> {
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
