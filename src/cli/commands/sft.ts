/**
 * `coderl sft`: the supervised warm start on its own — a fresh embedded model trained on the
 * curriculum's problem → solution and execution-prediction pairs, saved as a checkpoint.
 * The shipped base checkpoint (checkpoints/tiny-base) is this command's output:
 *
 *   coderl sft --preset tiny --steps 600 --out checkpoints/tiny-base
 */
import { Command, Option } from 'commander';
import { z } from 'zod';
import { CoderlError } from '../../core/index.js';
import { generateCurriculum } from '../../curriculum/index.js';
import { createEmbeddedEngine, saveCheckpoint } from '../../engines/index.js';
import { judgeSandboxOptions } from '../../judge/index.js';
import { SandboxPool } from '../../sandbox/index.js';
import { resolveTrainConfig } from '../../trainer/config.js';
import { runSft } from '../../trainer/sft.js';
import { addSandboxOptions, parseCliOptions, SandboxCliOptionsSchema, sandboxOptionsFrom } from '../options.js';

const SftOptionsSchema = SandboxCliOptionsSchema.extend({
  preset: z.string().default('tiny'),
  config: z.string().optional(),
  out: z.string().min(1),
  steps: z.coerce.number().int().positive().optional(),
  seed: z.coerce.number().int().optional(),
});

export const sftCommand = addSandboxOptions(
  new Command('sft')
    .description('supervised warm start of a fresh embedded model on the synthetic curriculum; writes a checkpoint')
    .addOption(new Option('--preset <name>', 'config preset for the model, curriculum and SFT settings').default('tiny'))
    .addOption(new Option('--config <file.yaml>', 'YAML config layered over the preset'))
    .requiredOption('--out <dir>', 'checkpoint directory to write')
    .addOption(new Option('--steps <n>', 'optimiser steps (default: the config\'s sft.steps)'))
    .addOption(new Option('--seed <n>', 'seed of initialisation and batches')),
).action(async (raw: unknown) => {
  const o = parseCliOptions(SftOptionsSchema, raw, 'sft');
  // A base checkpoint is built from scratch, whatever engine the preset would start from.
  const config = resolveTrainConfig({ preset: o.preset, ...(o.config ? { file: o.config } : {}), overrides: { ...(o.seed !== undefined ? { seed: o.seed } : {}) } });
  const model = config.engine.model;
  if (!model) throw new CoderlError('CRL_ERR_CONFIG_INVALID', [`preset ${o.preset}: engine.model is needed to build a fresh model`]);
  if (config.data.source !== 'synthetic') throw new CoderlError('CRL_ERR_CONFIG_INVALID', ['sft needs data.source synthetic']);
  const steps = o.steps ?? config.sft.steps;
  const c = config.data.curriculum;
  const pool = await SandboxPool.create({ ...sandboxOptionsFrom(o), ...judgeSandboxOptions() });
  const engine = await createEmbeddedEngine({ model, runtime: { trainBatch: config.engine.trainBatch, sampleBatch: config.engine.sampleBatch }, seed: config.seed });
  try {
    const t0 = performance.now();
    const cur = generateCurriculum({ seed: c.seed, maxTrain: c.train, maxHeldout: c.heldout });
    const result = await runSft(engine, pool, cur.train, {
      ...config.sft,
      steps,
      seed: config.seed,
      suffix: c.suffix,
      esaTemplate: config.esa.template,
      onStep: (s, loss) => {
        if (s % 25 === 0 || s === steps) process.stderr.write(`sft step ${s}/${steps} loss ${loss.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      },
    });
    // Weights only: RL starts its own optimiser moments and takes this policy as its KL reference.
    const state = await engine.exportState();
    await saveCheckpoint(o.out, engine.config, { ...state, ref: null, m: null, v: null, step: 0 });
    process.stdout.write(JSON.stringify({ out: o.out, steps, pairs: result.pairs, finalLoss: result.losses.at(-1) ?? null, seconds: (performance.now() - t0) / 1000 }, null, 2) + '\n');
  } finally {
    await engine.close();
    await pool.close();
  }
});
