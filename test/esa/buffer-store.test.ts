/**
 * ESA buffer persistence: save is one JSON line per record, written atomically; load and
 * restore read it back; a checkpoint resume survives a torn last line; a corrupt line in the
 * middle is an error naming file and line.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { isCoderlError } from '../../src/core/index.js';
import { Rng } from '../../src/core/rng.js';
import { EsaBuffer, type EsaTaskRecord } from '../../src/esa/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'coderl-esa-buffer-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmpFile = () => path.join(dir, `${n++}-buffer.jsonl`);

function task(id: string, testResult = false): EsaTaskRecord {
  return {
    prompt: [{ role: 'user', content: `task ${id}` }],
    reward_model: { ground_truth: JSON.stringify({ problem_id: id, note: 'é\n🎉' }) },
    data_source: 'exec_semantics_align',
    rollout_metadata: { original_step: 3, original_data_source: 'lcb', test_result: testResult, test_case_index: 1 },
    ability: 'rollout sample',
  };
}
const tasks = (prefix: string, k: number) => Array.from({ length: k }, (_, i) => task(`${prefix}${i}`, i % 3 === 0));

function invalidAt(file: string, line: number) {
  return (err: unknown) => isCoderlError(err) && err.code === 'CRL_ERR_INPUT_INVALID' && err.message.includes(`${file} line ${line}:`);
}

describe('ESA buffer files', () => {
  test('save writes one JSON line per record (the same file as before), atomically', () => {
    const buf = new EsaBuffer({ capacity: 5 });
    buf.add(tasks('a', 4));
    buf.add(tasks('b', 3));
    const sub = mkdtempSync(path.join(dir, 'save-'));
    const file = path.join(sub, 'buffer.jsonl');
    writeFileSync(file, 'old contents, replaced whole\n');
    buf.save(file);
    assert.equal(readFileSync(file, 'utf8'), buf.all().map((r) => JSON.stringify(r) + '\n').join(''));
    assert.deepEqual(readdirSync(sub), ['buffer.jsonl'], 'no temporary file left behind');
    new EsaBuffer().save(file);
    assert.equal(readFileSync(file, 'utf8'), '', 'an empty buffer saves an empty file');
  });

  test('round trip: load and restore give back the records, and restore the same draws', () => {
    const buf = new EsaBuffer({ capacity: 6, strategy: 'recent' });
    buf.add(tasks('a', 4));
    buf.add(tasks('b', 4));
    const file = tmpFile();
    buf.save(file);
    const loaded = new EsaBuffer();
    assert.equal(loaded.load(file), 6);
    assert.deepEqual(loaded.all(), buf.all());
    const back = new EsaBuffer({ capacity: 6, strategy: 'recent' });
    back.restore(file, buf.restoreInfo());
    assert.deepEqual(back.all(), buf.all());
    assert.deepEqual(back.draw(20, Rng.from(5)), buf.draw(20, Rng.from(5)));
    assert.deepEqual(back.stats().test_results, { correct: 3, incorrect: 3 }, 'a3, b0 and b3 passed; a2, b1, b2 failed');
  });

  test('restore after a crash: a torn last line is skipped and earlier records kept', () => {
    const buf = new EsaBuffer({ strategy: 'recent' });
    buf.add(tasks('a', 3));
    const file = tmpFile();
    buf.save(file);
    appendFileSync(file, JSON.stringify(task('torn')).slice(0, 40));
    const back = new EsaBuffer({ strategy: 'recent' });
    back.restore(file, { lastAddition: 3, everHeld: 3 });
    assert.deepEqual(back.all(), buf.all());
    // load reads files from elsewhere: it does not guess, the broken line is named
    assert.throws(() => new EsaBuffer().load(file), invalidAt(file, 4));
  });

  test('a corrupt line in the middle is CRL_ERR_INPUT_INVALID naming file and line, for load and restore', () => {
    const file = tmpFile();
    writeFileSync(file, [JSON.stringify(task('a')), '{"prompt": [', JSON.stringify(task('c'))].join('\n') + '\n');
    assert.throws(() => new EsaBuffer().restore(file, { lastAddition: 1, everHeld: 1 }), invalidAt(file, 2));
    assert.throws(() => new EsaBuffer().load(file), invalidAt(file, 2));
    const shape = tmpFile();
    writeFileSync(shape, [JSON.stringify(task('a')), JSON.stringify({ ...task('b'), rollout_metadata: { original_step: 1 } })].join('\n') + '\n');
    assert.throws(
      () => new EsaBuffer().restore(shape, { lastAddition: 1, everHeld: 1 }),
      (err: unknown) => invalidAt(shape, 2)(err) && /field "rollout_metadata\.original_data_source"/.test((err as Error).message),
    );
  });

  test('load reads a complete last line without a final newline (files written by other tools)', () => {
    const file = tmpFile();
    writeFileSync(file, JSON.stringify(task('a')) + '\n' + JSON.stringify(task('b')));
    const buf = new EsaBuffer();
    assert.equal(buf.load(file), 2);
  });

  test('a missing file is CRL_ERR_INPUT_NOT_FOUND for load and restore', () => {
    const missing = path.join(dir, 'missing.jsonl');
    for (const f of [() => new EsaBuffer().load(missing), () => new EsaBuffer().restore(missing, { lastAddition: 0, everHeld: 0 })]) {
      assert.throws(f, (err: unknown) => isCoderlError(err) && err.code === 'CRL_ERR_INPUT_NOT_FOUND' && err.message.includes('esa buffer file'));
    }
  });
});
