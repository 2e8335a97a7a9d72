/**
 * JSONL reading (line numbers, errors, BOM, gzip, torn tails) and writing (atomic whole-file
 * writes, the appender that long jobs resume from).
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { isCoderlError } from '../../src/core/index.js';
import fc from 'fast-check';
import { z } from 'zod';
import {
  appendJsonlSync,
  JsonlAppender,
  parseJsonlRecord,
  readJsonl,
  readJsonlAll,
  readJsonlRecordsSync,
  readJsonlSync,
  repairJsonlTailSync,
  toJsonlLine,
  writeJsonlAtomic,
  writeJsonlAtomicSync,
} from '../../src/data/index.js';
import { parsePythonJson } from '../../src/sandbox/pyvalue/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'coderl-jsonl-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmpFile = (name = 'f.jsonl') => path.join(dir, `${n++}-${name}`);

async function rejectsWith(p: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isCoderlError(err), `expected a CoderlError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('readJsonl', () => {
  test('yields values with 1-based line numbers; blank lines are skipped but counted', async () => {
    const file = tmpFile();
    writeFileSync(file, '{"a":1}\n\n  \n[1,2]\n"x"\n');
    const lines = await readJsonlAll(file);
    assert.deepEqual(lines, [
      { lineNumber: 1, value: { a: 1 } },
      { lineNumber: 4, value: [1, 2] },
      { lineNumber: 5, value: 'x' },
    ]);
  });

  test('a bad line is CRL_ERR_INPUT_INVALID naming the file and line', async () => {
    const file = tmpFile('bad.jsonl');
    writeFileSync(file, '{"a":1}\n{"a":2}\n{"a": oops}\n{"a":4}\n');
    const seen: number[] = [];
    await rejectsWith(
      (async () => {
        for await (const { lineNumber } of readJsonl(file)) seen.push(lineNumber);
      })(),
      'CRL_ERR_INPUT_INVALID',
      new RegExp(`${path.basename(file)} line 3: not valid JSON .*\\{"a": oops\\}`),
    );
    assert.deepEqual(seen, [1, 2], 'lines before the bad one were streamed');
  });

  test('a missing file is CRL_ERR_INPUT_NOT_FOUND', async () => {
    await rejectsWith(readJsonlAll(path.join(dir, 'nope.jsonl')), 'CRL_ERR_INPUT_NOT_FOUND', /nope\.jsonl/);
  });

  test('CRLF line ends, a UTF-8 BOM and a missing final newline are fine', async () => {
    const file = tmpFile();
    writeFileSync(file, '\uFEFF{"a":"é"}\r\n{"b":2}');
    assert.deepEqual(await readJsonlAll(file), [
      { lineNumber: 1, value: { a: 'é' } },
      { lineNumber: 2, value: { b: 2 } },
    ]);
  });

  test('.jsonl.gz is gunzipped', async () => {
    const file = tmpFile('f.jsonl.gz');
    writeFileSync(file, gzipSync('{"task_id":"HumanEval/0"}\n{"task_id":"HumanEval/1"}\n'));
    const values = (await readJsonlAll(file)).map((l) => (l.value as { task_id: string }).task_id);
    assert.deepEqual(values, ['HumanEval/0', 'HumanEval/1']);
  });

  test('a truncated .gz is CRL_ERR_INPUT_INVALID naming the file', async () => {
    const file = tmpFile('cut.jsonl.gz');
    const full = gzipSync('{"a":1}\n'.repeat(10_000));
    writeFileSync(file, full.subarray(0, full.length - 20));
    await rejectsWith(readJsonlAll(file), 'CRL_ERR_INPUT_INVALID', /cut\.jsonl\.gz: cannot read after line \d+ \(unexpected end of file\)/);
  });

  test('a custom parser sees each line (Python json semantics: int vs float, NaN)', async () => {
    const file = tmpFile();
    writeFileSync(file, '{"x": 1.0, "y": NaN}\n');
    const [line] = await readJsonlAll(file, { parse: parsePythonJson });
    const v = line.value as { kind: string; entries: [unknown, { kind: string; value: number }][] };
    assert.equal(v.kind, 'dict');
    assert.equal(v.entries[0][1].kind, 'float');
    assert.ok(Number.isNaN(v.entries[1][1].value));
  });

  test('allowTornTail skips an unterminated last line; without it the torn line is an error', async () => {
    const file = tmpFile();
    writeFileSync(file, '{"i":0}\n{"i":1}\n{"i":2, "pay');
    assert.deepEqual(
      (await readJsonlAll(file, { allowTornTail: true })).map((l) => l.value),
      [{ i: 0 }, { i: 1 }],
    );
    await rejectsWith(readJsonlAll(file), 'CRL_ERR_INPUT_INVALID', /line 3: not valid JSON/);
    // an unterminated line that happens to parse is still uncommitted under allowTornTail
    const file2 = tmpFile();
    writeFileSync(file2, '{"i":0}\n{"i":1}');
    assert.deepEqual((await readJsonlAll(file2, { allowTornTail: true })).map((l) => l.value), [{ i: 0 }]);
  });
});

describe('the shared benchmark files (read in place from ../shared/data)', () => {
  const shared = fileURLToPath(new URL('../../../shared/data/', import.meta.url));

  test('HumanEval.jsonl.gz streams 164 records in order', async () => {
    const ids: string[] = [];
    for await (const { lineNumber, value } of readJsonl(path.join(shared, 'humaneval', 'HumanEval.jsonl.gz'))) {
      assert.equal(lineNumber, ids.length + 1);
      ids.push((value as { task_id: string }).task_id);
    }
    assert.equal(ids.length, 164);
    assert.equal(ids[0], 'HumanEval/0');
    assert.equal(ids[163], 'HumanEval/163');
  });

  test('CRUXEval and LeetCode have the documented row counts', async () => {
    assert.equal((await readJsonlAll(path.join(shared, 'cruxeval', 'cruxeval.jsonl'))).length, 800);
    assert.equal((await readJsonlAll(path.join(shared, 'leetcode', '20240121-Jul.jsonl'))).length, 180);
  });
});

describe('writeJsonlAtomic', () => {
  test('round-trips unicode, escapes, large strings and nested values', async () => {
    const big = 'x'.repeat(3_000_000) + '\u2028\u2029';
    const values = [
      { s: 'héllo 🎉 \u0000 "quoted" \\ back\nslash\r\t', n: -0.5, big: 12345678901234, t: true, z: null },
      { big },
      [[], {}, ''],
      { deep: { a: [{ b: [1, { c: 'd' }] }] } },
    ];
    const file = tmpFile();
    assert.equal(await writeJsonlAtomic(file, values), 4);
    const text = readFileSync(file, 'utf8');
    assert.equal(text.split('\n').length, 5, 'one line per record plus the final newline');
    assert.deepEqual((await readJsonlAll(file)).map((l) => l.value), values);
  });

  test('replaces the target in one step and leaves no temporary file behind', async () => {
    const sub = mkdtempSync(path.join(dir, 'atomic-'));
    const file = path.join(sub, 'out.jsonl');
    writeFileSync(file, '{"old":true}\n');
    async function* gen() {
      yield { i: 0 };
      // while the new file is being written, readers still see the old one
      assert.equal(readFileSync(file, 'utf8'), '{"old":true}\n');
      yield { i: 1 };
    }
    await writeJsonlAtomic(file, gen());
    assert.equal(readFileSync(file, 'utf8'), '{"i":0}\n{"i":1}\n');
    assert.deepEqual(readdirSync(sub), ['out.jsonl']);
  });

  test('a failing source leaves the old file untouched', async () => {
    const sub = mkdtempSync(path.join(dir, 'atomic-'));
    const file = path.join(sub, 'out.jsonl');
    writeFileSync(file, '{"old":true}\n');
    async function* gen() {
      yield { i: 0 };
      throw new Error('source broke');
    }
    await assert.rejects(writeJsonlAtomic(file, gen()), /source broke/);
    assert.equal(readFileSync(file, 'utf8'), '{"old":true}\n');
    assert.deepEqual(readdirSync(sub), ['out.jsonl']);
  });

  test('toJsonlLine refuses values JSON cannot represent', () => {
    assert.throws(() => toJsonlLine(undefined), /cannot write undefined/);
    assert.equal(toJsonlLine({ a: 'b\nc' }), '{"a":"b\\nc"}\n');
  });
});

describe('JsonlAppender', () => {
  test('appends in call order even when calls are not awaited one by one', async () => {
    const file = tmpFile();
    const w = await JsonlAppender.open(file);
    await Promise.all(Array.from({ length: 200 }, (_, i) => w.append({ i, pad: 'p'.repeat(i * 37) })));
    assert.equal(w.count, 200);
    await w.close();
    const got = (await readJsonlAll(file)).map((l) => (l.value as { i: number }).i);
    assert.deepEqual(got, Array.from({ length: 200 }, (_, i) => i));
  });

  test('reopening resumes after the existing records; truncate mode starts empty', async () => {
    const file = tmpFile();
    let w = await JsonlAppender.open(file);
    await w.append({ i: 0 });
    await w.append({ i: 1 });
    await w.close();
    w = await JsonlAppender.open(file);
    assert.equal(w.droppedTailBytes, 0);
    const done = new Set((await readJsonlAll(file, { allowTornTail: true })).map((l) => (l.value as { i: number }).i));
    for (let i = 0; i < 4; i++) if (!done.has(i)) await w.append({ i });
    await w.close();
    assert.deepEqual((await readJsonlAll(file)).map((l) => l.value), [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
    w = await JsonlAppender.open(file, { mode: 'truncate' });
    await w.append({ fresh: true });
    await w.close();
    assert.equal(readFileSync(file, 'utf8'), '{"fresh":true}\n');
  });

  test('a torn last record (writer killed mid-line) is dropped on open', async () => {
    const file = tmpFile();
    const w = await JsonlAppender.open(file, { syncEachRecord: true });
    await w.append({ i: 0 });
    await w.close();
    appendFileSync(file, '{"i": 1, "half');
    const reopened = await JsonlAppender.open(file);
    assert.equal(reopened.droppedTailBytes, Buffer.byteLength('{"i": 1, "half'));
    await reopened.append({ i: 1 });
    await reopened.close();
    assert.equal(readFileSync(file, 'utf8'), '{"i":0}\n{"i":1}\n');
  });

  test('a file that is one torn line, longer than the scan block, is emptied', async () => {
    const file = tmpFile();
    writeFileSync(file, `{"x":"${'y'.repeat(200_000)}`);
    const w = await JsonlAppender.open(file);
    assert.equal(w.droppedTailBytes, 200_006);
    await w.close();
    assert.equal(readFileSync(file, 'utf8'), '');
  });

  test('append after close is refused', async () => {
    const w = await JsonlAppender.open(tmpFile());
    await w.close();
    await assert.rejects(w.append({}), /closed/);
  });
});

/** The sync reader's outcome, in the shape of the async one's, to compare the two. */
async function bothReaders(file: string, allowTornTail: boolean): Promise<{ sync: unknown; async: unknown }> {
  const outcome = (f: () => unknown) => {
    try {
      return { ok: f() };
    } catch (err) {
      return { err: isCoderlError(err) ? err.message : String(err) };
    }
  };
  const sync = outcome(() => readJsonlSync(file, { allowTornTail }));
  let asyncOutcome: unknown;
  try {
    asyncOutcome = { ok: await readJsonlAll(file, { allowTornTail }) };
  } catch (err) {
    asyncOutcome = { err: isCoderlError(err) ? err.message : String(err) };
  }
  return { sync, async: asyncOutcome };
}

describe('readJsonlSync', () => {
  test('reads what readJsonlAll reads: blank lines, CRLF, BOM, bad lines, torn tails (random files)', async () => {
    const piece = fc.constantFrom('{"a":1}', '[1,2]', '"x"', '', '  ', '{"a": oops', '\uFEFF{"b":2}', '{"s":"é🎉"}', 'null');
    const ending = fc.constantFrom('\n', '\r\n', '');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(piece, ending), { maxLength: 6 }), fc.boolean(), async (parts, allowTornTail) => {
        const file = tmpFile();
        // every line but the last ends with a newline; the last may or may not
        writeFileSync(file, parts.map(([text, end], i) => text + (i < parts.length - 1 ? (end || '\n') : end)).join(''));
        const { sync, async: asyncOutcome } = await bothReaders(file, allowTornTail);
        assert.deepEqual(sync, asyncOutcome);
      }),
      { numRuns: 150 },
    );
  });

  test('.jsonl.gz is gunzipped; a missing file is CRL_ERR_INPUT_NOT_FOUND; a corrupt .gz names the file', () => {
    const file = tmpFile('f.jsonl.gz');
    writeFileSync(file, gzipSync('{"i":0}\n{"i":1}'));
    assert.deepEqual(readJsonlSync(file, { allowTornTail: true }).map((l) => l.value), [{ i: 0 }, { i: 1 }], 'a whole gzip stream is not torn');
    assert.throws(() => readJsonlSync(path.join(dir, 'nope.jsonl')), (err: unknown) => isCoderlError(err) && err.code === 'CRL_ERR_INPUT_NOT_FOUND');
    const cut = tmpFile('cut.jsonl.gz');
    const full = gzipSync('{"a":1}\n'.repeat(1000));
    writeFileSync(cut, full.subarray(0, full.length - 20));
    assert.throws(() => readJsonlSync(cut), (err: unknown) => isCoderlError(err) && err.code === 'CRL_ERR_INPUT_INVALID' && /cut\.jsonl\.gz: cannot read/.test(err.message));
  });
});

describe('parseJsonlRecord / readJsonlRecordsSync', () => {
  const Schema = z.object({ id: z.string(), n: z.number().int() });

  test('valid records come back typed, in order', () => {
    const file = tmpFile();
    writeFileSync(file, '{"id":"a","n":1}\n\n{"id":"b","n":2,"extra":true}\n');
    assert.deepEqual(readJsonlRecordsSync(file, Schema), [
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
    ]);
  });

  test('a bad record names the file, the line and every bad field', () => {
    const file = tmpFile('recs.jsonl');
    writeFileSync(file, '{"id":"a","n":1}\n\n{"id":7,"n":1.5}\n{"id":"c","n":3}\n');
    assert.throws(
      () => readJsonlRecordsSync(file, Schema),
      (err: unknown) =>
        isCoderlError(err) &&
        err.code === 'CRL_ERR_INPUT_INVALID' &&
        err.message.includes(`${file} line 3: field "id": expected string, received number; field "n": expected int`),
    );
    assert.throws(
      () => parseJsonlRecord(Schema, { lineNumber: 9, value: { n: 1 } }, 'x.jsonl'),
      (err: unknown) => isCoderlError(err) && /x\.jsonl line 9: field "id": missing \(expected string\)/.test(err.message),
    );
  });

  test('with allowTornTail an unterminated last line is skipped, not validated', () => {
    const file = tmpFile();
    writeFileSync(file, '{"id":"a","n":1}\n{"id":"b","n":');
    assert.deepEqual(readJsonlRecordsSync(file, Schema, { allowTornTail: true }), [{ id: 'a', n: 1 }]);
    assert.throws(() => readJsonlRecordsSync(file, Schema), (err: unknown) => isCoderlError(err) && /line 2: not valid JSON/.test(err.message));
  });
});

describe('writeJsonlAtomicSync', () => {
  test('writes the same bytes as writeJsonlAtomic, and replaces the target with no temporary file left', async () => {
    const values = [{ s: 'héllo\n\u2028' }, [1, { b: null }], 'x', 3.5];
    const sub = mkdtempSync(path.join(dir, 'atomic-sync-'));
    const a = path.join(sub, 'a.jsonl');
    const b = path.join(sub, 'b.jsonl');
    writeFileSync(b, '{"old":true}\n');
    assert.equal(await writeJsonlAtomic(a, values), 4);
    assert.equal(writeJsonlAtomicSync(b, values), 4);
    assert.equal(readFileSync(b, 'utf8'), readFileSync(a, 'utf8'));
    assert.deepEqual(readJsonlSync(b).map((l) => l.value), values);
    assert.deepEqual(readdirSync(sub).sort(), ['a.jsonl', 'b.jsonl']);
    writeJsonlAtomicSync(b, []);
    assert.equal(readFileSync(b, 'utf8'), '');
  });

  test('a value that cannot be written leaves the old file untouched', () => {
    const sub = mkdtempSync(path.join(dir, 'atomic-sync-'));
    const file = path.join(sub, 'out.jsonl');
    writeFileSync(file, '{"old":true}\n');
    assert.throws(() => writeJsonlAtomicSync(file, [{ i: 0 }, undefined]), /cannot write undefined/);
    assert.equal(readFileSync(file, 'utf8'), '{"old":true}\n');
    assert.deepEqual(readdirSync(sub), ['out.jsonl']);
  });
});

describe('appendJsonlSync / repairJsonlTailSync', () => {
  test('appends one line per record; a torn tail is cut in place and appends resume after it', () => {
    const file = tmpFile();
    appendJsonlSync(file, { i: 0 });
    appendJsonlSync(file, { i: 1, s: 'a\nb' });
    assert.equal(repairJsonlTailSync(file), 0, 'a clean file is left alone');
    appendFileSync(file, '{"i": 2, "half');
    assert.equal(repairJsonlTailSync(file), Buffer.byteLength('{"i": 2, "half'));
    appendJsonlSync(file, { i: 2 });
    assert.equal(readFileSync(file, 'utf8'), '{"i":0}\n{"i":1,"s":"a\\nb"}\n{"i":2}\n');
  });

  test('a missing file needs no repair; a file that is one long torn line is emptied', () => {
    assert.equal(repairJsonlTailSync(path.join(dir, 'never-written.jsonl')), 0);
    const file = tmpFile();
    writeFileSync(file, `{"x":"${'y'.repeat(150_000)}`);
    assert.equal(repairJsonlTailSync(file), 150_006);
    assert.equal(readFileSync(file, 'utf8'), '');
  });
});
