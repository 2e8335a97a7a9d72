/**
 * `coderl experiment compare`: RLVR (ESA ratio 0) against CodeRL+ (the preset's ratio) on the
 * same seeds, everything else equal. Each (arm, seed) is a normal run directory under the
 * experiment directory; after training, the final policy is also asked to predict executions
 * of held-out programs (the paper's "code reasoning" signal on the curriculum). One JSON line
 * per finished run goes to results.jsonl as it completes, so an interrupted experiment resumes
 * by skipping finished runs; results.md holds the table.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CoderlError } from '../core/index.js';
import { execPredictionPairs, generateCurriculum } from '../curriculum/index.js';
import { appendJsonlSync, readJsonlAll, repairJsonlTailSync } from '../data/index.js';
import { loadEmbeddedEngine, type ChatMessage } from '../engines/index.js';
import { judgeSandboxOptions } from '../judge/index.js';
import { computeScore, type EsaDetails } from '../rewards/index.js';
import { SandboxPool, type SandboxOptions } from '../sandbox/index.js';
import { mean } from './batch-math.js';
import { parseTrainConfig, resolveTrainConfig, type ConfigPatch, type TrainConfig } from './config.js';
import { checkpointName } from './run-dir.js';
import { runTraining } from './run.js';

export interface CompareOptions {
  preset: string;
  configFile?: string;
  seeds: number[];
  outDir: string;
  /** the CodeRL+ arm's ratio (default: the preset's) */
  esaRatio?: number;
  maxSteps?: number;
  sandbox?: SandboxOptions;
  log?: (line: string) => void;
}

export interface ArmResult {
  arm: 'rlvr' | 'coderl+';
  seed: number;
  runDir: string;
  steps: number;
  seconds: number;
  'pass@1 before': number | null;
  'pass@1 after': number | null;
  /** mean ESA reward on held-out execution-prediction prompts */
  'exec-pred score': number | null;
  /** share of held-out execution-prediction prompts whose final_output was right */
  'output accuracy': number | null;
  /** mean ESA score of the ESA rollouts during training (CodeRL+ only) */
  'train esa score': number | null;
}

/** Held-out execution prediction: greedy answers of the final policy, scored by the ESA reward. */
export async function evaluateExecutionPrediction(config: TrainConfig, engineDir: string, pool: SandboxPool): Promise<{ score: number | null; outputAccuracy: number | null; prompts: number }> {
  const c = config.data.curriculum;
  const cur = generateCurriculum({ seed: c.seed, maxTrain: c.train, maxHeldout: c.heldout });
  const { pairs } = await execPredictionPairs(pool, cur.heldout, { seed: config.seed, esaTemplate: config.esa.template, mutantsPerProblem: 1 });
  const engine = await loadEmbeddedEngine(engineDir);
  try {
    const room = engine.maxSeqLen - config.validation.maxTokens;
    const usable = pairs.map((p) => ({ p, ids: engine.tokenizer.applyChatTemplate(p.prompt as ChatMessage[], { addGenerationPrompt: true }) })).filter((x) => x.ids.length <= room);
    if (usable.length === 0) return { score: null, outputAccuracy: null, prompts: 0 };
    const completions = await engine.sample(usable.map((u) => u.ids), { n: 1, temperature: 0, maxTokens: config.validation.maxTokens, seed: config.seed });
    const scored = await Promise.all(
      completions.map((comp) => {
        const pair = usable[comp.promptIndex]!.p;
        return computeScore({ dataSource: pair.data_source, solutionStr: comp.text, groundTruth: pair.ground_truth }, { pool });
      }),
    );
    const outputRight = scored.map((s) => ((s.details as unknown as EsaDetails).items ?? []).some((i) => i.name === 'final_output' && i.correct));
    return { score: mean(scored.map((s) => s.score)), outputAccuracy: mean(outputRight.map((b) => (b ? 1 : 0))), prompts: usable.length };
  } finally {
    await engine.close();
  }
}

/** Finished runs so far; a line torn by an interrupted write is not one. */
async function readDone(file: string): Promise<ArmResult[]> {
  if (!existsSync(file)) return [];
  // a result torn by a kill is cut off, so the next append starts on a line of its own
  repairJsonlTailSync(file);
  return (await readJsonlAll(file)).map((l) => l.value as ArmResult);
}

function meanStd(xs: readonly (number | null)[]): string {
  const v = xs.filter((x): x is number => typeof x === 'number');
  if (v.length === 0) return 'n/a';
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length === 1) return m.toFixed(3);
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
}

const COLUMNS = ['pass@1 before', 'pass@1 after', 'exec-pred score', 'output accuracy', 'train esa score'] as const;

/** The markdown table: one row per arm, mean ± std over seeds. */
export function resultsTable(rows: readonly ArmResult[]): string {
  const arms = ['rlvr', 'coderl+'] as const;
  const header = `| arm | seeds | ${COLUMNS.join(' | ')} | minutes/run |\n| --- | --- | ${COLUMNS.map(() => '---').join(' | ')} | --- |\n`;
  return (
    header +
    arms
      .map((arm) => {
        const rs = rows.filter((r) => r.arm === arm);
        return `| ${arm} | ${rs.map((r) => r.seed).join(', ')} | ${COLUMNS.map((c) => meanStd(rs.map((r) => r[c]))).join(' | ')} | ${meanStd(rs.map((r) => r.seconds / 60))} |`;
      })
      .join('\n') +
    '\n'
  );
}

export async function compareExperiment(opts: CompareOptions): Promise<ArmResult[]> {
  const log = opts.log ?? (() => undefined);
  mkdirSync(opts.outDir, { recursive: true });
  const resultsFile = path.join(opts.outDir, 'results.jsonl');
  const done = await readDone(resultsFile);
  for (const seed of opts.seeds) {
    for (const arm of ['rlvr', 'coderl+'] as const) {
      if (done.some((r) => r.arm === arm && r.seed === seed)) {
        log(`${arm} seed ${seed}: done earlier, skipped`);
        continue;
      }
      const overrides: ConfigPatch = { seed, ...(opts.maxSteps !== undefined ? { schedule: { maxSteps: opts.maxSteps } } : {}) };
      const base = resolveTrainConfig({ preset: opts.preset, ...(opts.configFile ? { file: opts.configFile } : {}), overrides });
      const ratio = arm === 'rlvr' ? 0 : (opts.esaRatio ?? base.batch.esaRatio);
      if (arm === 'coderl+' && ratio === 0) throw new CoderlError('CRL_ERR_CONFIG_INVALID', ['the CodeRL+ arm needs an ESA ratio > 0']);
      const config = parseTrainConfig({ ...base, batch: { ...base.batch, esaRatio: ratio } });
      const runDir = path.join(opts.outDir, `${arm === 'rlvr' ? 'rlvr' : 'coderlplus'}-s${seed}`);
      log(`${arm} seed ${seed}: training in ${runDir}`);
      // An interrupted run resumes from its checkpoint.
      const resume = existsSync(path.join(runDir, 'config.json'));
      const summary = await runTraining(config, { runDir, resume, sandbox: opts.sandbox ?? {}, log });
      // run() always checkpoints its last step, so the final policy is at summary.steps.
      const finalEngine = path.join(runDir, 'checkpoints', checkpointName(summary.steps), 'engine');
      const pool = await SandboxPool.create({ ...judgeSandboxOptions(), ...opts.sandbox }, log);
      let exec: Awaited<ReturnType<typeof evaluateExecutionPrediction>>;
      try {
        exec = await evaluateExecutionPrediction(config, finalEngine, pool);
      } finally {
        await pool.close();
      }
      const trainEsa = (await readJsonlAll(path.join(runDir, 'metrics.jsonl'), { allowTornTail: true }))
        .map((l) => (l.value as Record<string, unknown>)['esa/score'])
        .filter((v): v is number => typeof v === 'number');
      const result: ArmResult = {
        arm,
        seed,
        runDir,
        steps: summary.steps,
        seconds: summary.seconds,
        'pass@1 before': summary.initial['val/pass@1'] ?? null,
        'pass@1 after': summary.final['val/pass@1'] ?? null,
        'exec-pred score': exec.score,
        'output accuracy': exec.outputAccuracy,
        'train esa score': mean(trainEsa),
      };
      appendJsonlSync(resultsFile, result);
      done.push(result);
      log(`${arm} seed ${seed}: pass@1 ${String(result['pass@1 before'])} → ${String(result['pass@1 after'])}, exec-pred ${String(result['exec-pred score'])}`);
    }
  }
  const rows = done.filter((r) => opts.seeds.includes(r.seed));
  writeFileSync(path.join(opts.outDir, 'results.md'), `# RLVR vs CodeRL+ (${opts.preset}, seeds ${opts.seeds.join(', ')})\n\n` + resultsTable(rows));
  writeFileSync(path.join(opts.outDir, 'results.json'), JSON.stringify(rows, null, 2) + '\n');
  return rows;
}
