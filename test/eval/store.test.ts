/**
 * The eval run directory's JSONL store (generations.jsonl, scored.jsonl): records round-trip,
 * a crash's torn last line is cut before appends resume, and a corrupt line elsewhere is an
 * error naming the file and line rather than a silently shorter run.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { isCoderlError } from '../../src/core/index.js';
import { appendRecord, GenerationRecordSchema, readRecords, repairTail, ScoredRecordSchema, type GenerationRecord, type ScoredRecord } from '../../src/eval/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'coderl-eval-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmpFile = (name = 'generations.jsonl') => path.join(dir, `${n++}-${name}`);

const gen = (task: number, sample: number): GenerationRecord => ({ task_id: `HumanEval/${task}`, sample, response: `def f():\n    return ${task}\n`, finish_reason: 'stop' });

function invalidAt(file: string, line: number) {
  return (err: unknown) => isCoderlError(err) && err.code === 'CRL_ERR_INPUT_INVALID' && err.message.includes(`${file} line ${line}:`);
}

describe('eval store', () => {
  test('records round-trip, one JSON line each, in append order', () => {
    const file = tmpFile();
    const recs = [gen(0, 0), gen(0, 1), { ...gen(1, 0), finish_reason: null }, { task_id: 'HumanEval/2', sample: 0, response: '🎉 "q" \\ \u2028' }];
    for (const r of recs) appendRecord(file, r);
    assert.equal(readFileSync(file, 'utf8'), recs.map((r) => JSON.stringify(r) + '\n').join(''), 'the bytes on disk are unchanged');
    assert.deepEqual(readRecords(file, GenerationRecordSchema), recs);
    const scored: ScoredRecord = { task_id: 'HumanEval/0', sample: 0, artefact: 'x', passed: false, status: 'runtime_error', detail: 'NameError' };
    const sfile = tmpFile('scored.jsonl');
    appendRecord(sfile, scored);
    assert.deepEqual(readRecords(sfile, ScoredRecordSchema), [scored]);
  });

  test('a file not written yet has no records and needs no repair', () => {
    const file = path.join(dir, 'absent.jsonl');
    repairTail(file);
    assert.deepEqual(readRecords(file, GenerationRecordSchema), []);
  });

  test('resume after a crash: the torn last line is skipped, cut, and appends go on from a fresh line', () => {
    const file = tmpFile();
    appendRecord(file, gen(0, 0));
    appendRecord(file, gen(1, 0));
    appendFileSync(file, '{"task_id": "HumanEval/2", "sam'); // the write the crash cut short
    assert.deepEqual(readRecords(file, GenerationRecordSchema), [gen(0, 0), gen(1, 0)], 'earlier records survive, reading does not crash');
    repairTail(file);
    appendRecord(file, gen(2, 0));
    assert.deepEqual(readRecords(file, GenerationRecordSchema), [gen(0, 0), gen(1, 0), gen(2, 0)]);
    // a second resume finds a clean file
    repairTail(file);
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 4);
  });

  test('a corrupt line in the middle is CRL_ERR_INPUT_INVALID naming file and line', () => {
    const file = tmpFile();
    writeFileSync(file, JSON.stringify(gen(0, 0)) + '\n' + '{"task_id": "HumanEval/1", "sam\n' + JSON.stringify(gen(2, 0)) + '\n');
    repairTail(file);
    assert.throws(() => readRecords(file, GenerationRecordSchema), invalidAt(file, 2));
  });

  test('a record of the wrong shape names file, line and field', () => {
    const file = tmpFile('scored.jsonl');
    writeFileSync(file, '\n' + JSON.stringify({ task_id: 'HumanEval/0', sample: -1, artefact: 'x', passed: true, status: 'ok' }) + '\n');
    assert.throws(() => readRecords(file, ScoredRecordSchema), (err: unknown) => invalidAt(file, 2)(err) && /field "sample"/.test((err as Error).message));
  });

  test('a complete (newline-terminated) last line that is corrupt is an error too, not dropped', () => {
    // dropping it would let the resumed run append after it, and the next resume would fail
    const file = tmpFile();
    writeFileSync(file, JSON.stringify(gen(0, 0)) + '\n{"task_id": 3}\n');
    repairTail(file);
    assert.equal(readFileSync(file, 'utf8').endsWith('{"task_id": 3}\n'), true, 'repair only cuts unterminated text');
    assert.throws(() => readRecords(file, GenerationRecordSchema), invalidAt(file, 2));
  });
});
