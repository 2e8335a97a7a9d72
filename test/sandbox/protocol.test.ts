/**
 * The host side of the slot wire (src/sandbox/protocol.ts): the binary request layout the
 * C loop reads, and the incremental FrameDecoder (one JSON startup frame, then binary
 * responses), including every way a slot can break the protocol. End-to-end agreement
 * with the C structs is covered by the run and security tests (limits, caps, statuses).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CoderlError } from '../../src/core/index.js';
import {
  encodeJsonFrame,
  encodeRequest,
  encodeResponse,
  encodeShutdown,
  FrameDecoder,
  MAX_HEADER_BYTES,
  REQUEST_BYTES,
  REQUEST_MAGIC,
  RESPONSE_BYTES,
  type Frame,
  type ResultFrame,
} from '../../src/sandbox/protocol.js';

const LIMITS = {
  timeoutMs: 6000,
  cpuLimitS: 7,
  memoryBytes: 5 * 2 ** 32 + 7, // above 32 bits: must survive as a u64
  fileSizeBytes: 16 << 20,
  openFiles: 64,
  processes: 32,
  stdoutMaxBytes: 8 << 20,
  stderrMaxBytes: 1 << 20,
  varsMaxBytes: 32 << 20,
  trajectoryMaxSteps: 2000,
};

function frame(over: Partial<ResultFrame> = {}): ResultFrame {
  return {
    id: 1,
    timedOut: false,
    outputLimited: false,
    stdoutTruncated: false,
    stderrTruncated: false,
    varsTruncated: false,
    exitCode: 0,
    signal: null,
    wallMs: 1.5,
    cpuMs: 0.75,
    maxRssKb: 10240,
    ...over,
  };
}

interface Spec {
  frame: ResultFrame;
  stdout: Buffer;
  stderr: Buffer;
  vars: Buffer;
  setup: Buffer;
}

const READY = { type: 'ready', pid: 2 };

function spec(over: Partial<ResultFrame>, stdout = '', stderr = '', vars = '', setup = '1'): Spec {
  return { frame: frame(over), stdout: Buffer.from(stdout), stderr: Buffer.from(stderr), vars: Buffer.from(vars), setup: Buffer.from(setup) };
}

function stream(specs: Spec[], startup: Record<string, unknown> = READY): Buffer {
  return Buffer.concat([encodeJsonFrame(startup), ...specs.map((s) => encodeResponse(s.frame, s.stdout, s.stderr, s.vars, s.setup))]);
}

/** Frames with payloads copied out of whatever buffer they view. */
function plain(frames: Frame[]) {
  return frames.map((f) =>
    f.kind === 'json'
      ? f
      : { kind: f.kind, result: { ...f.result, stdout: Buffer.from(f.result.stdout), stderr: Buffer.from(f.result.stderr), vars: Buffer.from(f.result.vars), setup: Buffer.from(f.result.setup) } },
  );
}

function expected(specs: Spec[], startup: Record<string, unknown> = READY) {
  return [{ kind: 'json', header: startup }, ...specs.map((s) => ({ kind: 'result', result: s }))];
}

function feed(decoder: FrameDecoder, bytes: Buffer, cuts: number[]): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    frames.push(...decoder.push(bytes.subarray(at, cut)));
    at = cut;
  }
  return frames;
}

function assertProtocolError(fn: () => unknown, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CoderlError, `expected a CoderlError, got ${String(err)}`);
    assert.equal(err.code, 'CRL_ERR_SANDBOX_PROTOCOL');
    assert.match(err.message, /slot7/, 'the message names the slot');
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

function rawJson(text: string | Buffer): Buffer {
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

describe('encodeRequest', () => {
  test('the 80-byte little-endian header of forkserver.c struct request, then code and stdin', () => {
    const code = Buffer.from('print("é")\n');
    const stdin = Buffer.from('1 2\n');
    const bytes = encodeRequest({ id: 2 ** 40 + 3, capture: 'trajectory', program: 3, limits: LIMITS, code, stdin });
    assert.equal(bytes.length, REQUEST_BYTES + code.length + stdin.length);
    assert.equal(bytes.readUInt32LE(0), REQUEST_MAGIC);
    assert.equal(bytes.readUInt32LE(4), 1, 'kind run');
    assert.equal(bytes.readBigUInt64LE(8), BigInt(2 ** 40 + 3));
    assert.equal(bytes.readUInt32LE(16), code.length, 'code length in bytes, not characters');
    assert.equal(bytes.readUInt32LE(20), stdin.length);
    assert.equal(bytes.readUInt32LE(24), 6000);
    assert.equal(bytes.readUInt32LE(28), 7);
    assert.equal(bytes.readBigUInt64LE(32), BigInt(LIMITS.memoryBytes));
    assert.equal(bytes.readBigUInt64LE(40), BigInt(16 << 20));
    assert.deepEqual([48, 52, 56, 60, 64].map((o) => bytes.readUInt32LE(o)), [64, 32, 8 << 20, 1 << 20, 32 << 20]);
    assert.equal(bytes.readUInt32LE(68), 2, 'capture trajectory');
    assert.equal(bytes.readUInt32LE(72), 2000);
    assert.equal(bytes.readUInt32LE(76), 3, 'preloaded program number');
    assert.deepEqual(bytes.subarray(REQUEST_BYTES), Buffer.concat([code, stdin]));
  });

  test('capture modes map to the wire numbers the server knows', () => {
    const modes = { none: 0, paper: 1, trajectory: 2 } as const;
    for (const [capture, wire] of Object.entries(modes)) {
      const bytes = encodeRequest({ id: 1, capture: capture as keyof typeof modes, program: 0, limits: LIMITS, code: Buffer.alloc(0), stdin: Buffer.alloc(0) });
      assert.equal(bytes.readUInt32LE(68), wire);
    }
  });

  test('shutdown is a bare header of kind 2', () => {
    const bytes = encodeShutdown();
    assert.equal(bytes.length, REQUEST_BYTES);
    assert.equal(bytes.readUInt32LE(0), REQUEST_MAGIC);
    assert.equal(bytes.readUInt32LE(4), 2);
  });
});

describe('FrameDecoder', () => {
  const specs: Spec[] = [
    spec({ id: 1 }, 'out\n', 'err', '{"v": 1}'),
    spec({ id: 2, exitCode: null, signal: 9, timedOut: true, wallMs: 6000.25 }, '', '', '', ''),
    spec({ id: 3, outputLimited: true, stdoutTruncated: true, stderrTruncated: true, varsTruncated: true }, '\u0000\u00ff\n\r', '', 'x', 'Esetresuid: denied'),
  ];
  const bytes = stream(specs);

  test('a whole stream in one push: the startup frame, then each response with its flags, times and payloads', () => {
    assert.deepEqual(plain(new FrameDecoder('slot7').push(bytes)), expected(specs));
  });

  test('split at every possible byte boundary', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      assert.deepEqual(plain(feed(new FrameDecoder('slot7'), bytes, [cut])), expected(specs), `cut at ${cut}`);
    }
  });

  test('one byte at a time; each frame comes out as soon as its last byte arrives', () => {
    const decoder = new FrameDecoder('slot7');
    const ends: number[] = [];
    let offset = encodeJsonFrame(READY).length;
    ends.push(offset);
    for (const s of specs) ends.push((offset += RESPONSE_BYTES + s.stdout.length + s.stderr.length + s.vars.length + s.setup.length));
    const got: Frame[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const out = decoder.push(bytes.subarray(i, i + 1));
      if (out.length) assert.ok(ends.includes(i + 1), `a frame completed at byte ${i + 1}`);
      got.push(...plain(out));
    }
    assert.deepEqual(got, expected(specs));
  });

  test('a response with no payload at all comes out in the same push as its header', () => {
    const decoder = new FrameDecoder('slot7');
    decoder.push(encodeJsonFrame(READY));
    const empty = spec({ id: 9 }, '', '', '', '');
    const frames = decoder.push(encodeResponse(empty.frame, empty.stdout, empty.stderr, empty.vars, empty.setup));
    assert.equal(frames.length, 1);
    assert.deepEqual(plain(frames), [{ kind: 'result', result: empty }]);
  });

  test('property: random responses in random chunks decode to the same frames', () => {
    const bytesArb = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
    const specArb = fc
      .record({
        id: fc.nat(),
        exit: fc.option(fc.integer({ min: 0, max: 255 })),
        flags: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        wallUs: fc.nat(),
        cpuUs: fc.nat(),
        stdout: bytesArb,
        stderr: bytesArb,
        vars: bytesArb,
        setup: bytesArb,
      })
      .map((r) => ({
        frame: frame({
          id: r.id,
          exitCode: r.exit,
          signal: r.exit === null ? 9 : null,
          timedOut: r.flags[0] as boolean,
          outputLimited: r.flags[1] as boolean,
          stdoutTruncated: r.flags[2] as boolean,
          stderrTruncated: r.flags[3] as boolean,
          varsTruncated: r.flags[4] as boolean,
          wallMs: r.wallUs / 1000,
          cpuMs: r.cpuUs / 1000,
        }),
        stdout: r.stdout,
        stderr: r.stderr,
        vars: r.vars,
        setup: r.setup,
      }));
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: 6 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 50 }), (specList, sizes) => {
        const all = stream(specList);
        const cuts: number[] = [];
        let at = 0;
        for (let i = 0; at < all.length; i++) {
          at += sizes[i % sizes.length] as number;
          if (at < all.length) cuts.push(at);
        }
        assert.deepEqual(plain(feed(new FrameDecoder('slot7'), all, cuts)), expected(specList));
      }),
      { numRuns: 300 },
    );
  });

  test('a startup header length of exactly MAX_HEADER_BYTES is accepted (waits for more); more is an error', () => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_HEADER_BYTES, 0);
    assert.deepEqual(new FrameDecoder('slot7').push(head), []);
    for (const length of [MAX_HEADER_BYTES + 1, 0xffffffff]) {
      head.writeUInt32BE(length, 0);
      assertProtocolError(() => new FrameDecoder('slot7').push(head), new RegExp(String(length)));
    }
  });

  test('a startup header that is not a JSON object is a protocol error', () => {
    assertProtocolError(() => new FrameDecoder('slot7').push(rawJson('{"type": "ready"')), /not JSON/);
    assertProtocolError(() => new FrameDecoder('slot7').push(rawJson('Traceback (most recent call last):')), /not JSON/);
    assertProtocolError(() => new FrameDecoder('slot7').push(rawJson('')));
    assertProtocolError(() => new FrameDecoder('slot7').push(rawJson(Buffer.from([0xff, 0xfe]))));
    for (const text of ['null', '[]', '3', '"ready"', 'true']) assertProtocolError(() => new FrameDecoder('slot7').push(rawJson(text)), /not an object/);
  });

  test('after startup, a response without the magic is a protocol error, however it is split', () => {
    const bad = Buffer.concat([encodeJsonFrame(READY), Buffer.alloc(RESPONSE_BYTES, 0x41)]);
    assertProtocolError(() => new FrameDecoder('slot7').push(bad), /magic/);
    const decoder = new FrameDecoder('slot7');
    assert.equal(decoder.push(bad.subarray(0, bad.length - 1)).length, 1, 'the startup frame still decodes');
    assertProtocolError(() => decoder.push(bad.subarray(bad.length - 1)), /magic/);
  });

  test('a response announcing more than 4 GiB of payload is a protocol error', () => {
    const ok = spec({ id: 1 });
    const head = encodeResponse(ok.frame, Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0));
    for (const offset of [48, 52, 56, 60]) head.writeUInt32LE(0xffffffff, offset);
    assertProtocolError(() => new FrameDecoder('slot7').push(Buffer.concat([encodeJsonFrame(READY), head])), /payload/);
  });

  test('empty pushes are harmless', () => {
    const decoder = new FrameDecoder('slot7');
    assert.deepEqual(decoder.push(Buffer.alloc(0)), []);
    const frames = [...decoder.push(bytes.subarray(0, 5)), ...decoder.push(Buffer.alloc(0)), ...decoder.push(bytes.subarray(5))];
    assert.deepEqual(plain(frames), expected(specs));
  });
});
