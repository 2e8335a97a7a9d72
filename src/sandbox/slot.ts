/**
 * One sandbox slot: a long-lived fork-server process (inside its own bubblewrap) that
 * runs one job at a time. The slot checks every answer (frame shape, request id) and
 * runs a watchdog; anything off and the slot is killed and started again, and the job
 * in flight gets a `sandbox_error` result instead of hanging or throwing.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CoderlError } from '../core/index.js';
import type { SlotLaunch } from './isolation.js';
import { encodeRequest, encodeShutdown, FrameDecoder, type Frame, type RawResult, type WireRequest } from './protocol.js';
import { FatalFrameSchema, ReadyFrameSchema, type ReadyFrame } from './schema.js';

export interface SlotRequest extends WireRequest {
  watchdogMs: number;
}

type Waiter = { resolve: (f: Frame) => void; reject: (e: Error) => void };

const STDERR_KEEP_BYTES = 8192;

export class Slot {
  private proc: ChildProcessWithoutNullStreams | null = null;
  private waiter: Waiter | null = null;
  private stderrTail = '';
  private busy = false;
  private exitPromise: Promise<void> = Promise.resolve();
  ready: ReadyFrame | null = null;
  restarts = 0;
  private closed = false;
  jobsRun = 0;

  constructor(
    readonly name: string,
    private readonly launch: () => SlotLaunch,
    private readonly startTimeoutMs: number,
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async start(): Promise<ReadyFrame> {
    const { command, args, env } = this.launch();
    const proc = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: false });
    this.proc = proc;
    this.stderrTail = '';
    const decoder = new FrameDecoder(this.name);
    proc.stdout.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.failWaiter(err as Error);
        this.kill();
        return;
      }
      for (const frame of frames) this.deliver(frame);
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_KEEP_BYTES);
    });
    proc.stdin.on('error', () => {
      /* reported through 'exit' */
    });
    this.exitPromise = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        if (this.proc === proc) this.proc = null;
        this.failWaiter(
          new CoderlError('CRL_ERR_SANDBOX_PROTOCOL', [
            this.name,
            `server exited (code ${code}, signal ${signal}): ${this.stderrTail.trim().slice(-500)}`,
          ]),
        );
        resolve();
      });
      proc.on('error', (err) => {
        this.failWaiter(err);
        resolve();
      });
    });
    let frame: Frame;
    try {
      frame = await this.nextFrame(this.startTimeoutMs);
    } catch (err) {
      this.kill();
      throw new CoderlError('CRL_ERR_SANDBOX_START_FAILED', [this.name, (err as Error).message], { cause: err });
    }
    const header = frame.kind === 'json' ? frame.header : { kind: 'binary result' };
    const fatal = FatalFrameSchema.safeParse(header);
    if (fatal.success) {
      this.kill();
      throw new CoderlError('CRL_ERR_SANDBOX_START_FAILED', [this.name, fatal.data.error]);
    }
    const ready = ReadyFrameSchema.safeParse(header);
    if (!ready.success) {
      this.kill();
      throw new CoderlError('CRL_ERR_SANDBOX_START_FAILED', [this.name, `unexpected first frame ${JSON.stringify(header)}`]);
    }
    this.ready = ready.data;
    return ready.data;
  }

  /** Run one job. Resolves with the raw result; rejects only if the slot broke (then it restarts). */
  async run(req: SlotRequest): Promise<RawResult> {
    if (this.busy) throw new Error(`slot ${this.name} is busy`); // pool bug, not user error
    this.busy = true;
    try {
      if (!this.proc && this.closed) throw new CoderlError('CRL_ERR_SANDBOX_POOL_CLOSED');
      if (!this.proc) await this.restart();
      const proc = this.proc as ChildProcessWithoutNullStreams;
      const framePromise = this.nextFrame(req.watchdogMs);
      proc.stdin.write(encodeRequest(req));
      let frame: Frame;
      try {
        frame = await framePromise;
      } catch (err) {
        await this.restart();
        throw err;
      }
      if (frame.kind !== 'result' || frame.result.frame.id !== req.id) {
        const why = frame.kind === 'result' ? `answer for job ${frame.result.frame.id} while ${req.id} was running` : 'a JSON frame after startup';
        await this.restart();
        throw new CoderlError('CRL_ERR_SANDBOX_PROTOCOL', [this.name, why]);
      }
      this.jobsRun++;
      return frame.result;
    } finally {
      this.busy = false;
    }
  }

  /** Stop for good: a job that breaks during the pool's shutdown does not bring the slot back. */
  async close(): Promise<void> {
    this.closed = true;
    await this.stop();
  }

  async restart(): Promise<void> {
    if (this.closed) return;
    this.restarts++;
    await this.stop();
    await this.start();
  }

  /** Ask the server to exit; kill it if it does not within a second. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    try {
      proc.stdin.end(encodeShutdown());
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => this.kill(), 1000);
    await this.exitPromise;
    clearTimeout(timer);
  }

  kill(): void {
    // bwrap is pid 1 of the slot's pid namespace: when it dies the kernel kills the rest.
    this.proc?.kill('SIGKILL');
  }

  private nextFrame(timeoutMs: number): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        this.kill();
        reject(new CoderlError('CRL_ERR_SANDBOX_PROTOCOL', [this.name, `no answer within ${timeoutMs} ms`]));
      }, timeoutMs);
      this.waiter = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
  }

  private deliver(frame: Frame): void {
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) {
      waiter.resolve(frame);
      return;
    }
    // An unsolicited frame means the server and host disagree about state.
    this.kill();
  }

  private failWaiter(err: Error): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.reject(err);
  }
}
