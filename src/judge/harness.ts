/**
 * The Python harness (python/harness.py) as a sandbox job, and the parsing of its reports.
 * The harness file is read once from the source tree (also from dist/, like the sandbox's
 * own Python package).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_PREIMPORT } from '../sandbox/isolation.js';
import type { SandboxPool } from '../sandbox/index.js';

export const HARNESS_PATH = fileURLToPath(new URL('../../src/judge/python/harness.py', import.meta.url));

let cachedSource: string | undefined;
/** The harness source (what a job would run if it compiled the harness itself). */
export function harnessSource(): string {
  cachedSource ??= readFileSync(HARNESS_PATH, 'utf8');
  return cachedSource;
}

/**
 * Modules the judge's jobs use beyond the sandbox's default pre-imports. A pool created with
 * `preimport: JUDGE_PREIMPORT` imports them once in each fork-server instead of once per job.
 */
export const JUDGE_PREIMPORT: readonly string[] = [...DEFAULT_PREIMPORT, 'ast', 'select', 'shutil', 'subprocess', 'marshal', 'base64'];

/** The harness's name among a pool's preloaded programs (SandboxOptions.programs). */
export const HARNESS_PROGRAM = 'coderl-judge-harness';

/**
 * Options for a pool that runs the judge: its modules preimported and its harness
 * preloaded, i.e. compiled once in each fork-server, so a judge job compiles nothing of
 * ours. Spread into SandboxPool.create's options.
 */
export function judgeSandboxOptions(): { preimport: string[]; programs: Record<string, string> } {
  return { preimport: [...JUDGE_PREIMPORT], programs: { [HARNESS_PROGRAM]: harnessSource() } };
}

const bootstraps = new WeakMap<SandboxPool, Promise<string>>();

/**
 * The code and program fields of a harness job. On a pool made with judgeSandboxOptions()
 * the harness is preloaded. On any other pool the job is a few lines that unmarshal the
 * harness's code object: compiling the 20 kB harness costs more than everything else in a
 * job, so it is compiled once per pool, inside the sandbox (same interpreter, so the
 * marshal format matches), and reused.
 */
export async function harnessJob(pool: SandboxPool): Promise<{ code: string; program?: string }> {
  if (pool.hasProgram(HARNESS_PROGRAM)) return { code: '', program: HARNESS_PROGRAM };
  let program = bootstraps.get(pool);
  if (!program) {
    program = compileInSandbox(pool);
    bootstraps.set(pool, program);
    program.catch(() => bootstraps.delete(pool));
  }
  return { code: await program };
}

async function compileInSandbox(pool: SandboxPool): Promise<string> {
  const source = harnessSource();
  const result = await pool.run({
    code: 'import sys, marshal, base64\nsrc = sys.stdin.read()\nsys.stdout.write(base64.b64encode(marshal.dumps(compile(src, "<coderl-judge-harness>", "exec"))).decode())\n',
    stdin: source,
    timeoutMs: 30_000,
  });
  if (result.status !== 'ok' || !/^[A-Za-z0-9+/=]+$/.test(result.stdout)) {
    // Fall back to shipping the source; slower, same behaviour.
    return source;
  }
  return `import marshal, base64\nexec(marshal.loads(base64.b64decode(${JSON.stringify(result.stdout)})))\n`;
}

export function newNonce(): string {
  return `@@coderl-judge-${randomBytes(12).toString('hex')}@@`;
}

/** The payload the harness reads from stdin. Inputs only: never expected outputs. */
export interface HarnessPayload {
  nonce: string;
  mode: 'stdin' | 'call' | 'asserts' | 'eval';
  /** the code ast.parse must accept first (default: code) */
  parse_check?: string;
  preset: 'reference' | 'lenient';
  code: string;
  fn_name?: string | null;
  /** reference call-based: wrap a top-level fn_name function in class Solution (default true) */
  wrap_function?: boolean;
  inputs?: unknown[];
  test_code?: string;
  timeout_s: number;
  max_output_bytes: number;
  int_max_str_digits: number;
}

export const FrameSchema = z.discriminatedUnion('k', [
  z.object({ k: z.literal('start') }),
  z.object({ k: z.literal('end') }),
  z.object({ k: z.literal('prep'), phase: z.string(), error: z.string() }),
  z.object({ k: z.literal('fatal'), error: z.string() }),
  z.object({ k: z.literal('asserts'), ok: z.boolean(), err: z.string().optional() }),
  z.object({ k: z.literal('eval'), ok: z.boolean(), src: z.string(), out: z.unknown().optional(), err: z.string().optional() }),
  z.object({
    k: z.literal('test'),
    i: z.number().int().min(0),
    st: z.enum(['ok', 'exc', 'timeout', 'output_limit']),
    out: z.unknown().optional(),
    err: z.string().optional(),
    ms: z.number().optional(),
  }),
]);
export type Frame = z.infer<typeof FrameSchema>;

/** Frames in order. A frame cut short (the job was killed mid-write) or forged badly is dropped. */
export function parseFrames(stdout: string, nonce: string): Frame[] {
  const frames: Frame[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(nonce)) continue;
    try {
      const parsed = FrameSchema.safeParse(JSON.parse(line.slice(nonce.length)));
      if (parsed.success) frames.push(parsed.data);
    } catch {
      /* truncated */
    }
  }
  return frames;
}
