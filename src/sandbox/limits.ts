/**
 * Per-job limits: defaults, clamping to configured maxima, and the one place where
 * TypeScript names (camelCase, units in names) become the fork-server's wire fields.
 */
import type { WireLimits } from './protocol.js';
import type { JobLimits } from './schema.js';

export type ResolvedLimits = Required<JobLimits>;

export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  timeoutMs: 6000, // the reference's per-test timeout (SPEC §2)
  memoryMb: 1024,
  fileSizeMb: 16,
  openFiles: 64,
  processes: 32,
  stdoutMaxBytes: 8 * 1024 * 1024,
  stderrMaxBytes: 1024 * 1024,
  trajectoryMaxSteps: 2000,
});

export const DEFAULT_MAXIMA: ResolvedLimits = Object.freeze({
  timeoutMs: 10 * 60 * 1000,
  memoryMb: 16 * 1024,
  fileSizeMb: 256,
  openFiles: 1024,
  processes: 256,
  stdoutMaxBytes: 256 * 1024 * 1024,
  stderrMaxBytes: 64 * 1024 * 1024,
  trajectoryMaxSteps: 100_000,
});

/** Capture payloads (typed variables, trajectories) are bounded separately from stdout. */
export const VARS_MAX_BYTES = 32 * 1024 * 1024;

/** job value → pool default → built-in default, each clamped to the pool's maximum. */
export function resolveLimits(job: JobLimits, defaults: JobLimits, maxima: JobLimits): ResolvedLimits {
  const out = {} as Record<keyof ResolvedLimits, number>;
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof ResolvedLimits)[]) {
    const wanted = job[key] ?? defaults[key] ?? DEFAULT_LIMITS[key];
    out[key] = Math.min(wanted, maxima[key] ?? DEFAULT_MAXIMA[key]);
  }
  return out;
}

const MIB = 1024 * 1024;

/** CPU seconds: the wall timeout rounded up, plus one (the wall timeout should fire first).
 * The server sets it as RLIMIT_CPU (SIGXCPU), with SIGKILL one second later. */
export function cpuLimitS(timeoutMs: number): number {
  return Math.ceil(timeoutMs / 1000) + 1;
}

/** The numbers a run request carries (protocol.ts encodeRequest). */
export function limitsToWire(limits: ResolvedLimits): WireLimits {
  return {
    timeoutMs: limits.timeoutMs,
    cpuLimitS: cpuLimitS(limits.timeoutMs),
    memoryBytes: limits.memoryMb * MIB,
    fileSizeBytes: limits.fileSizeMb * MIB,
    openFiles: limits.openFiles,
    processes: limits.processes,
    stdoutMaxBytes: limits.stdoutMaxBytes,
    stderrMaxBytes: limits.stderrMaxBytes,
    varsMaxBytes: VARS_MAX_BYTES,
    trajectoryMaxSteps: limits.trajectoryMaxSteps,
  };
}

/** How long the host waits for a result before it declares the slot hung and restarts it. */
export function watchdogMs(limits: ResolvedLimits): number {
  return limits.timeoutMs + 10_000;
}
