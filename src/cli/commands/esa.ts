/**
 * `coderl esa`: the execution-semantics-alignment stage on files.
 *
 * `coderl esa extract --rollouts ROLLOUTS.jsonl --out TASKS.jsonl` turns one step's
 * rollouts (lines {data_source, response, reward, reward_model: {ground_truth}, step})
 * into ESA task records (verl rows, docs/esa.md), one per line in rollout order, and
 * prints the step's filter statistics on stderr like the reference's log.
 */
import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { CoderlError } from '../../core/index.js';
import { parseJsonlRecord, readJsonl, writeJsonlAtomic } from '../../data/index.js';
import {
  DEFAULT_MAX_PROMPT_TOKENS,
  DEFAULT_MAX_VARIABLES,
  ESA_EXEC_TIMEOUT_MS,
  PROMPT_TEMPLATES,
  RolloutRecordSchema,
  VARIABLE_SETS,
  formatStats,
  synthesizeEsaTasks,
  type PromptTokenCounter,
  type RolloutRecord,
} from '../../esa/index.js';
import { SandboxPool } from '../../sandbox/index.js';
import { loadChatTokenizer } from '../../tokenizers/index.js';
import { addSandboxOptions, SandboxCliOptionsSchema, sandboxOptionsFrom } from '../options.js';

const ExtractOptionsSchema = SandboxCliOptionsSchema.extend({
  rollouts: z.string(),
  out: z.string(),
  tokenizer: z.string().optional(),
  maxPromptTokens: z.coerce.number().int().positive().default(DEFAULT_MAX_PROMPT_TOKENS),
  template: z.enum(PROMPT_TEMPLATES).default('reference'),
  variables: z.enum(VARIABLE_SETS).default('reference'),
  maxVariables: z.coerce.number().int().min(0).default(DEFAULT_MAX_VARIABLES),
  minComplexity: z.coerce.number().int().default(0),
  maxComplexity: z.coerce.number().int().default(100),
  timeoutMs: z.coerce.number().int().positive().default(ESA_EXEC_TIMEOUT_MS),
  statsJson: z.string().optional(),
  uidBase: z.coerce.number().int().min(1000).optional(),
});
type ExtractOptions = z.infer<typeof ExtractOptionsSchema>;

export interface EsaIo {
  stderr: NodeJS.WritableStream;
}

/** All rollout lines of the file; they must share one step (a file is one step). */
async function readRollouts(file: string): Promise<{ rows: RolloutRecord[]; step: number }> {
  const rows: RolloutRecord[] = [];
  let step: number | undefined;
  for await (const line of readJsonl(file)) {
    const row = parseJsonlRecord(RolloutRecordSchema, line, file);
    if (step === undefined) step = row.step;
    else if (row.step !== step) {
      throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${file} line ${line.lineNumber}: field "step": ${row.step}, but earlier lines are step ${step} (one file is one step)`]);
    }
    rows.push(row);
  }
  return { rows, step: step ?? 0 };
}

export async function runEsaExtract(opts: ExtractOptions, io: EsaIo): Promise<number> {
  const say = (line: string) => io.stderr.write(`esa: ${line}\n`);
  const { rows, step } = await readRollouts(opts.rollouts);
  let tokenCounter: PromptTokenCounter | undefined;
  if (opts.tokenizer !== undefined) {
    tokenCounter = await loadChatTokenizer(opts.tokenizer);
  } else {
    say('no --tokenizer: the prompt-length filter is skipped');
  }
  const started = Date.now();
  const sandbox = { ...sandboxOptionsFrom(opts), ...(opts.uidBase !== undefined ? { uidBase: opts.uidBase } : {}) };
  const pool = await SandboxPool.create(sandbox, (line) => io.stderr.write(line + '\n'));
  try {
    const result = await synthesizeEsaTasks(pool, rows, {
      step,
      template: opts.template,
      variables: opts.variables,
      maxVariables: opts.maxVariables,
      minComplexity: opts.minComplexity,
      maxComplexity: opts.maxComplexity,
      maxPromptTokens: opts.maxPromptTokens,
      exec: { timeoutMs: opts.timeoutMs },
      ...(tokenCounter ? { tokenCounter } : {}),
    });
    await writeJsonlAtomic(opts.out, result.tasks);
    if (opts.statsJson !== undefined) {
      // per-rollout decisions beside the counters, for dashboards and debugging
      const decisions = result.traces.map((t) => ({ decision: t.decision, ...(t.execError ? { exec_error: t.execError } : {}), ...(t.complexity !== undefined ? { complexity: t.complexity } : {}) }));
      await writeFile(opts.statsJson, JSON.stringify({ stats: result.stats, decisions }, null, 1) + '\n');
    }
    for (const line of formatStats(result.stats)) say(line);
    say(`wrote ${result.tasks.length} task(s) to ${opts.out} in ${((Date.now() - started) / 1000).toFixed(1)} s (${pool.info().slots} sandbox slot(s))`);
  } finally {
    await pool.close();
  }
  return 0;
}

const extractCommand = addSandboxOptions(
  new Command('extract')
    .description("turn one step's failed rollouts into ESA task records (verl rows), one per line")
    .requiredOption('--rollouts <file>', 'JSONL of {data_source, response, reward, reward_model: {ground_truth}, step}; one file = one step')
    .requiredOption('--out <file>', 'where to write the task records (JSONL)')
    .option('--tokenizer <dir>', "policy tokenizer dir (tokenizer.json + chat template) for the prompt-length filter; without it the filter is skipped")
    .option('--max-prompt-tokens <n>', 'prompt-length limit in tokens', String(DEFAULT_MAX_PROMPT_TOKENS))
    .addOption(new Option('--template <name>', 'prompt template').choices([...PROMPT_TEMPLATES]).default('reference'))
    .addOption(new Option('--variables <set>', 'which variables to ask about').choices([...VARIABLE_SETS]).default('reference'))
    .option('--max-variables <n>', 'variables per task (the last n)', String(DEFAULT_MAX_VARIABLES))
    .option('--min-complexity <n>', 'cyclomatic complexity window, low end', '0')
    .option('--max-complexity <n>', 'cyclomatic complexity window, high end (unparsable code is 999)', '100')
    .option('--timeout-ms <n>', 'wall-clock limit per program run', String(ESA_EXEC_TIMEOUT_MS))
    .option('--stats-json <file>', 'also write the statistics and each rollout\'s decision as JSON')
    .option('--uid-base <n>', 'first sandbox uid (default 61000); concurrent pools need separate ranges'),
).action(async function (this: Command) {
  const opts = ExtractOptionsSchema.parse(this.opts());
  process.exitCode = await runEsaExtract(opts, { stderr: process.stderr });
});

export const esaCommand = new Command('esa').description('execution-semantics alignment: ESA tasks from failed rollouts').addCommand(extractCommand);
