/**
 * The run directory's append-only JSONL files. Each record is written (and flushed) as
 * soon as it exists, so an interrupted run loses at most the request in flight; on
 * restart the files are read back and a torn last line (a crash mid-write) is dropped.
 * The reading, appending and repairing are the data layer's (src/data/jsonl.ts).
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { appendJsonlSync, readJsonlRecordsSync, repairJsonlTailSync } from '../data/index.js';

export const GenerationRecordSchema = z.object({
  task_id: z.string(),
  sample: z.number().int().min(0),
  response: z.string(),
  finish_reason: z.string().nullable().optional(),
});
export type GenerationRecord = z.infer<typeof GenerationRecordSchema>;

export const ScoredRecordSchema = z.object({
  task_id: z.string(),
  sample: z.number().int().min(0),
  artefact: z.string(),
  passed: z.boolean(),
  status: z.string(),
  detail: z.string().optional(),
});
export type ScoredRecord = z.infer<typeof ScoredRecordSchema>;

/**
 * Records of `file` (none if it does not exist yet). An unterminated last line is a write
 * torn by a crash and is skipped; any other bad line is an error naming file and line.
 */
export function readRecords<S extends z.ZodType>(file: string, schema: S): Array<z.output<S>> {
  if (!existsSync(file)) return [];
  return readJsonlRecordsSync(file, schema, { allowTornTail: true });
}

/** Append one JSON line (synchronously, so a crash right after leaves it on disk). */
export function appendRecord(file: string, record: unknown): void {
  appendJsonlSync(file, record);
}

/** Cut a torn last line off a JSONL file, so appends start on a fresh line. */
export function repairTail(file: string): void {
  repairJsonlTailSync(file);
}
