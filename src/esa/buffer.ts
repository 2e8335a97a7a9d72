/**
 * The ESA task buffer (SPEC §7; the reference's RolloutBuffer). Bounded (capacity,
 * oldest dropped first), filled once per step with that step's surviving tasks, and
 * drawn from one task at a time, as the reference's dataset does for each ESA slot:
 *
 * - `recent` (reference): uniform over the tasks of the last non-empty addition that are
 *   still in the buffer. The reference only calls add_records with a non-empty list, so
 *   "the previous step's tasks, or the last step that produced any" is its behaviour.
 * - `random`: uniform over the whole buffer.
 * - `balanced`: first a class (rollout_metadata.test_result true / false) uniformly among
 *   the non-empty classes, then uniform within it. The reference's balanced strategy
 *   splits by the same flag; since every ESA task comes from a failure (test_result is
 *   always false), it equals `random` on real data, there and here.
 *
 * Every draw takes an explicit Rng, so the caller decides the stream and a run is
 * reproducible. Save/load is JSONL, one record per line, through the data layer (an atomic
 * write; line-numbered errors); load adds the whole file as one addition (as the
 * reference's load_from_file does).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { CoderlError } from '../core/index.js';
import type { Rng } from '../core/rng.js';
import { readJsonlRecordsSync, writeJsonlAtomicSync, type ReadJsonlOptions } from '../data/index.js';
import { EsaTaskRecordSchema, type EsaTaskRecord } from './records.js';

export const BUFFER_STRATEGIES = ['recent', 'random', 'balanced'] as const;
export type BufferStrategy = (typeof BUFFER_STRATEGIES)[number];

/** SPEC §7: the reference's configured buffer size. */
export const DEFAULT_BUFFER_CAPACITY = 20000;

export const EsaBufferOptionsSchema = z
  .object({
    capacity: z.number().int().positive().default(DEFAULT_BUFFER_CAPACITY),
    strategy: z.enum(BUFFER_STRATEGIES).default('recent'),
  })
  .strict();
export type EsaBufferOptions = z.input<typeof EsaBufferOptionsSchema>;

export interface EsaBufferStats {
  total_added: number;
  data_sources: Record<string, number>;
  test_results: { correct: number; incorrect: number };
}

function testResult(record: EsaTaskRecord): boolean {
  return record.rollout_metadata.test_result === true;
}

export class EsaBuffer {
  readonly capacity: number;
  readonly strategy: BufferStrategy;
  private records: EsaTaskRecord[] = [];
  /** size of the last non-empty addition */
  private lastAddition = 0;
  private everHeld = 0;
  private readonly counters: EsaBufferStats = { total_added: 0, data_sources: {}, test_results: { correct: 0, incorrect: 0 } };

  constructor(options: EsaBufferOptions = {}) {
    const parsed = EsaBufferOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CoderlError('CRL_ERR_CONFIG_INVALID', [`esa buffer ${issue?.path.join('.') || ''}: ${issue?.message ?? 'invalid'}`]);
    }
    this.capacity = parsed.data.capacity;
    this.strategy = parsed.data.strategy;
  }

  get size(): number {
    return this.records.length;
  }

  /** The largest size the buffer has had (the warm-up test of the batch composer). */
  get maxSizeEver(): number {
    return this.everHeld;
  }

  /** One step's tasks. An empty addition changes nothing (the reference never makes one). */
  add(records: readonly EsaTaskRecord[]): void {
    if (records.length === 0) return;
    for (const r of records) {
      this.counters.total_added++;
      this.counters.data_sources[r.data_source] = (this.counters.data_sources[r.data_source] ?? 0) + 1;
      if (testResult(r)) this.counters.test_results.correct++;
      else this.counters.test_results.incorrect++;
    }
    this.records.push(...records);
    const excess = this.records.length - this.capacity;
    if (excess > 0) this.records.splice(0, excess);
    this.lastAddition = records.length;
    this.everHeld = Math.max(this.everHeld, this.records.length);
  }

  /** The tasks `recent` draws from: the last non-empty addition still in the buffer. */
  recentTasks(): EsaTaskRecord[] {
    const n = Math.min(this.lastAddition, this.records.length);
    return this.records.slice(this.records.length - n);
  }

  /** One task by the buffer's strategy, or undefined when the buffer is empty. */
  drawOne(rng: Rng): EsaTaskRecord | undefined {
    if (this.records.length === 0) return undefined;
    switch (this.strategy) {
      case 'recent': {
        const n = Math.min(this.lastAddition, this.records.length);
        return this.records[this.records.length - n + rng.int(n)];
      }
      case 'random':
        return this.records[rng.int(this.records.length)];
      case 'balanced': {
        const correct = this.records.filter(testResult);
        const incorrect = this.records.filter((r) => !testResult(r));
        const classes = [correct, incorrect].filter((c) => c.length > 0);
        return rng.choice(rng.choice(classes));
      }
    }
  }

  /** `k` independent draws (with replacement), as the reference fills its ESA slots. */
  draw(k: number, rng: Rng): EsaTaskRecord[] {
    const out: EsaTaskRecord[] = [];
    for (let i = 0; i < k; i++) {
      const t = this.drawOne(rng);
      if (t === undefined) break;
      out.push(t);
    }
    return out;
  }

  all(): EsaTaskRecord[] {
    return [...this.records];
  }

  stats(): EsaBufferStats {
    return structuredClone(this.counters);
  }

  /** Write the records, atomically: a reader (or a crash) sees the old file or the new one. */
  save(path: string): void {
    writeJsonlAtomicSync(path, this.records);
  }

  /** Adds every record of a JSONL file as one addition; bad lines name line and field. */
  load(path: string): number {
    const records = readRecords(path);
    this.add(records);
    return records.length;
  }

  /** What a checkpoint needs beside the saved records: which of them `recent` draws
   * from, and the warm-up high-water mark. */
  restoreInfo(): BufferRestoreInfo {
    return { lastAddition: Math.min(this.lastAddition, this.records.length), everHeld: this.everHeld };
  }

  /**
   * Resume from a checkpoint: the buffer's contents become the saved file's records and
   * `info` restores the last addition and the high-water mark, so draws continue as if
   * the run had not stopped. The counters of stats() restart from the loaded records.
   * A torn last line (a save cut short by a crash) is skipped, as a resuming job's reader does.
   */
  restore(path: string, info: BufferRestoreInfo): void {
    const records = readRecords(path, { allowTornTail: true });
    this.records = [];
    this.lastAddition = 0;
    this.everHeld = 0;
    this.counters.total_added = 0;
    this.counters.data_sources = {};
    this.counters.test_results = { correct: 0, incorrect: 0 };
    this.add(records);
    this.lastAddition = Math.min(info.lastAddition, this.records.length);
    this.everHeld = Math.max(info.everHeld, this.records.length);
  }
}

export interface BufferRestoreInfo {
  lastAddition: number;
  everHeld: number;
}

function readRecords(path: string, opts: ReadJsonlOptions = {}): EsaTaskRecord[] {
  if (!existsSync(path)) throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [`esa buffer file ${path}`]);
  return readJsonlRecordsSync(path, EsaTaskRecordSchema, opts);
}
