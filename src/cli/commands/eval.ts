/**
 * `coderl eval`: run one benchmark for one model — an OpenAI-compatible server
 * (--endpoint/--model), a local checkpoint of the embedded engine (--checkpoint), or a
 * file of pre-generated samples (--samples) — and print the result table. Everything is
 * written under --out (see src/eval/runner.ts); rerunning the same command resumes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { z } from 'zod';
import { CoderlError } from '../../core/index.js';
import { judgeSandboxOptions } from '../../judge/index.js';
import { SandboxPool } from '../../sandbox/index.js';
import { getBenchmark } from '../../eval/benchmarks/index.js';
import { OpenAIGenerator, type Generator } from '../../eval/client.js';
import { downloadBenchmark } from '../../eval/datasets/hub.js';
import { runEval, type EvalSource } from '../../eval/runner.js';
import { BENCHMARK_NAMES, type BenchmarkName } from '../../eval/types.js';
import { addSandboxOptions, SandboxCliOptionsSchema, sandboxOptionsFrom } from '../options.js';

const intOpt = z.coerce.number().int();
const EvalOptionsSchema = SandboxCliOptionsSchema.extend({
  benchmark: z.enum(BENCHMARK_NAMES),
  data: z.string(),
  endpoint: z.string().url().optional(),
  model: z.string().optional(),
  apiKey: z.string().optional(),
  api: z.enum(['chat', 'completion']).default('chat'),
  checkpoint: z.string().optional(),
  samples: z.string().optional(),
  n: intOpt.positive().optional(),
  temperature: z.coerce.number().min(0).optional(),
  maxTokens: intOpt.positive().optional(),
  concurrency: intOpt.positive().default(8),
  requestTimeoutS: z.coerce.number().positive().default(600),
  retries: intOpt.min(0).default(5),
  k: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'a comma-separated list of positive integers')
    .transform((s) => s.split(',').map(Number))
    .optional(),
  limit: intOpt.positive().optional(),
  cot: z.boolean().default(false),
  systemPrompt: z.string().optional(),
  startDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').optional(),
  endDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD').optional(),
  out: z.string().optional(),
  allowPartial: z.boolean().default(false),
  download: z.boolean().default(false),
  release: z.string().default('release_v4'),
  progress: z.boolean().default(true),
});
type EvalOptions = z.infer<typeof EvalOptionsSchema>;

export interface EvalIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

async function openSource(opts: EvalOptions): Promise<{ source: EvalSource; generator?: Generator }> {
  const given = [opts.endpoint !== undefined, opts.checkpoint !== undefined, opts.samples !== undefined].filter(Boolean).length;
  if (given !== 1) throw new CoderlError('CRL_ERR_CONFIG_INVALID', ['give exactly one of --endpoint URL (with --model), --checkpoint DIR, --samples FILE']);
  if (opts.samples !== undefined) return { source: { kind: 'samples', file: opts.samples, allowPartial: opts.allowPartial } };
  if (opts.endpoint !== undefined) {
    if (!opts.model) throw new CoderlError('CRL_ERR_CONFIG_INVALID', ['--endpoint needs --model NAME (the model name the server serves)']);
    const generator = new OpenAIGenerator({
      baseURL: opts.endpoint,
      model: opts.model,
      ...(opts.apiKey !== undefined ? { apiKey: opts.apiKey } : {}),
      api: opts.api,
      timeoutMs: opts.requestTimeoutS * 1000,
      maxRetries: opts.retries,
      concurrency: opts.concurrency,
    });
    return { source: { kind: 'generator', generator }, generator };
  }
  const { EngineGenerator } = await import('../../eval/engine-generator.js');
  const generator = await EngineGenerator.open(opts.checkpoint as string, opts.api);
  return { source: { kind: 'generator', generator }, generator };
}

export async function runEvalCommand(opts: EvalOptions, io: EvalIo): Promise<number> {
  const benchmark = getBenchmark(opts.benchmark);
  if (opts.download) {
    await downloadBenchmark(opts.benchmark as BenchmarkName, opts.data, { release: opts.release, log: (l) => io.stderr.write(l + '\n') });
  }
  const systemPrompt = opts.systemPrompt !== undefined ? readFileSync(opts.systemPrompt, 'utf8') : undefined;
  const outDir = opts.out ?? path.join('eval-out', opts.benchmark);
  const { source, generator } = await openSource(opts);
  // LiveCodeBench grades through the judge: its harness preloaded, its modules preimported.
  const pool = await SandboxPool.create({ ...sandboxOptionsFrom(opts), ...judgeSandboxOptions() }, (line) => io.stderr.write(line + '\n'));
  const bar = opts.progress && io.stderr.isTTY ? new SingleBar({ format: '{phase} [{bar}] {value}/{total} {eta_formatted}', stream: io.stderr, hideCursor: true }) : undefined;
  let phase = '';
  try {
    const outcome = await runEval({
      benchmark,
      dataPath: opts.data,
      outDir,
      source,
      pool,
      ...(opts.n !== undefined ? { n: opts.n } : {}),
      ...(opts.temperature !== undefined ? { temperature: opts.temperature } : {}),
      ...(opts.maxTokens !== undefined ? { maxTokens: opts.maxTokens } : {}),
      concurrency: opts.concurrency,
      ...(opts.k !== undefined ? { ks: opts.k } : {}),
      ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
      promptOptions: { cot: opts.cot, ...(systemPrompt !== undefined ? { systemPrompt } : {}) },
      loadOptions: { ...(opts.startDate ? { startDate: opts.startDate } : {}), ...(opts.endDate ? { endDate: opts.endDate } : {}) },
      onProgress: (p, done, total) => {
        if (!bar) return;
        if (p !== phase) {
          if (phase) bar.stop();
          phase = p;
          bar.start(total, done, { phase: p === 'generate' ? 'generating' : 'scoring   ' });
        } else bar.update(done);
      },
    });
    bar?.stop();
    io.stdout.write(outcome.table + '\n');
    io.stderr.write(`wrote ${path.join(outDir, 'summary.json')} (${outcome.generated} new generations, ${outcome.executed} programs run)\n`);
    return 0;
  } finally {
    bar?.stop();
    await pool.close();
    await generator?.close?.();
  }
}

export const evalCommand = addSandboxOptions(
  new Command('eval')
    .description('evaluate a model (OpenAI-compatible endpoint, local checkpoint, or samples file) on a benchmark')
    .addOption(new Option('--benchmark <name>', 'benchmark').choices([...BENCHMARK_NAMES]).makeOptionMandatory())
    .requiredOption('--data <path>', 'benchmark data: a file in the upstream format, or a directory holding it')
    .option('--endpoint <url>', 'OpenAI-compatible base URL, e.g. http://localhost:8000/v1')
    .option('--model <name>', 'model name to request from --endpoint')
    .option('--api-key <key>', 'API key for --endpoint (default: $OPENAI_API_KEY, else "EMPTY")')
    .addOption(new Option('--api <kind>', 'chat (messages) or completion (raw text prompt)').choices(['chat', 'completion']).default('chat'))
    .option('--checkpoint <dir>', 'a checkpoint of the embedded engine')
    .option('--samples <file>', 'score a JSONL of {"task_id","completion"} (CRUXEval/LCB reasoning: {"id","prediction"}; or "response" to extract)')
    .option('--n <n>', 'samples per task (default: the benchmark\'s: 1, or 10 for LCB codegen/test output)')
    .option('--temperature <t>', 'sampling temperature (default: the benchmark\'s)')
    .option('--max-tokens <n>', 'max new tokens per sample (default: the benchmark\'s)')
    .option('--concurrency <n>', 'requests in flight', '8')
    .option('--request-timeout-s <s>', 'per-request timeout', '600')
    .option('--retries <n>', 'retries per request (timeouts, 429, 5xx, connection errors)', '5')
    .option('--k <list>', 'pass@k values, e.g. 1,5,10 (default: 1, 5, 10, 100 up to n, and n)')
    .option('--limit <n>', 'only the first N tasks')
    .option('--cot', 'chain-of-thought prompt variant (CRUXEval)')
    .option('--system-prompt <file>', 'system message for every prompt (an empty file: none)')
    .option('--start-date <YYYY-MM-DD>', 'LiveCodeBench: first contest date')
    .option('--end-date <YYYY-MM-DD>', 'LiveCodeBench: last contest date')
    .option('--out <dir>', 'run directory (default eval-out/<benchmark>); rerun to resume')
    .option('--allow-partial', 'with --samples: score only the tasks that have samples')
    .option('--download', 'fetch the benchmark data from its upstream hub into --data first')
    .option('--release <version>', 'LiveCodeBench code generation release for --download', 'release_v4')
    .option('--no-progress', 'no progress bar'),
).action(async function (this: Command) {
  const opts = EvalOptionsSchema.parse(this.opts());
  process.exitCode = await runEvalCommand(opts, { stdout: process.stdout, stderr: process.stderr });
});
