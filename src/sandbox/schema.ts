/**
 * Zod schemas for everything that crosses the sandbox's boundaries: pool options,
 * jobs (API and `coderl exec --batch` lines), the fork-server's wire headers, and the
 * result object that the CLI and the service print. Types are derived from them.
 */
import { z } from 'zod';

export const CAPTURE_MODES = ['none', 'reference', 'paper', 'trajectory'] as const;
export const CaptureModeSchema = z.enum(CAPTURE_MODES);
export type CaptureMode = z.infer<typeof CaptureModeSchema>;

export const RUN_STATUSES = ['ok', 'runtime_error', 'timeout', 'memory', 'output_limit', 'sandbox_error'] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

const positiveInt = z.number().int().positive();

/** Per-job limits. Every field has a default (limits.ts) and a configured maximum. */
export const JobLimitsSchema = z
  .object({
    timeoutMs: positiveInt.optional(), // wall-clock limit, enforced by the server
    memoryMb: positiveInt.optional(), // address-space limit (RLIMIT_AS)
    fileSizeMb: positiveInt.optional(), // largest file the program may write (RLIMIT_FSIZE)
    openFiles: z.number().int().min(8).optional(), // RLIMIT_NOFILE
    processes: positiveInt.optional(), // RLIMIT_NPROC for the slot's uid
    stdoutMaxBytes: positiveInt.optional(), // more stdout than this kills the job: output_limit
    stderrMaxBytes: positiveInt.optional(), // stderr past this is dropped (stderr_truncated)
    trajectoryMaxSteps: positiveInt.optional(), // bound on recorded line steps in trajectory capture
  })
  .strict();
export type JobLimits = z.infer<typeof JobLimitsSchema>;

export const SandboxJobSchema = JobLimitsSchema.extend({
  id: z.string().optional(),
  code: z.string(),
  stdin: z.string().default(''),
  capture: CaptureModeSchema.default('none'),
  /** run the pool's preloaded program of this name (SandboxOptions.programs) instead of `code`, which must be '' */
  program: z.string().optional(),
}).strict();
export type SandboxJob = z.input<typeof SandboxJobSchema>;
export type ParsedSandboxJob = z.output<typeof SandboxJobSchema>;

/** One line of `coderl exec --batch`: snake_case like the rest of the wire formats. */
export const BatchJobLineSchema = z
  .object({
    id: z.union([z.string(), z.number()]).transform(String),
    code: z.string(),
    stdin: z.string().default(''),
    timeout_ms: positiveInt.optional(),
    memory_mb: positiveInt.optional(),
    capture: CaptureModeSchema.optional(),
  })
  .strict();
export type BatchJobLine = z.infer<typeof BatchJobLineSchema>;

export const IsolationSchema = z.enum(['bwrap', 'unsafe']);
export type Isolation = z.infer<typeof IsolationSchema>;

export const SandboxOptionsSchema = z
  .object({
    slots: positiveInt.optional(), // default: one per CPU
    python: z.string().optional(), // interpreter path; default: the best CPython >= 3.11 found
    isolation: z.enum(['auto', 'bwrap', 'unsafe']).default('auto'),
    allowUnsafe: z.boolean().default(false), // the explicit opt-in for running without bwrap
    uidBase: z.number().int().min(1000).max(2 ** 31 - 1000).default(61000), // slot i runs as uid/gid uidBase+i
    scratchMb: positiveInt.default(64), // tmpfs size of each slot's /tmp
    hashSeed: z.union([z.number().int().min(0).max(4294967295), z.literal('random')]).default(0),
    preimport: z.array(z.string().regex(/^[A-Za-z_][\w.]*$/)).optional(),
    /**
     * Trusted programs (ours, never a model's) compiled once in each fork-server, before its
     * heap is frozen; a job runs one by name (`program`) without compiling it. The judge's
     * harness is one: compiling or even unmarshalling it was a sixth of a judge job.
     */
    programs: z.record(z.string().regex(/^[\w.-]+$/), z.string()).default({}),
    defaults: JobLimitsSchema.default({}), // per-job defaults
    maxima: JobLimitsSchema.default({}), // per-job ceilings; requests above are clamped
    startTimeoutMs: positiveInt.default(20000),
  })
  .strict();
export type SandboxOptions = z.input<typeof SandboxOptionsSchema>;
export type ParsedSandboxOptions = z.output<typeof SandboxOptionsSchema>;

// --- fork-server wire headers --------------------------------------------------------

export const ReadyFrameSchema = z.object({
  type: z.literal('ready'),
  pid: z.number().int(),
  python: z.string(),
  implementation: z.string(),
  executable: z.string(),
  monitoring: z.boolean(),
  isolated: z.boolean(),
  stdio_encoding: z.string(),
});
export type ReadyFrame = z.infer<typeof ReadyFrameSchema>;

export const FatalFrameSchema = z.object({ type: z.literal('fatal'), error: z.string() });

/** The typed capture payload a child sends in paper/trajectory mode. */
export const CapturePayloadSchema = z.union([
  z.object({
    globals: z.record(z.string(), z.unknown()),
    functions: z.record(z.string(), z.unknown()),
    backend: z.string(),
    trajectory: z.array(z.unknown()).optional(),
    trajectory_truncated: z.boolean().optional(),
  }),
  z.object({ error: z.string() }),
]);

// --- the result object ------------------------------------------------------------------

export const TrajectoryStepSchema = z.object({
  line: z.number().int(),
  function: z.string(),
  changes: z.record(z.string(), z.unknown()),
});
export type TrajectoryStep = z.infer<typeof TrajectoryStepSchema>;

export const SandboxResultSchema = z.object({
  id: z.string().optional(),
  status: RunStatusSchema,
  exit_code: z.number().int().nullable(),
  signal: z.number().int().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  wall_ms: z.number(),
  cpu_ms: z.number(),
  max_rss_kb: z.number(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
  /** stdout was not valid UTF-8 (decoded with U+FFFD); the reference's text-mode read would fail */
  stdout_invalid_utf8: z.boolean(),
  capture: CaptureModeSchema,
  /**
   * none: null. reference: the reference's JSON object (name -> JSON value), {} when it printed none.
   * paper/trajectory: name or `<qualname>.<name>` -> {type, repr, value} (docs/typed-values.md).
   */
  variables: z.record(z.string(), z.unknown()).nullable(),
  /** reference capture: the exact JSON text the program printed, for int-vs-float exact parsing */
  variables_json: z.string().optional(),
  trajectory: z.array(TrajectoryStepSchema).optional(),
  trajectory_truncated: z.boolean().optional(),
  capture_backend: z.string().optional(),
  capture_error: z.string().optional(),
  sandbox_error: z.string().optional(),
});
export type SandboxResult = z.infer<typeof SandboxResultSchema>;
