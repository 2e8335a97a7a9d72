/**
 * A run directory, laid out so that a run killed at any instant can be resumed and never
 * leaves a half-written state behind:
 *
 *   config.json          the resolved config (a resume must match it, except the schedule)
 *   metrics.jsonl        one record per step, appended as steps finish
 *   samples.jsonl        a few rollouts per step (prompt, response, reward details)
 *   checkpoints/step-N/  engine/ (weights, optimiser, reference) + trainer.json + buffer.jsonl
 *   latest.json          {"step": N} — written (tmp + rename) only after step-N is complete
 *   run.lock             pid of the live trainer
 *
 * A checkpoint is built in a temporary directory and renamed into place; `latest.json` is
 * replaced atomically afterwards. On resume, JSONL records past the checkpoint's step (and a
 * torn last line) are dropped, so the resumed run appends exactly what an uninterrupted run
 * would have written.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CoderlError, pidAlive } from '../core/index.js';
import { appendJsonlSync, readJsonlAll, writeJsonlAtomic } from '../data/index.js';

const LatestSchema = z.object({ step: z.number().int().min(0) }).strict();

export const CHECKPOINT_PREFIX = 'step-';

export function checkpointName(step: number): string {
  return `${CHECKPOINT_PREFIX}${String(step).padStart(6, '0')}`;
}

/** Write a file so that readers see either the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export class RunDirectory {
  readonly checkpointsDir: string;

  private constructor(readonly dir: string) {
    this.checkpointsDir = path.join(dir, 'checkpoints');
  }

  /**
   * Create or reopen a run directory. A directory that already holds a run is only reopened
   * with `resume`; otherwise it is an error, so a typo never appends to someone else's run.
   */
  static open(dir: string, opts: { resume: boolean }): RunDirectory {
    const run = new RunDirectory(path.resolve(dir));
    const hasRun = existsSync(path.join(run.dir, 'config.json'));
    if (hasRun && !opts.resume) {
      throw new CoderlError('CRL_ERR_CONFIG_INVALID', [`run directory ${dir} already holds a run; pass --resume to continue it or choose another --run-dir`]);
    }
    mkdirSync(run.checkpointsDir, { recursive: true });
    run.lock();
    return run;
  }

  private get lockFile(): string {
    return path.join(this.dir, 'run.lock');
  }

  private lock(): void {
    if (existsSync(this.lockFile)) {
      const pid = Number(readFileSync(this.lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) {
        throw new CoderlError('CRL_ERR_CONFIG_INVALID', [`run directory ${this.dir} is in use by process ${pid}`]);
      }
    }
    writeFileAtomic(this.lockFile, `${process.pid}\n`);
  }

  unlock(): void {
    rmSync(this.lockFile, { force: true });
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  readConfig(): unknown | undefined {
    const f = this.file('config.json');
    return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : undefined;
  }

  writeConfig(config: unknown): void {
    writeFileAtomic(this.file('config.json'), JSON.stringify(config, null, 2) + '\n');
  }

  /** Append one JSON record as one line (a single write; a crash can only tear the last line). */
  append(name: 'metrics.jsonl' | 'samples.jsonl', record: unknown): void {
    appendJsonlSync(this.file(name), record);
  }

  /** Records of a JSONL file in this run; a last line torn by a kill is skipped. */
  async readRecords(name: 'metrics.jsonl' | 'samples.jsonl'): Promise<Record<string, unknown>[]> {
    const f = this.file(name);
    if (!existsSync(f)) return [];
    return (await readJsonlAll(f, { allowTornTail: true })).map((l) => l.value as Record<string, unknown>);
  }

  /** Keep only records with step ≤ `step` (resume point); rewrites the file atomically. */
  async truncateAfter(name: 'metrics.jsonl' | 'samples.jsonl', step: number): Promise<void> {
    const kept = (await this.readRecords(name)).filter((r) => typeof r.step !== 'number' || r.step <= step);
    await writeJsonlAtomic(this.file(name), kept);
  }

  latestStep(): number | undefined {
    const f = this.file('latest.json');
    if (!existsSync(f)) return undefined;
    const parsed = LatestSchema.safeParse(JSON.parse(readFileSync(f, 'utf8')));
    if (!parsed.success) throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${f}: ${parsed.error.message}`]);
    if (!existsSync(this.checkpointDir(parsed.data.step))) {
      throw new CoderlError('CRL_ERR_INPUT_INVALID', [`${f} points at step ${parsed.data.step} but ${this.checkpointDir(parsed.data.step)} is missing`]);
    }
    return parsed.data.step;
  }

  checkpointDir(step: number): string {
    return path.join(this.checkpointsDir, checkpointName(step));
  }

  /**
   * Write checkpoint `step` with `write(tmpDir)`, move it into place, then point latest.json
   * at it and prune all but the newest `keep` checkpoints.
   */
  async checkpoint(step: number, keep: number, write: (dir: string) => Promise<void>): Promise<string> {
    const final = this.checkpointDir(step);
    const tmp = path.join(this.checkpointsDir, `.tmp-${checkpointName(step)}-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await write(tmp);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    writeFileAtomic(this.file('latest.json'), JSON.stringify({ step }) + '\n');
    this.prune(keep, step);
    return final;
  }

  private prune(keep: number, latest: number): void {
    const steps = readdirSync(this.checkpointsDir)
      .filter((e) => e.startsWith(CHECKPOINT_PREFIX))
      .map((e) => Number(e.slice(CHECKPOINT_PREFIX.length)))
      .filter((s) => Number.isInteger(s) && s !== latest)
      .sort((a, b) => b - a);
    for (const s of steps.slice(Math.max(0, keep - 1))) rmSync(this.checkpointDir(s), { recursive: true, force: true });
    for (const e of readdirSync(this.checkpointsDir)) {
      if (e.startsWith('.tmp-')) rmSync(path.join(this.checkpointsDir, e), { recursive: true, force: true });
    }
  }
}
