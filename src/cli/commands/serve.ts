/**
 * `coderl serve`: the HTTP service (src/server): SandboxFusion-compatible /run_code,
 * /score, ESA extraction and buffers, and the run dashboard. Runs until SIGINT/SIGTERM,
 * then drains: accepted requests finish (or fail after --grace-ms), new ones get 503.
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { judgeSandboxOptions, PRESETS } from '../../judge/index.js';
import { SandboxPool } from '../../sandbox/index.js';
import { buildService } from '../../server/index.js';
import { loadChatTokenizer } from '../../tokenizers/index.js';
import { addSandboxOptions, SandboxCliOptionsSchema, sandboxOptionsFrom } from '../options.js';

const ServeOptionsSchema = SandboxCliOptionsSchema.extend({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  token: z.string().min(1).optional(),
  runsDir: z.string().default('runs'),
  maxQueue: z.coerce.number().int().min(0).default(64),
  bodyLimitMb: z.coerce.number().positive().default(8),
  maxTimeoutMs: z.coerce.number().int().positive().default(60_000),
  maxBatch: z.coerce.number().int().positive().default(4096),
  preset: z.enum(PRESETS).default('reference'),
  reward: z.enum(['binary', 'fraction']).default('binary'),
  strategy: z.enum(['probe', 'single']).default('probe'),
  timeoutMs: z.coerce.number().int().positive().optional(),
  tokenizer: z.string().optional(),
  bufferStrategy: z.enum(['recent', 'random', 'balanced']).default('recent'),
  bufferCapacity: z.coerce.number().int().positive().default(20000),
  buffersDir: z.string().optional(),
  uidBase: z.coerce.number().int().min(1000).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  graceMs: z.coerce.number().int().min(0).default(30_000),
});

export const serveCommand = addSandboxOptions(
  new Command('serve')
    .description('HTTP service: SandboxFusion-compatible /run_code, /score, ESA extraction and sampling, and the run dashboard')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option('--token <token>', 'require Authorization: Bearer <token> (or ?token=); default $CODERL_TOKEN')
    .option('--runs-dir <dir>', 'training runs shown by the dashboard', 'runs')
    .option('--max-queue <n>', 'programs that may wait for a sandbox slot before requests get 429', '64')
    .option('--body-limit-mb <n>', 'largest request body', '8')
    .option('--max-timeout-ms <n>', 'longest per-program time limit a request may ask for', '60000')
    .option('--max-batch <n>', 'most cases or rollouts in one request', '4096')
    .addOption(new Option('--preset <preset>', 'judging semantics for /score').choices([...PRESETS]).default('reference'))
    .addOption(new Option('--reward <mode>', 'code-generation reward for /score').choices(['binary', 'fraction']).default('binary'))
    .addOption(new Option('--strategy <s>', 'test strategy for /score').choices(['probe', 'single']).default('probe'))
    .option('--timeout-ms <n>', 'per-test timeout for /score (default 6000, the reference)')
    .option('--tokenizer <dir>', "the policy's tokenizer directory: enables the ESA prompt-length filter")
    .addOption(new Option('--buffer-strategy <s>', 'ESA buffer sampling').choices(['recent', 'random', 'balanced']).default('recent'))
    .option('--buffer-capacity <n>', 'ESA buffer capacity', '20000')
    .option('--buffers-dir <dir>', 'save ESA buffers there after every addition and restore them at start')
    .option('--uid-base <n>', 'first sandbox uid (default 61000); separate pools need separate ranges')
    .addOption(new Option('--log-level <level>', 'pino log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .option('--grace-ms <n>', 'on SIGTERM/SIGINT, how long accepted requests may take to finish', '30000'),
).action(async function (this: Command) {
  const raw = this.opts();
  const opts = ServeOptionsSchema.parse({ ...raw, token: raw.token ?? (process.env.CODERL_TOKEN || undefined) });
  const tokenCounter = opts.tokenizer !== undefined ? await loadChatTokenizer(opts.tokenizer) : undefined;
  const pool = await SandboxPool.create({
    ...sandboxOptionsFrom(opts),
    ...(opts.uidBase !== undefined ? { uidBase: opts.uidBase } : {}),
    ...judgeSandboxOptions(),
  });
  let service: ReturnType<typeof buildService>;
  try {
    service = buildService({
    pool,
    maxQueue: opts.maxQueue,
    bodyLimitBytes: Math.round(opts.bodyLimitMb * 1024 * 1024),
    logger: { level: opts.logLevel },
    ...(tokenCounter ? { tokenCounter } : {}),
    settings: {
      token: opts.token,
      runsDir: opts.runsDir,
      maxTimeoutMs: opts.maxTimeoutMs,
      maxBatch: opts.maxBatch,
      podName: process.env.MY_POD_NAME ?? null,
      scoring: { preset: opts.preset, codegenReward: opts.reward, strategy: opts.strategy, ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}) },
      buffer: { capacity: opts.bufferCapacity, strategy: opts.bufferStrategy, maxBuffers: 64, ...(opts.buffersDir !== undefined ? { dir: opts.buffersDir } : {}) },
    },
    });
  } catch (err) {
    await pool.close();
    throw err;
  }
  const stop = (signal: string) => {
    service.app.log.info({ signal }, 'draining');
    service.shutdown(opts.graceMs).then(
      () => process.exit(0),
      (err: unknown) => {
        service.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  try {
    await service.app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await pool.close();
    throw err;
  }
});
