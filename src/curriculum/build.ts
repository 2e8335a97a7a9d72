/**
 * Builds the whole curriculum into a directory: train.jsonl and heldout.jsonl (verl rows),
 * sft.jsonl (warm-start pairs of the train split) and manifest.json (seed, counts, per-family
 * sizes, verification and execution statistics). Every reference solution is verified in the
 * sandbox first; a failure stops the build before anything is written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonlAtomic } from '../data/index.js';
import type { SandboxPool } from '../sandbox/index.js';
import { generateCurriculum, type CurriculumOptions, type Problem } from './problems.js';
import { problemToVerlRow, type SuffixStyle } from './rows.js';
import { buildSftPairs, type ExecPairStats, type SftOptions } from './sft.js';
import { verifyCurriculum, type VerifyReport } from './verify.js';

export interface BuildOptions extends CurriculumOptions {
  outDir: string;
  suffix?: SuffixStyle;
  sft?: Omit<SftOptions, 'seed' | 'suffix'>;
  /** skip the sandbox check of every reference solution (default: verify) */
  skipVerify?: boolean;
}

export interface BuildManifest {
  seed: number;
  suffix: SuffixStyle;
  files: { train: string; heldout: string; sft: string };
  counts: { train: number; heldout: number; sft: number; sftCodegen: number; sftExecPred: number };
  families: Record<string, { train: number; heldout: number }>;
  verify: VerifyReport | null;
  execution: ExecPairStats;
}

function familyCounts(train: readonly Problem[], heldout: readonly Problem[]): BuildManifest['families'] {
  const out: BuildManifest['families'] = {};
  for (const p of train) (out[p.family] ??= { train: 0, heldout: 0 }).train++;
  for (const p of heldout) (out[p.family] ??= { train: 0, heldout: 0 }).heldout++;
  return out;
}

export async function buildCurriculum(pool: SandboxPool, opts: BuildOptions): Promise<BuildManifest> {
  const seed = opts.seed ?? 0;
  const suffix = opts.suffix ?? 'reference';
  const curriculum = generateCurriculum({ ...opts, seed });
  const verify = opts.skipVerify ? null : await verifyCurriculum(pool, [...curriculum.train, ...curriculum.heldout], { throwOnFailure: true });
  const sft = await buildSftPairs(pool, curriculum.train, { ...opts.sft, seed, suffix });

  mkdirSync(opts.outDir, { recursive: true });
  const files = { train: 'train.jsonl', heldout: 'heldout.jsonl', sft: 'sft.jsonl' };
  await writeJsonlAtomic(join(opts.outDir, files.train), curriculum.train.map((p, i) => problemToVerlRow(p, i, suffix)));
  await writeJsonlAtomic(join(opts.outDir, files.heldout), curriculum.heldout.map((p, i) => problemToVerlRow(p, i, suffix)));
  await writeJsonlAtomic(join(opts.outDir, files.sft), sft.pairs);
  const manifest: BuildManifest = {
    seed,
    suffix,
    files,
    counts: {
      train: curriculum.train.length,
      heldout: curriculum.heldout.length,
      sft: sft.pairs.length,
      sftCodegen: sft.pairs.filter((p) => p.kind === 'codegen').length,
      sftExecPred: sft.pairs.filter((p) => p.kind === 'exec_pred').length,
    },
    families: familyCounts(curriculum.train, curriculum.heldout),
    verify,
    execution: sft.stats,
  };
  writeFileSync(join(opts.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}
