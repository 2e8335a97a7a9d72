/**
 * JSON Lines in and out, for datasets, buffers and long jobs' results.
 *
 * - `readJsonl` streams a file (plain or .gz) line by line and yields `{lineNumber, value}`;
 *   a line that is not JSON is a CRL_ERR_INPUT_INVALID naming the file and line.
 * - `JsonlAppender` appends one line per record so a job killed at any moment leaves a
 *   valid prefix; reopening it drops a torn last line, and `readJsonl` of the file tells a
 *   resuming job what is already done.
 * - `writeJsonlAtomic` writes a whole file through a temporary file and a rename, so readers
 *   see the old file or the new one, never half of it.
 * - Synchronous twins (`readJsonlSync`, `writeJsonlAtomicSync`, `appendJsonlSync`,
 *   `repairJsonlTailSync`) serve stores whose callers are synchronous (the eval run
 *   directory, the ESA buffer), with the same line rules and the same torn-tail rule.
 * - `parseJsonlRecord` validates a record with a zod schema; errors name file, line, field.
 *
 * Values are parsed with JSON.parse unless a `parse` function is given (pass
 * `parsePythonJson` from the sandbox for Python semantics: int vs float, NaN).
 */
import {
  appendFileSync,
  closeSync,
  createReadStream,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { z } from 'zod';
import { CoderlError, isCoderlError } from '../core/index.js';
import { describeIssues } from './issues.js';

export interface JsonlLine<T = unknown> {
  /** 1-based line number in the file (blank lines count, so editors agree) */
  lineNumber: number;
  value: T;
}

export interface ReadJsonlOptions {
  /** parse one line's text; default JSON.parse */
  parse?: (text: string) => unknown;
  /**
   * treat a last line without a newline as the torn tail of a writer killed mid-record and
   * skip it, as `JsonlAppender.open` will drop it (for resuming jobs); default false
   */
  allowTornTail?: boolean;
}

/** Stream the records of a JSONL file (`.gz` is gunzipped). Blank lines are skipped. */
export async function* readJsonl(file: string, opts: ReadJsonlOptions = {}): AsyncGenerator<JsonlLine> {
  await assertExists(file);
  let stream: Readable = createReadStream(file);
  if (file.endsWith('.gz')) stream = stream.pipe(createGunzip());
  const endsWithNewline = opts.allowTornTail === true ? await fileEndsWithNewline(file) : true;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const records = new LineRecords(file, opts);
  try {
    for await (const raw of lines) {
      const record = records.push(raw);
      if (record !== undefined) yield record;
    }
    const last = records.end(endsWithNewline);
    if (last !== undefined) yield last;
  } catch (err) {
    if (isCoderlError(err)) throw err;
    // stream errors: a truncated or corrupt .gz, an unreadable file
    throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${file}: cannot read after line ${records.lineCount} (${(err as Error).message})`], { cause: err });
  } finally {
    lines.close();
    stream.destroy();
  }
}

/** Read a whole JSONL file into memory. */
export async function readJsonlAll(file: string, opts: ReadJsonlOptions = {}): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const line of readJsonl(file, opts)) out.push(line);
  return out;
}

/** `readJsonlAll`, synchronously: the same lines, numbers, errors and torn-tail rule. */
export function readJsonlSync(file: string, opts: ReadJsonlOptions = {}): JsonlLine[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
    if (file.endsWith('.gz')) bytes = gunzipSync(bytes);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [file]);
    throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${file}: cannot read (${(err as Error).message})`], { cause: err });
  }
  // a .gz that gunzipped whole was written whole; its last line is not torn
  const endsWithNewline = file.endsWith('.gz') || bytes.length === 0 || bytes[bytes.length - 1] === 0x0a;
  const raws = bytes.toString('utf8').split(/\r?\n|\r/); // readline's line ends
  if (raws.at(-1) === '') raws.pop(); // text after the final line end, not a line
  const records = new LineRecords(file, opts);
  const out: JsonlLine[] = [];
  for (const raw of raws) {
    const record = records.push(raw);
    if (record !== undefined) out.push(record);
  }
  const last = records.end(endsWithNewline);
  if (last !== undefined) out.push(last);
  return out;
}

/**
 * Validate one record with `schema`; a bad one is CRL_ERR_INPUT_INVALID naming the file,
 * the line and every bad field.
 */
export function parseJsonlRecord<S extends z.ZodType>(schema: S, line: JsonlLine, file: string): z.output<S> {
  const parsed = schema.safeParse(line.value);
  if (!parsed.success) throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${file} line ${line.lineNumber}: ${describeIssues(parsed.error.issues)}`]);
  return parsed.data;
}

/** `readJsonlSync`, each record validated by `parseJsonlRecord`. */
export function readJsonlRecordsSync<S extends z.ZodType>(file: string, schema: S, opts: ReadJsonlOptions = {}): Array<z.output<S>> {
  return readJsonlSync(file, opts).map((line) => parseJsonlRecord(schema, line, file));
}

/**
 * The line rules both readers share: 1-based numbers (blank lines count), a BOM on line 1
 * ignored, blank lines skipped. Each line is held back by one so that, when the input ends,
 * the last one can be dropped as a torn tail.
 */
class LineRecords {
  lineCount = 0;
  private pending: { lineNumber: number; text: string } | null = null;
  private readonly parse: (text: string) => unknown;

  constructor(
    private readonly file: string,
    private readonly opts: ReadJsonlOptions,
  ) {
    this.parse = opts.parse ?? ((text: string) => JSON.parse(text) as unknown);
  }

  /** Take the next raw line; returns the previous line's record, now known not to be last. */
  push(raw: string): JsonlLine | undefined {
    this.lineCount++;
    const previous = this.pending === null ? undefined : parseLine(this.file, this.pending, this.parse);
    const text = this.lineCount === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    this.pending = text.trim() === '' ? null : { lineNumber: this.lineCount, text };
    return previous;
  }

  /** The last line's record, unless it is unterminated under allowTornTail: a write that never finished. */
  end(endsWithNewline: boolean): JsonlLine | undefined {
    if (this.pending === null || (this.opts.allowTornTail === true && !endsWithNewline)) return undefined;
    return parseLine(this.file, this.pending, this.parse);
  }
}

function parseLine(file: string, line: { lineNumber: number; text: string }, parse: (text: string) => unknown): JsonlLine {
  try {
    return { lineNumber: line.lineNumber, value: parse(line.text) };
  } catch (err) {
    const snippet = line.text.length > 60 ? `${line.text.slice(0, 60)}…` : line.text;
    throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${file} line ${line.lineNumber}: not valid JSON (${(err as Error).message}): ${snippet}`], {
      cause: err,
    });
  }
}

/** One JSONL line for a value; JSON.stringify never emits a raw newline, so a line is a record. */
export function toJsonlLine(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new CoderlError('CRL_ERR_INPUT_INVALID', [`cannot write ${typeof value} as a JSONL record`]);
  return `${text}\n`;
}

/**
 * Write all values to `file` atomically: a temporary file in the same directory, fsync,
 * then rename over the target.
 */
export async function writeJsonlAtomic(file: string, values: Iterable<unknown> | AsyncIterable<unknown>): Promise<number> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tempPathFor(file);
  const handle = await open(tmp, 'w');
  let count = 0;
  try {
    let chunk: string[] = [];
    let chunkBytes = 0;
    for await (const value of values as AsyncIterable<unknown>) {
      const line = toJsonlLine(value);
      chunk.push(line);
      chunkBytes += line.length;
      count++;
      if (chunkBytes >= 1 << 20) {
        await handle.write(chunk.join(''));
        chunk = [];
        chunkBytes = 0;
      }
    }
    if (chunk.length > 0) await handle.write(chunk.join(''));
    await handle.sync();
    await handle.close();
    await rename(tmp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  return count;
}

/** `writeJsonlAtomic`, synchronously (the values are joined in memory first). */
export function writeJsonlAtomicSync(file: string, values: Iterable<unknown>): number {
  const lines = Array.from(values, toJsonlLine);
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, lines.join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return lines.length;
}

/** A temporary name beside `file` (same directory, so the rename is atomic). */
function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${Date.now().toString(36)}`;
}

/**
 * Append one record as one line, synchronously: a single write, so a process killed at any
 * moment leaves at worst this line torn (call `repairJsonlTailSync` before the first append
 * of a resumed job, as `JsonlAppender.open` does).
 */
export function appendJsonlSync(file: string, value: unknown): void {
  appendFileSync(file, toJsonlLine(value));
}

/**
 * Cut a torn last record (everything after the last newline) off `file`, in place, so
 * appends start on a fresh line. Returns the bytes removed: 0 for a clean or missing file.
 */
export function repairJsonlTailSync(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const keep = lengthThroughLastNewline(fd, size);
    if (keep < size) ftruncateSync(fd, keep);
    return size - keep;
  } finally {
    closeSync(fd);
  }
}

export interface JsonlAppenderOptions {
  /** 'append' (default) keeps what is there and resumes after it; 'truncate' starts empty */
  mode?: 'append' | 'truncate';
  /** fsync after every record: slower, but survives a machine crash, not only a killed process */
  syncEachRecord?: boolean;
}

/**
 * Appends records to a JSONL file, one `write` per record, in call order.
 *
 * Opening in 'append' mode repairs a torn tail first: if the file does not end with a
 * newline, everything after the last newline (a record whose write was cut short) is
 * removed, and `droppedTailBytes` says how much.
 */
export class JsonlAppender {
  readonly file: string;
  /** bytes of a torn last record removed on open (0 when the file was clean) */
  readonly droppedTailBytes: number;
  private readonly handle: FileHandle;
  private readonly syncEachRecord: boolean;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private written = 0;

  private constructor(file: string, handle: FileHandle, droppedTailBytes: number, syncEachRecord: boolean) {
    this.file = file;
    this.handle = handle;
    this.droppedTailBytes = droppedTailBytes;
    this.syncEachRecord = syncEachRecord;
  }

  static async open(file: string, opts: JsonlAppenderOptions = {}): Promise<JsonlAppender> {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    if (opts.mode === 'truncate') await writeFile(file, '');
    const dropped = repairJsonlTailSync(file);
    const handle = await open(file, 'a');
    return new JsonlAppender(file, handle, dropped, opts.syncEachRecord ?? false);
  }

  /** Records appended through this appender so far. */
  get count(): number {
    return this.written;
  }

  /** Append one record; resolves when it is written (and synced, if asked). */
  append(value: unknown): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`JsonlAppender for ${this.file} is closed`));
    const line = toJsonlLine(value);
    const next = this.chain.then(async () => {
      await this.handle.write(line);
      if (this.syncEachRecord) await this.handle.datasync();
      this.written++;
    });
    // later appends wait for this one, but one failure must not wedge the rest
    this.chain = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.handle.sync();
    await this.handle.close();
  }
}

/** Byte length of the file up to and including its last '\n' (0 if there is none). */
function lengthThroughLastNewline(fd: number, size: number): number {
  const block = 64 * 1024;
  let end = size;
  const buf = Buffer.alloc(block);
  while (end > 0) {
    const start = Math.max(0, end - block);
    const bytesRead = readSync(fd, buf, 0, end - start, start);
    const idx = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (idx >= 0) return start + idx + 1;
    end = start;
  }
  return 0;
}

async function fileEndsWithNewline(file: string): Promise<boolean> {
  if (file.endsWith('.gz')) return true; // a torn gzip stream fails in zlib, not here
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size === 0) return true;
    const buf = Buffer.alloc(1);
    await handle.read(buf, 0, 1, size - 1);
    return buf[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

async function assertExists(file: string): Promise<void> {
  try {
    await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [file]);
    throw err;
  }
}
