/**
 * The host side of the frame protocol (src/sandbox/protocol.ts): encodeFrame and the
 * incremental FrameDecoder, including every way a slot can break the protocol.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { CoderlError } from '../../src/core/index.js';
import { encodeFrame, FrameDecoder, MAX_HEADER_BYTES, payloadLength, type Frame } from '../../src/sandbox/protocol.js';

interface Spec {
  header: Record<string, unknown>;
  payloads: Buffer[];
}

function resultSpec(stdout: Buffer, stderr: Buffer, vars: Buffer, extra: Record<string, unknown> = {}): Spec {
  return {
    header: { type: 'result', id: 'r1', status: 'ok', ...extra, stdout_len: stdout.length, stderr_len: stderr.length, vars_len: vars.length },
    payloads: [stdout, stderr, vars],
  };
}

function encodeAll(specs: Spec[]): Buffer {
  return Buffer.concat(specs.map((s) => encodeFrame(s.header, s.payloads)));
}

function expectedFrames(specs: Spec[]): Frame[] {
  return specs.map((s) => ({ header: s.header, payload: Buffer.concat(s.payloads) }));
}

function feed(decoder: FrameDecoder, stream: Buffer, cuts: number[]): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    frames.push(...decoder.push(stream.subarray(at, cut)));
    at = cut;
  }
  return frames;
}

/** Compare frames with payloads copied out of whatever buffer they view. */
function plain(frames: Frame[]) {
  return frames.map((f) => ({ header: f.header, payload: Buffer.from(f.payload) }));
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

function rawHeader(text: string | Buffer): Buffer {
  const body = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  return Buffer.concat([head, body]);
}

describe('encodeFrame', () => {
  test('4-byte big-endian header length, JSON header, then the payloads in order', () => {
    const frame = encodeFrame({ type: 'run', id: 'é' }, [Buffer.from('ab'), Buffer.from('c')]);
    const json = Buffer.from(JSON.stringify({ type: 'run', id: 'é' }), 'utf8');
    assert.equal(frame.readUInt32BE(0), json.length, 'length counts UTF-8 bytes');
    assert.deepEqual(frame.subarray(4, 4 + json.length), json);
    assert.equal(frame.subarray(4 + json.length).toString(), 'abc');
    assert.equal(frame.length, 4 + json.length + 3);
  });

  test('payloadLength: result frames add stdout, stderr and vars; others have none', () => {
    assert.equal(payloadLength({ type: 'result', stdout_len: 3, stderr_len: 4, vars_len: 5 }), 12);
    assert.equal(payloadLength({ type: 'ready', stdout_len: 3 }), 0);
    assert.equal(payloadLength({}), 0);
  });
});

describe('FrameDecoder', () => {
  const specs: Spec[] = [
    { header: { type: 'ready', pid: 2 }, payloads: [] },
    resultSpec(Buffer.from('out\n'), Buffer.from('err'), Buffer.from('{"v": 1}')),
    resultSpec(Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0), { id: 'empty' }),
    resultSpec(Buffer.from([0, 255, 10, 13]), Buffer.alloc(0), Buffer.from('x')),
  ];
  const stream = encodeAll(specs);

  test('a whole stream in one push', () => {
    assert.deepEqual(plain(new FrameDecoder('slot7').push(stream)), expectedFrames(specs));
  });

  test('split at every possible byte boundary', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const frames = feed(new FrameDecoder('slot7'), stream, [cut]);
      assert.deepEqual(plain(frames), expectedFrames(specs), `cut at ${cut}`);
    }
  });

  test('split at every pair of byte boundaries', () => {
    for (let a = 0; a <= stream.length; a += 3) {
      for (let b = a; b <= stream.length; b += 2) {
        assert.deepEqual(plain(feed(new FrameDecoder('slot7'), stream, [a, b])), expectedFrames(specs), `cuts ${a},${b}`);
      }
    }
  });

  test('one byte at a time; each frame comes out as soon as its last byte arrives', () => {
    const decoder = new FrameDecoder('slot7');
    const ends: number[] = [];
    let offset = 0;
    for (const s of specs) ends.push((offset += encodeFrame(s.header, s.payloads).length));
    const got: Frame[] = [];
    for (let i = 0; i < stream.length; i++) {
      const out = decoder.push(stream.subarray(i, i + 1));
      if (out.length) assert.ok(ends.includes(i + 1), `a frame completed at byte ${i + 1}`);
      for (const f of out) got.push({ header: f.header, payload: Buffer.from(f.payload) });
    }
    assert.deepEqual(got, expectedFrames(specs));
  });

  test('zero-length payload frames come out in the same push as their header', () => {
    const decoder = new FrameDecoder('slot7');
    const only = encodeAll([specs[2] as Spec]);
    const frames = decoder.push(only);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]?.payload.length, 0);
    assert.equal(frames[0]?.header.id, 'empty');
    // and the decoder is back at a frame boundary
    assert.deepEqual(plain(decoder.push(stream)), expectedFrames(specs));
  });

  test('empty pushes are harmless', () => {
    const decoder = new FrameDecoder('slot7');
    assert.deepEqual(decoder.push(Buffer.alloc(0)), []);
    const frames = [...decoder.push(stream.subarray(0, 5)), ...decoder.push(Buffer.alloc(0)), ...decoder.push(stream.subarray(5))];
    assert.deepEqual(plain(frames), expectedFrames(specs));
  });

  test('property: random result frames in random chunks decode to the same frames', () => {
    const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
    const spec = fc.oneof(
      fc.record({ stdout: bytes, stderr: bytes, vars: bytes, id: fc.string({ maxLength: 12 }), status: fc.constantFrom('ok', 'timeout') }).map(
        (r) => resultSpec(r.stdout, r.stderr, r.vars, { id: r.id, status: r.status, wall_ms: 1.5, exit_code: null }),
      ),
      fc.record({ pid: fc.nat(), note: fc.string({ maxLength: 20 }) }).map((r) => ({ header: { type: 'ready', ...r }, payloads: [] as Buffer[] })),
    );
    fc.assert(
      fc.property(
        fc.array(spec, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 50 }),
        (frameSpecs, sizes) => {
          const all = encodeAll(frameSpecs);
          const cuts: number[] = [];
          let at = 0;
          for (let i = 0; at < all.length; i++) {
            at += sizes[i % sizes.length] as number;
            if (at < all.length) cuts.push(at);
          }
          const frames = feed(new FrameDecoder('slot7'), all, cuts);
          assert.deepEqual(plain(frames), expectedFrames(frameSpecs));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a header length of exactly MAX_HEADER_BYTES is accepted (waits for more)', () => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_HEADER_BYTES, 0);
    assert.deepEqual(new FrameDecoder('slot7').push(head), []);
  });

  test('an oversized header length is a protocol error', () => {
    for (const length of [MAX_HEADER_BYTES + 1, 0xffffffff]) {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(length, 0);
      assertProtocolError(() => new FrameDecoder('slot7').push(head), new RegExp(String(length)));
    }
    // also after a good frame, with the bad length split across pushes
    const decoder = new FrameDecoder('slot7');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(MAX_HEADER_BYTES + 1, 0);
    const data = Buffer.concat([stream, head]);
    assert.equal(decoder.push(data.subarray(0, data.length - 2)).length, specs.length);
    assertProtocolError(() => decoder.push(data.subarray(data.length - 2)));
  });

  test('a header that is not JSON is a protocol error', () => {
    assertProtocolError(() => new FrameDecoder('slot7').push(rawHeader('{"type": "result"')), /not JSON/);
    assertProtocolError(() => new FrameDecoder('slot7').push(rawHeader('Traceback (most recent call last):')), /not JSON/);
    assertProtocolError(() => new FrameDecoder('slot7').push(rawHeader('')));
    assertProtocolError(() => new FrameDecoder('slot7').push(rawHeader(Buffer.from([0xff, 0xfe]))));
  });

  test('a JSON header that is not an object is a protocol error', () => {
    for (const text of ['null', '[]', '[1, 2]', '3', '"result"', 'true']) {
      assertProtocolError(() => new FrameDecoder('slot7').push(rawHeader(text)), undefined);
    }
  });

  test('a result header with a missing, negative, fractional or non-number length is a protocol error', () => {
    const good = { type: 'result', stdout_len: 0, stderr_len: 0, vars_len: 0 };
    const bad: Array<Record<string, unknown>> = [
      { ...good, stdout_len: -1 },
      { type: 'result', stderr_len: 0, vars_len: 0 },
      { ...good, stderr_len: 1.5 },
      { ...good, vars_len: '3' },
      { ...good, stdout_len: null },
      { ...good, vars_len: -0.5 },
    ];
    for (const header of bad) {
      assertProtocolError(() => new FrameDecoder('slot7').push(encodeFrame(header)), /_len/);
    }
    // the header alone is enough to fail: no payload bytes needed
    assertProtocolError(() => new FrameDecoder('slot7').push(rawHeader('{"type":"result","stdout_len":-5,"stderr_len":0,"vars_len":0}')), /stdout_len/);
    // and the good one decodes
    assert.equal(new FrameDecoder('slot7').push(encodeFrame(good)).length, 1);
  });
});
