/** Types shared by the benchmarks, the runner and the CLI. */
import type { SandboxJob, SandboxPool, SandboxResult } from '../sandbox/index.js';

export const BENCHMARK_NAMES = [
  'humaneval',
  'mbpp',
  'leetcode',
  'lcb-codegen',
  'lcb-execution',
  'lcb-testoutput',
  'cruxeval-o',
  'cruxeval-i',
] as const;
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What is sent to the model for one task. */
export interface EvalPrompt {
  messages: ChatMessage[];
  /** the raw text prompt, for the completions API (a chat template already applied where the reference did so) */
  text: string;
  /** stop sequences the reference generated with */
  stop?: string[];
}

export interface EvalTask<R = unknown> {
  id: string;
  difficulty?: string;
  row: R;
}

export interface PromptOptions {
  /** `--system-prompt FILE` contents; undefined = the benchmark's reference default; '' = none */
  systemPrompt?: string;
  /** chain-of-thought variant where the benchmark has one (CRUXEval) */
  cot: boolean;
}

export interface LoadOptions {
  /** LiveCodeBench contest-date window (inclusive, YYYY-MM-DD) */
  startDate?: string;
  endDate?: string;
}

/** The verdict on one sample. */
export interface SampleVerdict {
  passed: boolean;
  /** passed | failed | timed out | no answer | repeats input | error text */
  status: string;
  detail?: string;
}

/**
 * How one sample is scored: a sandbox job and how to read its result; a grader that runs
 * its own jobs on the pool (the judge, shared with the RL rewards); or a verdict reached
 * without running anything.
 */
export type ScoringPlan =
  | { job: SandboxJob; judge: (result: SandboxResult) => SampleVerdict }
  | { grade: (pool: SandboxPool) => Promise<SampleVerdict> }
  | { verdict: SampleVerdict };

export interface Benchmark<R = unknown> {
  name: BenchmarkName;
  title: string;
  /** generation defaults from the paper / reference harness */
  defaults: { n: number; temperature: number; maxTokens: number };
  /** file names looked for when --data is a directory, and its usual sub-folder */
  dataFiles: { names: readonly string[]; subdir: string; pattern?: RegExp };
  /** the field of a --samples line that holds a ready artefact (used as-is, like human-eval) */
  sampleField: 'completion' | 'prediction';
  load(files: string[], opts: LoadOptions): Promise<Array<EvalTask<R>>>;
  prompt(task: EvalTask<R>, opts: PromptOptions): EvalPrompt;
  /** a raw model response → the artefact that gets scored (program or answer), per the reference extractor */
  extract(task: EvalTask<R>, response: string, opts: PromptOptions): string;
  plan(task: EvalTask<R>, artefact: string): ScoringPlan;
}
