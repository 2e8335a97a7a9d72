/**
 * The native half of the fork-server (src/sandbox/native/forkserver.c, plus paper
 * capture's return hook, return_hook.c, in the same library): built on first
 * use with the system's C compiler into a per-user cache, keyed by the source's hash, and
 * loaded by each slot's Python server through ctypes (so no Python headers are needed).
 *
 * Why a build step at all: the per-job loop (fork, supervise, answer) must not run
 * Python in the server, because after every fork each page the server writes is copied;
 * bench/sandbox measured the Python loop at ~600 such faults per job. See the C file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoderlError } from '../core/index.js';

/** The C sources in the checkout (works from src/ and dist/), built into one library. */
export const NATIVE_SOURCES: readonly string[] = ['forkserver.c', 'return_hook.c'].map((file) =>
  fileURLToPath(new URL(`../../src/sandbox/native/${file}`, import.meta.url)),
);

/** -O2 for speed; warnings are errors so a compiler that dislikes the file fails loudly here. */
const CFLAGS = ['-O2', '-std=gnu11', '-Wall', '-Werror', '-shared', '-fPIC'];

/** Where built libraries are kept: CODERL_CACHE_DIR, else $XDG_CACHE_HOME/coderl-plus, else ~/.cache/coderl-plus. */
export function nativeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODERL_CACHE_DIR) return path.resolve(env.CODERL_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(homedir(), '.cache');
  return path.join(base, 'coderl-plus');
}

/** The compiler to use: $CC, else the first of cc, gcc, clang that runs. */
export function findCCompiler(env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = env.CC ? [env.CC] : ['cc', 'gcc', 'clang'];
  for (const cc of candidates) {
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore', timeout: 10_000 });
      return cc;
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * Path of the built fork-server library, compiling it if this source has not been built
 * yet. Concurrent callers (test files in parallel) each compile to a private name and
 * rename into place, so a half-written library is never loaded.
 */
export function nativeForkServer(env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  for (const file of NATIVE_SOURCES) hash.update(path.basename(file)).update(readFileSync(file));
  const key = hash.update(CFLAGS.join(' ')).update(process.arch).digest('hex').slice(0, 16);
  const dir = nativeCacheDir(env);
  const target = path.join(dir, `forkserver-${key}.so`);
  if (existsSync(target)) return target;
  const cc = findCCompiler(env);
  if (!cc) {
    throw new CoderlError('CRL_ERR_SANDBOX_NATIVE_BUILD', [
      'no C compiler found ($CC, cc, gcc or clang); install one, e.g. `apt-get install gcc`',
    ]);
  }
  const temp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync(cc, [...CFLAGS, '-o', temp, ...NATIVE_SOURCES], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new CoderlError('CRL_ERR_SANDBOX_NATIVE_BUILD', [`${cc} failed on ${NATIVE_SOURCES.join(' ')}: ${stderr || (err as Error).message}`], { cause: err });
  }
  return target;
}
