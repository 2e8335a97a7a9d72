/**
 * One training run end to end: run directory, data, sandbox, engine (fresh, from a base
 * checkpoint, or resumed), optional SFT warm start, validation before training, the RL loop,
 * and a final summary. `coderl train` and `coderl experiment compare` both call this.
 */
import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import { CoderlError } from '../core/index.js';
import { generateCurriculum } from '../curriculum/index.js';
import { createEmbeddedEngine, EmbeddedWorkerPool, loadEmbeddedEngine, type EmbeddedEngine, type Policy } from '../engines/index.js';
import { judgeSandboxOptions } from '../judge/index.js';
import { SandboxPool, type SandboxOptions } from '../sandbox/index.js';
import type { TrainConfig } from './config.js';
import { loadProblems, rewardScorer } from './data.js';
import { RunDirectory } from './run-dir.js';
import { runSft } from './sft.js';
import { Trainer, type StepRecord } from './trainer.js';

export interface RunOptions {
  runDir: string;
  resume: boolean;
  sandbox?: SandboxOptions;
  log?: (line: string) => void;
  onStep?: (record: StepRecord, planned: number) => void;
}

export interface RunSummary {
  runDir: string;
  steps: number;
  resumedFrom: number | null;
  initial: Record<string, number | null>;
  final: Record<string, number | null>;
  seconds: number;
}

/** Config keys a resume may change: how long to train and how often to save. */
function comparableConfig(config: TrainConfig): unknown {
  const { schedule: _schedule, ...rest } = config;
  return rest;
}

async function createEngine(config: TrainConfig): Promise<EmbeddedEngine> {
  const e = config.engine;
  if (e.checkpoint) return loadEmbeddedEngine(e.checkpoint);
  return createEmbeddedEngine({
    model: e.model!,
    runtime: { trainBatch: e.trainBatch, sampleBatch: e.sampleBatch },
    seed: config.seed,
  });
}

export async function runTraining(config: TrainConfig, opts: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const run = RunDirectory.open(opts.runDir, { resume: opts.resume });
  let pool: SandboxPool | undefined;
  let engine: EmbeddedEngine | undefined;
  let workers: EmbeddedWorkerPool | undefined;
  try {
    const stored = run.readConfig();
    const latest = run.latestStep();
    if (stored !== undefined && !isDeepStrictEqual(comparableConfig(stored as TrainConfig), comparableConfig(JSON.parse(JSON.stringify(config)) as TrainConfig))) {
      throw new CoderlError('CRL_ERR_CONFIG_INVALID', [`${opts.runDir}: the config differs from the run's config.json (only schedule.* may change on resume)`]);
    }
    run.writeConfig(config);

    const problems = await loadProblems(config);
    log(`data: ${problems.train.length} train problems, ${problems.heldout.length} held out`);
    // The judge's harness imports a few more modules; preimporting them keeps every job cheap.
    pool = await SandboxPool.create({ ...(config.sandbox.slots ? { slots: config.sandbox.slots } : {}), ...judgeSandboxOptions(), ...opts.sandbox }, log);

    const resumedFrom = latest ?? null;
    engine = resumedFrom !== null ? await loadEmbeddedEngine(path.join(run.checkpointDir(resumedFrom), 'engine')) : await createEngine(config);
    // Data-parallel replicas on worker threads (same results for a fixed worker count).
    if (config.engine.workers > 1) workers = await EmbeddedWorkerPool.fromEngine(engine, { workers: config.engine.workers });
    const policy: Policy = workers ?? engine;
    const trainer = new Trainer({
      config,
      run,
      policy,
      pool,
      scorer: rewardScorer(pool, config),
      train: problems.train,
      heldout: problems.heldout,
      log,
      onStep: (r) => opts.onStep?.(r, trainer.plannedSteps),
    });

    let initial: Record<string, number | null> = {};
    if (resumedFrom !== null) {
      trainer.restore(run.checkpointDir(resumedFrom));
      await run.truncateAfter('metrics.jsonl', resumedFrom);
      await run.truncateAfter('samples.jsonl', resumedFrom);
      await policy.setOptimizer({ lr: config.optimizer.lr, weightDecay: config.optimizer.weightDecay, gradClip: config.optimizer.gradClip });
      log(`resumed from step ${resumedFrom}`);
      initial = ((await run.readRecords('metrics.jsonl')).find((r) => r.step === 0 && r.phase === 'validate') as Record<string, number | null> | undefined) ?? {};
    } else {
      await run.truncateAfter('metrics.jsonl', -1);
      await run.truncateAfter('samples.jsonl', -1);
      if (config.sft.steps > 0 && config.engine.checkpoint === undefined) {
        if (config.data.source !== 'synthetic') {
          throw new CoderlError('CRL_ERR_CONFIG_INVALID', ['sft.steps > 0 needs data.source synthetic (SFT pairs come from the curriculum)']);
        }
        const c = config.data.curriculum;
        const cur = generateCurriculum({ seed: c.seed, maxTrain: c.train, maxHeldout: c.heldout });
        const sft = await runSft(policy, pool, cur.train, {
          ...config.sft,
          seed: config.seed,
          suffix: c.suffix,
          esaTemplate: config.esa.template,
          onStep: (s, loss) => {
            if (s % 20 === 0 || s === config.sft.steps) log(`sft step ${s}/${config.sft.steps} loss ${loss.toFixed(4)}`);
          },
        });
        run.append('metrics.jsonl', { step: 0, phase: 'sft', 'sft/steps': sft.losses.length, 'sft/final_loss': sft.losses.at(-1) ?? null, 'sft/pairs_codegen': sft.pairs.codegen, 'sft/pairs_exec_pred': sft.pairs.execPred, 'sft/pairs_too_long': sft.pairs.tooLong });
      }
      // The KL reference is the policy RL starts from (verl: the initial actor).
      await policy.setReferenceToCurrent();
      await policy.setOptimizer({ lr: config.optimizer.lr, weightDecay: config.optimizer.weightDecay, gradClip: config.optimizer.gradClip });
      if (config.validation.beforeTrain) {
        initial = await trainer.validate();
        run.append('metrics.jsonl', { step: 0, phase: 'validate', ...initial });
        log(`before training: held-out pass@1 ${String(initial['val/pass@1'])}`);
      }
      await trainer.checkpoint();
    }
    await trainer.run();
    const final = await trainer.validate();
    run.append('metrics.jsonl', { step: trainer.currentStep, phase: 'final', ...final });
    log(`after training: held-out pass@1 ${String(final['val/pass@1'])}`);
    return { runDir: run.dir, steps: trainer.currentStep, resumedFrom, initial, final, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await workers?.close();
    await engine?.close();
    await pool?.close();
    run.unlock();
  }
}
