/**
 * Reading benchmark files in their upstream formats: JSONL (optionally gzipped, like
 * HumanEval.jsonl.gz), a JSON array, or Parquet (how the Hugging Face hub serves
 * LiveCodeBench's execution and test-output sets). Every row is validated with a zod
 * schema; a bad row names the file, the row number and the field.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import type { z } from 'zod';
import { CoderlError } from '../../core/index.js';
import { readJsonlAll } from '../../data/index.js';

export interface Row<T> {
  /** 1-based line (JSONL) or row (JSON array, Parquet) number, for error messages */
  row: number;
  value: T;
}

async function rawRows(file: string): Promise<Array<Row<unknown>>> {
  if (!existsSync(file)) throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [`benchmark data ${file}`]);
  if (file.endsWith('.parquet')) {
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(file) });
    return rows.map((value, i) => ({ row: i + 1, value }));
  }
  if (file.endsWith('.json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${file}: not JSON (${(err as Error).message})`]);
    }
    if (!Array.isArray(parsed)) throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${file}: expected a JSON array of rows`]);
    return parsed.map((value, i) => ({ row: i + 1, value }));
  }
  // JSONL, plain or .gz: the data layer's reader (line numbers count blank lines)
  return (await readJsonlAll(file)).map(({ lineNumber, value }) => ({ row: lineNumber, value }));
}

/** Every row of `file`, parsed with `schema`. */
export async function readRows<S extends z.ZodType>(file: string, schema: S): Promise<Array<Row<z.output<S>>>> {
  const what = file.endsWith('.parquet') || file.endsWith('.json') ? 'row' : 'line';
  return (await rawRows(file)).map(({ row, value }) => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CoderlError('CRL_ERR_INPUT_INVALID', [
        `${file} ${what} ${row}: field "${issue?.path.join('.') || '(row)'}": ${issue?.message ?? 'invalid'}`,
      ]);
    }
    return { row, value: parsed.data as z.output<S> };
  });
}

/**
 * The data files for a benchmark: `input` is a file, or a directory that holds one of
 * `names` (directly or under `subdir`), or a directory of several files (LiveCodeBench's
 * test.jsonl, test2.jsonl, ... or Parquet shards) matched by `pattern`.
 */
export function resolveDataFiles(input: string, names: readonly string[], subdir: string, pattern?: RegExp): string[] {
  if (!existsSync(input)) throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [`benchmark data ${input}`]);
  if (statSync(input).isFile()) return [input];
  for (const dir of [input, path.join(input, subdir)]) {
    for (const name of names) {
      const p = path.join(dir, name);
      if (existsSync(p) && statSync(p).isFile()) return [p];
    }
    if (pattern && existsSync(dir) && statSync(dir).isDirectory()) {
      const files = readdirSync(dir)
        .filter((f) => pattern.test(f))
        .sort(naturalCompare)
        .map((f) => path.join(dir, f));
      if (files.length > 0) return files;
    }
  }
  throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [`no ${names.join(' or ')} in ${input} (nor in ${path.join(input, subdir)})`]);
}

/** test.jsonl < test2.jsonl < test10.jsonl */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
