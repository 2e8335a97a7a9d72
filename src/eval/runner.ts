/**
 * One evaluation run: load the benchmark, get n responses per task (from a model, or from
 * a samples file), extract the artefact each benchmark scores, score everything in the
 * sandbox, and write the run directory:
 *
 *   run.json          the settings generations were made with (a resumed run must match)
 *   generations.jsonl one line per response, appended as each request completes
 *   scored.jsonl      one line per scored sample, appended as each verdict arrives
 *   results.jsonl     one line per task: n, c, verdicts, pass@k
 *   summary.json      {benchmark, tasks, n, pass@1, pass@k..., by_difficulty, ...}
 *
 * Scoring is pipelined: a task's samples go to the sandbox as soon as its generations
 * are in. Resuming: finished generations are never requested again (only the missing
 * samples of each task are), and samples already scored with the same artefact are not
 * re-run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CoderlError } from '../core/index.js';
import type { SandboxPool } from '../sandbox/index.js';
import type { Generator } from './client.js';
import { readRows, resolveDataFiles } from './datasets/rows.js';
import { defaultKs } from './pass-at-k.js';
import { appendRecord, GenerationRecordSchema, readRecords, repairTail, ScoredRecordSchema, type GenerationRecord, type ScoredRecord } from './store.js';
import { formatTable, summarise, taskResult, type Summary, type TaskResult } from './summary.js';
import type { Benchmark, EvalTask, LoadOptions, PromptOptions, SampleVerdict } from './types.js';

export type EvalSource =
  | { kind: 'generator'; generator: Generator }
  | { kind: 'samples'; file: string; allowPartial?: boolean };

export interface RunConfig {
  benchmark: Benchmark<unknown>;
  dataPath: string;
  outDir: string;
  source: EvalSource;
  pool: SandboxPool;
  n?: number;
  temperature?: number;
  maxTokens?: number;
  /** tasks generated at once */
  concurrency?: number;
  ks?: number[];
  /** only the first N tasks (smoke runs) */
  limit?: number;
  promptOptions?: Partial<PromptOptions>;
  loadOptions?: LoadOptions;
  onProgress?: (phase: 'generate' | 'score', done: number, total: number) => void;
}

export interface RunOutcome {
  summary: Summary;
  results: TaskResult[];
  table: string;
  /** responses requested from the model in this invocation (0 when everything was resumed) */
  generated: number;
  /** samples run in the sandbox in this invocation */
  executed: number;
}

export const RUN_FILES = {
  run: 'run.json',
  generations: 'generations.jsonl',
  scored: 'scored.jsonl',
  results: 'results.jsonl',
  summary: 'summary.json',
} as const;

const SamplesLineSchema = z
  .object({
    task_id: z.union([z.string(), z.number()]).optional(),
    id: z.union([z.string(), z.number()]).optional(),
    completion: z.string().optional(),
    prediction: z.string().optional(),
    response: z.string().optional(),
  })
  .passthrough()
  .refine((l) => l.task_id !== undefined || l.id !== undefined, { message: 'needs "task_id" (or "id")' })
  .refine((l) => l.completion !== undefined || l.prediction !== undefined || l.response !== undefined, {
    message: 'needs "completion", "prediction" or "response"',
  });

interface Artefacts {
  /** task id → artefact per sample index */
  byTask: Map<string, string[]>;
  generated: number;
}

/** 32-bit FNV-1a of a task id: a stable per-task seed. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function checkRunFile(outDir: string, settings: Record<string, unknown>): void {
  const file = path.join(outDir, RUN_FILES.run);
  if (existsSync(file)) {
    let old: Record<string, unknown>;
    try {
      old = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new CoderlError('CRL_ERR_EVAL_RUN_MISMATCH', [outDir, `${RUN_FILES.run} is not JSON`]);
    }
    const diffs = Object.keys(settings).filter((k) => JSON.stringify(old[k]) !== JSON.stringify(settings[k]));
    if (diffs.length > 0) {
      const what = diffs.map((k) => `${k}: ${JSON.stringify(old[k])} there, ${JSON.stringify(settings[k])} now`).join('; ');
      throw new CoderlError('CRL_ERR_EVAL_RUN_MISMATCH', [outDir, `${what} (use another --out)`]);
    }
  }
  writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
}

async function generate(cfg: RunConfig, tasks: Array<EvalTask<unknown>>, generator: Generator, n: number, opts: PromptOptions, scorer: Scorer): Promise<Artefacts> {
  const b = cfg.benchmark;
  const temperature = cfg.temperature ?? b.defaults.temperature;
  const maxTokens = cfg.maxTokens ?? b.defaults.maxTokens;
  checkRunFile(cfg.outDir, {
    benchmark: b.name,
    generator: generator.describe,
    temperature,
    max_tokens: maxTokens,
    cot: opts.cot,
    system_prompt: opts.systemPrompt ?? null,
    data: resolveDataFiles(cfg.dataPath, b.dataFiles.names, b.dataFiles.subdir, b.dataFiles.pattern).map((f) => path.basename(f)),
  });
  const genFile = path.join(cfg.outDir, RUN_FILES.generations);
  repairTail(genFile);
  const have = new Map<string, GenerationRecord[]>();
  for (const rec of readRecords(genFile, GenerationRecordSchema)) {
    const list = have.get(rec.task_id) ?? [];
    if (!list.some((r) => r.sample === rec.sample)) list.push(rec);
    have.set(rec.task_id, list);
  }
  const byTask = new Map<string, string[]>();
  const finished = (task: EvalTask<unknown>) => {
    const recs = (have.get(task.id) ?? []).sort((a, b2) => a.sample - b2.sample).slice(0, n);
    const artefacts = recs.map((r) => b.extract(task, r.response, opts));
    byTask.set(task.id, artefacts);
    scorer.add(task, artefacts); // scoring runs while later tasks are still generating
  };
  const todo = tasks.filter((t) => (have.get(t.id)?.length ?? 0) < n);
  for (const t of tasks) if ((have.get(t.id)?.length ?? 0) >= n) finished(t);
  const total = tasks.length;
  let done = total - todo.length;
  let generated = 0;
  cfg.onProgress?.('generate', done, total);
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (next < todo.length && !stopped) {
      const task = todo[next++] as EvalTask<unknown>;
      const list = have.get(task.id) ?? [];
      const prompt = b.prompt(task, opts);
      const seed = (fnv1a(task.id) + list.length) >>> 0;
      let gens;
      try {
        gens = await generator.generate({ prompt, n: n - list.length, temperature, maxTokens, seed, ...(prompt.stop ? { stop: prompt.stop } : {}) });
      } catch (err) {
        stopped = true; // the other workers finish their request in flight and stop
        throw err;
      }
      const used = new Set(list.map((r) => r.sample));
      let idx = 0;
      for (const g of gens) {
        while (used.has(idx)) idx++;
        const rec: GenerationRecord = { task_id: task.id, sample: idx, response: g.text, finish_reason: g.finish_reason };
        used.add(idx);
        appendRecord(genFile, rec);
        list.push(rec);
        generated++;
      }
      have.set(task.id, list);
      finished(task);
      cfg.onProgress?.('generate', ++done, total);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, cfg.concurrency ?? 8) }, worker));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  // keep the benchmark's task order for the results
  return { byTask: new Map(tasks.filter((t) => byTask.has(t.id)).map((t) => [t.id, byTask.get(t.id) as string[]])), generated };
}

async function fromSamples(cfg: RunConfig, tasks: Array<EvalTask<unknown>>, file: string, allowPartial: boolean, opts: PromptOptions): Promise<Artefacts> {
  const b = cfg.benchmark;
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const byTask = new Map<string, string[]>();
  for (const { row, value } of await readRows(file, SamplesLineSchema)) {
    const id = String(value.task_id ?? value.id);
    const task = byId.get(id);
    if (!task) {
      if (cfg.limit !== undefined) continue; // a --limit run scores only the first tasks
      throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${file} line ${row}: task "${id}" is not in ${b.name}`]);
    }
    const ready = value[b.sampleField] ?? (b.sampleField === 'completion' ? value.prediction : value.completion);
    const artefact = ready ?? b.extract(task, value.response as string, opts);
    const list = byTask.get(id) ?? [];
    list.push(artefact);
    byTask.set(id, list);
  }
  const missing = tasks.filter((t) => !byTask.has(t.id));
  if (missing.length > 0 && !allowPartial) {
    throw new CoderlError('CRL_ERR_INPUT_INVALID', [
      `${file}: no samples for ${missing.length} of ${tasks.length} tasks (first: ${missing.slice(0, 3).map((t) => t.id).join(', ')}); pass --allow-partial to score only the tasks present`,
    ]);
  }
  return { byTask, generated: 0 };
}

interface Waiting {
  task: EvalTask<unknown>;
  sample: number;
  artefact: string;
}

/**
 * Scores samples as tasks are handed to it, while generation goes on: cached verdicts
 * (same artefact as before) are reused, and the rest run in the sandbox pool, at most
 * two per slot at a time. Plans (which carry a task's tests, sometimes megabytes) are
 * built only when a sample is about to run. Each verdict is appended to scored.jsonl as
 * it arrives. Score progress is reported once generation is over.
 */
class Scorer {
  readonly verdicts = new Map<string, SampleVerdict[]>();
  executed = 0;
  private readonly file: string;
  private readonly cache = new Map<string, ScoredRecord>();
  private readonly waiting: Waiting[] = [];
  private readonly limit: number;
  private running = 0;
  private total = 0;
  private done = 0;
  private reporting = false;
  private error: unknown;
  private idle: (() => void) | undefined;

  constructor(private readonly cfg: RunConfig) {
    this.file = path.join(cfg.outDir, RUN_FILES.scored);
    repairTail(this.file);
    for (const rec of readRecords(this.file, ScoredRecordSchema)) this.cache.set(`${rec.task_id}\u0000${rec.sample}`, rec);
    this.limit = 2 * cfg.pool.info().slots;
  }

  private record(w: Waiting, v: SampleVerdict, fresh: boolean): void {
    (this.verdicts.get(w.task.id) as SampleVerdict[])[w.sample] = v;
    if (fresh) {
      const rec: ScoredRecord = { task_id: w.task.id, sample: w.sample, artefact: w.artefact, passed: v.passed, status: v.status, ...(v.detail !== undefined ? { detail: v.detail } : {}) };
      appendRecord(this.file, rec);
    }
    this.done++;
    if (this.reporting) this.cfg.onProgress?.('score', this.done, this.total);
  }

  add(task: EvalTask<unknown>, artefacts: readonly string[]): void {
    this.verdicts.set(task.id, new Array<SampleVerdict>(artefacts.length));
    artefacts.forEach((artefact, sample) => {
      this.total++;
      const old = this.cache.get(`${task.id}\u0000${sample}`);
      if (old && old.artefact === artefact) {
        this.record({ task, sample, artefact }, { passed: old.passed, status: old.status, ...(old.detail !== undefined ? { detail: old.detail } : {}) }, false);
      } else this.waiting.push({ task, sample, artefact });
    });
    this.pump();
  }

  private pump(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const w = this.waiting.shift() as Waiting;
      this.running++;
      void this.score(w)
        .catch((err: unknown) => {
          this.error ??= err;
        })
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.waiting.length === 0) this.idle?.();
        });
    }
  }

  private async score(w: Waiting): Promise<void> {
    const plan = this.cfg.benchmark.plan(w.task, w.artefact);
    if ('verdict' in plan) return this.record(w, plan.verdict, true);
    const verdict = 'grade' in plan ? await plan.grade(this.cfg.pool) : plan.judge(await this.cfg.pool.run(plan.job));
    this.executed++;
    this.record(w, verdict, true);
  }

  /** No more tasks: wait for every sample in flight or waiting. */
  async finish(): Promise<void> {
    this.reporting = true;
    this.cfg.onProgress?.('score', this.done, this.total);
    if (this.running > 0 || this.waiting.length > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    if (this.error !== undefined) throw this.error;
  }
}

export async function runEval(cfg: RunConfig): Promise<RunOutcome> {
  const b = cfg.benchmark;
  const files = resolveDataFiles(cfg.dataPath, b.dataFiles.names, b.dataFiles.subdir, b.dataFiles.pattern);
  let tasks = await b.load(files, cfg.loadOptions ?? {});
  if (cfg.limit !== undefined) tasks = tasks.slice(0, cfg.limit);
  if (tasks.length === 0) throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${cfg.dataPath}: no ${b.name} tasks (check the data file and any date window)`]);
  mkdirSync(cfg.outDir, { recursive: true });
  const opts: PromptOptions = { cot: cfg.promptOptions?.cot ?? false, ...(cfg.promptOptions?.systemPrompt !== undefined ? { systemPrompt: cfg.promptOptions.systemPrompt } : {}) };
  const n = cfg.n ?? b.defaults.n;
  if (!Number.isInteger(n) || n < 1) throw new CoderlError('CRL_ERR_CONFIG_INVALID', [`--n must be a positive integer (got ${n})`]);

  const scorer = new Scorer(cfg);
  let art: Artefacts;
  try {
    if (cfg.source.kind === 'generator') art = await generate(cfg, tasks, cfg.source.generator, n, opts, scorer);
    else {
      art = await fromSamples(cfg, tasks, cfg.source.file, cfg.source.allowPartial ?? false, opts);
      for (const t of tasks) if (art.byTask.has(t.id)) scorer.add(t, art.byTask.get(t.id) as string[]);
    }
  } finally {
    await scorer.finish(); // on failure too: programs already queued finish before the caller closes the pool
  }
  const scoredTasks = tasks.filter((t) => art.byTask.has(t.id));
  const { verdicts, executed } = scorer;

  const minN = Math.min(...scoredTasks.map((t) => (art.byTask.get(t.id) as string[]).length));
  const ks = (cfg.ks ?? defaultKs(minN)).filter((k) => k <= minN);
  if (!ks.includes(1)) ks.unshift(1);
  const results = scoredTasks.map((t) => taskResult(t.id, t.difficulty, verdicts.get(t.id) as SampleVerdict[], ks));
  writeFileSync(path.join(cfg.outDir, RUN_FILES.results), results.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const source = cfg.source.kind === 'generator' ? cfg.source.generator.describe : `samples ${path.basename(cfg.source.file)}`;
  const summary = summarise(
    {
      benchmark: b.name,
      title: b.title,
      source,
      data: files.map((f) => path.basename(f)),
      ...(cfg.source.kind === 'generator' ? { temperature: cfg.temperature ?? b.defaults.temperature, max_tokens: cfg.maxTokens ?? b.defaults.maxTokens } : {}),
    },
    results,
    ks,
  );
  writeFileSync(path.join(cfg.outDir, RUN_FILES.summary), JSON.stringify(summary, null, 2) + '\n');
  return { summary, results, table: formatTable(summary), generated: art.generated, executed };
}
