/**
 * `coderl score --batch CASES.jsonl`: reward one JSONL case per line, like verl's
 * compute_score(data_source, solution_str, ground_truth, extra_info), and write one JSON
 * line per case, in input order, while cases run in parallel over the sandbox pool.
 *
 * A bad line does not stop the batch: it gets a `{"line", "error": {code, message}}`
 * record in its place (so line N of the output is always case N), and the command exits
 * with status 2 after finishing the others.
 */
import { createReadStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { CoderlError, isCoderlError } from '../../core/index.js';
import { SandboxPool } from '../../sandbox/index.js';
import { judgeSandboxOptions, PRESETS } from '../../judge/index.js';
import { computeScore, ScoreCaseSchema, type ScoreContext } from '../../rewards/index.js';
import { addSandboxOptions, SandboxCliOptionsSchema, sandboxOptionsFrom } from '../options.js';

const ScoreOptionsSchema = SandboxCliOptionsSchema.extend({
  batch: z.string(),
  preset: z.enum(PRESETS).default('reference'),
  reward: z.enum(['binary', 'fraction']).default('binary'),
  timeoutMs: z.coerce.number().int().positive().optional(),
  window: z.coerce.number().int().positive().optional(),
  uidBase: z.coerce.number().int().min(1000).optional(),
  strategy: z.enum(['probe', 'single']).default('probe'),
});
type ScoreOptions = z.infer<typeof ScoreOptionsSchema>;


export interface ScoreIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

type Outcome = Record<string, unknown>;

function errorRecord(lineNo: number, id: unknown, err: unknown): Outcome {
  const code = isCoderlError(err) ? err.code : 'CRL_ERR_INPUT_INVALID';
  return { line: lineNo, ...(id !== undefined ? { id } : {}), error: { code, message: (err as Error).message } };
}

function parseLine(path: string, lineNo: number, line: string): z.infer<typeof ScoreCaseSchema> {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (err) {
    throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${path} line ${lineNo}: not JSON (${(err as Error).message})`]);
  }
  const parsed = ScoreCaseSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${path} line ${lineNo}: field ${issue?.path.join('.') || '(line)'}: ${issue?.message ?? 'invalid'}`]);
  }
  return parsed.data;
}

async function scoreLine(path: string, lineNo: number, line: string, ctx: ScoreContext): Promise<Outcome> {
  let id: unknown;
  try {
    const c = parseLine(path, lineNo, line);
    id = c.id;
    const r = await computeScore(
      { dataSource: c.data_source, solutionStr: c.solution_str, groundTruth: c.ground_truth, ...(c.extra_info ? { extraInfo: c.extra_info } : {}) },
      ctx,
    );
    return { line: lineNo, ...(id !== undefined ? { id } : {}), score: r.score, kind: r.kind, details: r.details };
  } catch (err) {
    if (!isCoderlError(err)) throw err;
    return errorRecord(lineNo, id, err);
  }
}

async function writeLine(out: NodeJS.WritableStream, obj: unknown): Promise<void> {
  const text = JSON.stringify(obj, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  if (!out.write(text + '\n')) await once(out, 'drain');
}

export async function runScore(opts: ScoreOptions, io: ScoreIo): Promise<number> {
  if (!existsSync(opts.batch)) throw new CoderlError('CRL_ERR_INPUT_NOT_FOUND', [`batch file ${opts.batch}`]);
  const pool = await SandboxPool.create({ ...sandboxOptionsFrom(opts), ...(opts.uidBase !== undefined ? { uidBase: opts.uidBase } : {}), ...judgeSandboxOptions() }, (l) => io.stderr.write(l + '\n'));
  const ctx: ScoreContext = { pool, preset: opts.preset, codegenReward: opts.reward, strategy: opts.strategy, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) };
  const window = opts.window ?? 2 * pool.info().slots;
  let bad = 0;
  try {
    const lines = createInterface({ input: createReadStream(opts.batch, 'utf8'), crlfDelay: Infinity });
    const pending: Promise<Outcome>[] = [];
    const flushOne = async () => {
      const outcome = await (pending.shift() as Promise<Outcome>);
      if ('error' in outcome) bad++;
      await writeLine(io.stdout, outcome);
    };
    let lineNo = 0;
    for await (const line of lines) {
      lineNo++;
      if (!line.trim()) continue;
      const p = scoreLine(opts.batch, lineNo, line, ctx);
      p.catch(() => undefined); // observed in order by flushOne
      pending.push(p);
      // Backpressure: at most `window` cases in flight or waiting to be written.
      while (pending.length >= window) await flushOne();
    }
    while (pending.length) await flushOne();
  } finally {
    await pool.close();
  }
  if (bad) io.stderr.write(`coderl score: ${bad} line(s) could not be scored (see their "error" records)\n`);
  return bad ? 2 : 0;
}

export const scoreCommand = addSandboxOptions(
  new Command('score')
    .description('compute rewards for a JSONL batch of {data_source, solution_str, ground_truth, extra_info?} cases')
    .requiredOption('--batch <cases.jsonl>', 'cases to score, one JSON object per line')
    .addOption(new Option('--preset <preset>', 'judging semantics').choices([...PRESETS]).default('reference'))
    .addOption(new Option('--reward <mode>', 'code-generation reward').choices(['binary', 'fraction']).default('binary'))
    .option('--timeout-ms <n>', 'per-test timeout (default 6000, the reference)')
    .addOption(new Option('--strategy <s>', 'probe: test 1 alone first, then all; single: all tests in one job').choices(['probe', 'single']).default('probe'))
    .option('--window <n>', 'cases in flight at once (default 2 × slots)')
    .option('--uid-base <n>', 'first sandbox uid (default 61000); separate pools need separate ranges'),
).action(async function (this: Command) {
  const opts = ScoreOptionsSchema.parse(this.opts());
  process.exitCode = await runScore(opts, { stdout: process.stdout, stderr: process.stderr });
});
