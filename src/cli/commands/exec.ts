/**
 * `coderl exec`: run one Python file, or a JSONL batch of jobs, in the sandbox and print
 * JSON results. Batch results come out in input order, one line per job, while jobs run
 * in parallel over the pool; a malformed line stops reading (results so far are kept)
 * and is reported with its line number.
 */
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { CoderlError } from '../../core/index.js';
import { parseJsonlRecord, readJsonl } from '../../data/index.js';
import {
  BatchJobLineSchema,
  CAPTURE_MODES,
  SandboxPool,
  type CaptureMode,
  type SandboxJob,
} from '../../sandbox/index.js';
import { addSandboxOptions, SandboxCliOptionsSchema, sandboxOptionsFrom } from '../options.js';

const ExecOptionsSchema = SandboxCliOptionsSchema.extend({
  stdin: z.string().optional(),
  stdinFile: z.string().optional(),
  timeoutMs: z.coerce.number().int().positive().optional(),
  memoryMb: z.coerce.number().int().positive().optional(),
  capture: z.enum(CAPTURE_MODES).default('none'),
  batch: z.string().optional(),
}).refine((o) => !(o.stdin !== undefined && o.stdinFile !== undefined), { message: 'give --stdin or --stdin-file, not both' });

type ExecOptions = z.infer<typeof ExecOptionsSchema>;

export interface ExecIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

async function writeLine(out: NodeJS.WritableStream, obj: unknown): Promise<void> {
  if (!out.write(JSON.stringify(obj) + '\n')) await once(out, 'drain');
}

function readInput(path: string, what: string): string {
  if (!existsSync(path)) throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [`${what} ${path}`]);
  return readFileSync(path, 'utf8');
}

/** Lines of a batch file as jobs; throws CRL_ERR_INPUT_INVALID naming the line. */
async function* batchJobs(path: string, fallback: { capture: CaptureMode; timeoutMs?: number; memoryMb?: number }): AsyncGenerator<SandboxJob> {
  if (!existsSync(path)) throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [`batch file ${path}`]);
  for await (const line of readJsonl(path)) {
    const job = parseJsonlRecord(BatchJobLineSchema, line, path);
    const timeoutMs = job.timeout_ms ?? fallback.timeoutMs;
    const memoryMb = job.memory_mb ?? fallback.memoryMb;
    yield {
      id: job.id,
      code: job.code,
      stdin: job.stdin,
      capture: job.capture ?? fallback.capture,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(memoryMb !== undefined ? { memoryMb } : {}),
    };
  }
}

export async function runExec(file: string | undefined, opts: ExecOptions, io: ExecIo): Promise<number> {
  if (!file && !opts.batch) throw new CoderlError('CRL_ERR_CONFIG_INVALID', ['give a FILE.py or --batch JOBS.jsonl']);
  if (file && opts.batch) throw new CoderlError('CRL_ERR_CONFIG_INVALID', ['give either a FILE.py or --batch, not both']);
  const limits = {
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.memoryMb !== undefined ? { memoryMb: opts.memoryMb } : {}),
  };
  const pool = await SandboxPool.create(sandboxOptionsFrom(opts), (line) => io.stderr.write(line + '\n'));
  try {
    if (file) {
      const code = readInput(file, 'program');
      const stdin = opts.stdinFile !== undefined ? readInput(opts.stdinFile, 'stdin file') : (opts.stdin ?? '');
      const result = await pool.run({ code, stdin, capture: opts.capture, ...limits });
      await writeLine(io.stdout, result);
      return 0;
    }
    const results = pool.runMany(batchJobs(opts.batch as string, { capture: opts.capture, ...limits }));
    for await (const result of results) await writeLine(io.stdout, result);
    return 0;
  } finally {
    await pool.close();
  }
}

export const execCommand = addSandboxOptions(
  new Command('exec')
    .description('run a Python file (or a JSONL batch of jobs) in the sandbox and print JSON results')
    .argument('[file]', 'Python program to run')
    .option('--stdin <text>', 'text to feed on standard input')
    .option('--stdin-file <path>', 'file to feed on standard input')
    .option('--timeout-ms <n>', 'wall-clock limit per run (default 6000)')
    .option('--memory-mb <n>', 'address-space limit per run (default 1024)')
    .addOption(new Option('--capture <mode>', 'variable capture').choices([...CAPTURE_MODES]).default('none'))
    .option('--batch <jobs.jsonl>', 'run lines {"id","code","stdin","timeout_ms"?} and write one result line per job, in order'),
).action(async function (this: Command, file: string | undefined) {
  const opts = ExecOptionsSchema.parse(this.opts());
  process.exitCode = await runExec(file, opts, { stdout: process.stdout, stderr: process.stderr });
});
