/**
 * SandboxPool: a fixed set of slots (one per CPU by default), a FIFO of waiting jobs,
 * and the public API: `run(job)` for one program and `runMany(jobs)` for a stream with
 * backpressure and results in input order. Slot accounting lives in the instance;
 * `run` always releases its slot in `finally`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { ZodError } from 'zod';
import { CoderlError } from '../core/index.js';
import { findInterpreter, type Interpreter } from './interpreter.js';
import {
  bwrapLaunch,
  chooseIsolation,
  DEFAULT_PREIMPORT,
  probeIsolation,
  UNSAFE_WARNING,
  unsafeLaunch,
  type SlotLaunch,
} from './isolation.js';
import { limitsToWire, resolveLimits, watchdogMs } from './limits.js';
import { nativeForkServer } from './native.js';
import { withReferenceCapture } from './reference-capture.js';
import { buildResult } from './result.js';
import {
  SandboxJobSchema,
  SandboxOptionsSchema,
  type Isolation,
  type ParsedSandboxJob,
  type ParsedSandboxOptions,
  type SandboxJob,
  type SandboxOptions,
  type SandboxResult,
} from './schema.js';
import { Slot } from './slot.js';

export interface PoolInfo {
  isolation: Isolation;
  slots: number;
  interpreter: { executable: string; version: string; monitoring: boolean };
  restarts: number;
  jobsRun: number;
  /** the built fork-server loop (src/sandbox/native/forkserver.c) the slots load */
  nativeLibrary: string;
}

export interface RunManyOptions {
  /** jobs in flight or finished-but-not-yet-yielded; default 2 × slots */
  window?: number;
}

export class SandboxPool {
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  private closed = false;
  private requestCounter = 0;

  private constructor(
    private readonly options: ParsedSandboxOptions,
    readonly interpreter: Interpreter,
    readonly isolation: Isolation,
    private readonly slots: Slot[],
    private readonly scratchDirs: string[],
    private readonly nativeLibrary: string,
  ) {
    this.idle.push(...slots);
  }

  /** Start a pool; every slot is up (or this throws) when the promise resolves. */
  static async create(input: SandboxOptions = {}, log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<SandboxPool> {
    let options: ParsedSandboxOptions;
    try {
      options = SandboxOptionsSchema.parse(input);
    } catch (err) {
      if (err instanceof ZodError) throw new CoderlError('CRL_ERR_CONFIG_INVALID', [`sandbox options: ${err.message}`]);
      throw err;
    }
    const probe = probeIsolation();
    const isolation = chooseIsolation(options.isolation, options.allowUnsafe, probe);
    if (isolation === 'unsafe') log(UNSAFE_WARNING);
    const interpreter = findInterpreter(options.python);
    const count = options.slots ?? availableParallelism();
    const native = nativeForkServer();
    const prelude = { preimport: options.preimport ?? DEFAULT_PREIMPORT, native, programs: options.programs };
    const scratchDirs: string[] = [];
    const slots: Slot[] = [];
    for (let i = 0; i < count; i++) {
      let launch: () => SlotLaunch;
      if (isolation === 'bwrap') {
        const bwrapPath = probe.bwrapPath as string;
        launch = () =>
          bwrapLaunch({ bwrapPath, interpreter, uid: options.uidBase + i, scratchMb: options.scratchMb, hashSeed: options.hashSeed, prelude });
      } else {
        const scratchDir = mkdtempSync(path.join(tmpdir(), `coderl-slot${i}-`));
        scratchDirs.push(scratchDir);
        launch = () => unsafeLaunch({ interpreter, scratchDir, hashSeed: options.hashSeed, prelude });
      }
      slots.push(new Slot(`slot${i}`, launch, options.startTimeoutMs));
    }
    const pool = new SandboxPool(options, interpreter, isolation, slots, scratchDirs, native);
    try {
      await Promise.all(slots.map((s) => s.start()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  info(): PoolInfo {
    return {
      isolation: this.isolation,
      slots: this.slots.length,
      interpreter: {
        executable: this.interpreter.executable,
        version: this.interpreter.version.join('.'),
        monitoring: this.interpreter.monitoring,
      },
      restarts: this.slots.reduce((n, s) => n + s.restarts, 0),
      jobsRun: this.slots.reduce((n, s) => n + s.jobsRun, 0),
      nativeLibrary: this.nativeLibrary,
    };
  }

  /** Server pids of the slots (diagnostics and tests). */
  slotPids(): number[] {
    return this.slots.map((s) => s.pid).filter((p): p is number => p !== undefined);
  }

  /** Run one program. Resolves with a result for every outcome of the program itself;
   * rejects only on bad input or a sandbox that cannot be (re)started. */
  async run(job: SandboxJob): Promise<SandboxResult> {
    let parsed;
    try {
      parsed = SandboxJobSchema.parse(job);
    } catch (err) {
      if (err instanceof ZodError) throw new CoderlError('CRL_ERR_INPUT_INVALID', [`sandbox job: ${err.message}`]);
      throw err;
    }
    const program = this.programNumber(parsed);
    const limits = resolveLimits(parsed, this.options.defaults, this.options.maxima);
    const code = parsed.capture === 'reference' ? withReferenceCapture(parsed.code) : parsed.code;
    const serverCapture = parsed.capture === 'reference' ? 'none' : parsed.capture;
    const wire = limitsToWire(limits);
    const slot = await this.acquire();
    try {
      const raw = await slot.run({
        id: ++this.requestCounter,
        capture: serverCapture,
        program,
        limits: wire,
        code: Buffer.from(code, 'utf8'),
        stdin: Buffer.from(parsed.stdin, 'utf8'),
        watchdogMs: watchdogMs(limits),
      });
      return buildResult(raw, parsed.capture, parsed.id, wire.cpuLimitS);
    } catch (err) {
      if (err instanceof CoderlError && err.code === 'CRL_ERR_SANDBOX_PROTOCOL') {
        return sandboxErrorResult(parsed.id, parsed.capture, err.message);
      }
      throw err;
    } finally {
      this.release(slot);
    }
  }

  /**
   * Run a stream of jobs over the pool; yields results in input order. Pulls the next job
   * only while fewer than `window` jobs are in flight or waiting to be yielded, so a slow
   * consumer holds back a fast producer (backpressure) and memory stays bounded.
   */
  async *runMany(jobs: Iterable<SandboxJob> | AsyncIterable<SandboxJob>, opts: RunManyOptions = {}): AsyncGenerator<SandboxResult> {
    const window = Math.max(1, opts.window ?? 2 * this.slots.length);
    const iterator = Symbol.asyncIterator in jobs ? jobs[Symbol.asyncIterator]() : (jobs as Iterable<SandboxJob>)[Symbol.iterator]();
    const pending: Promise<SandboxResult>[] = [];
    let exhausted = false;
    let inputError: unknown = null;
    const fill = async () => {
      while (!exhausted && pending.length < window) {
        let next: IteratorResult<SandboxJob>;
        try {
          next = await iterator.next();
        } catch (err) {
          // Bad input stops reading, but jobs already read still run and are yielded first.
          inputError = err;
          exhausted = true;
          break;
        }
        if (next.done) {
          exhausted = true;
          break;
        }
        const promise = this.run(next.value);
        promise.catch(() => undefined); // observed when yielded; avoid unhandled rejections meanwhile
        pending.push(promise);
      }
    };
    await fill();
    while (pending.length) {
      const result = await (pending.shift() as Promise<SandboxResult>);
      yield result;
      await fill();
    }
    if (inputError !== null) throw inputError;
  }

  /** Whether jobs can run the preloaded program `name` (SandboxOptions.programs). */
  hasProgram(name: string): boolean {
    return Object.hasOwn(this.options.programs, name);
  }

  /** The wire number of a job's preloaded program: 0 for none, else 1 + its index. */
  private programNumber(job: ParsedSandboxJob): number {
    if (job.program === undefined) return 0;
    const index = Object.keys(this.options.programs).indexOf(job.program);
    if (index === -1) throw new CoderlError('CRL_ERR_INPUT_INVALID', [`sandbox job: no preloaded program named ${JSON.stringify(job.program)}`]);
    if (job.code !== '' || job.capture !== 'none') {
      throw new CoderlError('CRL_ERR_INPUT_INVALID', ['sandbox job: a job that runs a preloaded program has code "" and capture "none"']);
    }
    return index + 1;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(null as unknown as Slot);
    await Promise.all(this.slots.map((s) => s.close()));
    for (const dir of this.scratchDirs) rmSync(dir, { recursive: true, force: true });
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new CoderlError('CRL_ERR_SANDBOX_POOL_CLOSED'));
    const slot = this.idle.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve, reject) => {
      this.waiting.push((s) => {
        if (s === null) {
          reject(new CoderlError('CRL_ERR_SANDBOX_POOL_CLOSED'));
          return;
        }
        resolve(s);
      });
    });
  }

  private release(slot: Slot): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(slot);
    else this.idle.push(slot);
  }
}

export function sandboxErrorResult(id: string | undefined, capture: SandboxResult['capture'], message: string): SandboxResult {
  return {
    ...(id !== undefined ? { id } : {}),
    status: 'sandbox_error',
    exit_code: null,
    signal: null,
    stdout: '',
    stderr: '',
    wall_ms: 0,
    cpu_ms: 0,
    max_rss_kb: 0,
    stdout_truncated: false,
    stderr_truncated: false,
    stdout_invalid_utf8: false,
    capture,
    variables: capture === 'none' ? null : {},
    sandbox_error: message,
  };
}
