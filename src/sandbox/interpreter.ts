/**
 * Finding the Python that runs sandboxed code. Detect, never assume: candidates come
 * from an explicit path, PATH, pyenv and the usual system locations; each is asked for
 * its version and layout. We keep CPython >= 3.11 (the fork-server uses 3.11 APIs) and
 * prefer 3.12+, where sys.monitoring makes function-local capture cheap.
 *
 * Preference among usable versions comes from bench/sandbox measurements on this
 * machine kind (see README); it is a list, not a hidden speed test at start-up.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CoderlError } from '../core/index.js';

export const MIN_PYTHON: readonly [number, number] = [3, 11];
/** Minor versions in order of preference (3.12 measured fastest here for fork-server jobs). */
export const PREFERRED_MINORS: readonly number[] = [12, 13, 11];

const ProbeSchema = z.object({
  version: z.tuple([z.number(), z.number(), z.number()]),
  implementation: z.string(),
  executable: z.string(),
  prefix: z.string(),
  base_prefix: z.string(),
  free_threaded: z.boolean(),
  debug: z.boolean(),
});

export interface Interpreter {
  /** the real binary (symlinks and pyenv shims resolved) */
  executable: string;
  version: [number, number, number];
  implementation: string;
  /** directories the interpreter needs visible inside the sandbox */
  prefixes: string[];
  /** sys.monitoring is available (3.12+): cheap `paper` capture */
  monitoring: boolean;
}

const PROBE = [
  'import json, sys, sysconfig',
  'print(json.dumps({',
  '"version": list(sys.version_info[:3]),',
  '"implementation": sys.implementation.name,',
  '"executable": sys.executable,',
  '"prefix": sys.prefix,',
  '"base_prefix": sys.base_prefix,',
  '"free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),',
  '"debug": hasattr(sys, "gettotalrefcount")}))',
].join('\n');

/** Probe answers by path: a process creates many pools (tests, restarts), and each probe
 * starts an interpreter (tens of milliseconds, a pyenv shim far more). By the path asked,
 * not its real path: a venv's symlinked python reports the venv's prefix. */
const probed = new Map<string, Interpreter | null>();

/** Ask one candidate what it is (once per path per process); null when it is not a working Python. */
export function probeInterpreter(candidate: string): Interpreter | null {
  if (!probed.has(candidate)) probed.set(candidate, probeUncached(candidate));
  return probed.get(candidate) ?? null;
}

function probeUncached(candidate: string): Interpreter | null {
  let out: string;
  try {
    out = execFileSync(candidate, ['-I', '-c', PROBE], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const parsed = ProbeSchema.safeParse(JSON.parse(out.trim().split('\n').pop() ?? 'null'));
  if (!parsed.success) return null;
  const p = parsed.data;
  const executable = realpathSync(p.executable);
  const prefixes = [...new Set([p.prefix, p.base_prefix].map((d) => realpathSync(d)))];
  if (p.free_threaded || p.debug) return null; // slower builds; never preferred
  return {
    executable,
    version: p.version,
    implementation: p.implementation,
    prefixes,
    monitoring: p.version[0] > 3 || (p.version[0] === 3 && p.version[1] >= 12),
  };
}

/** Candidate paths in discovery order (duplicates removed later by real path). pyenv's
 * shims are skipped when its versions directory is read directly: they are shell scripts
 * that end in the same binaries, only slower to ask. */
export function candidatePaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const names = ['python3.13', 'python3.12', 'python3.11', 'python3'];
  const out: string[] = [];
  const pyenvRoot = env.PYENV_ROOT ?? path.join(homedir(), '.pyenv');
  const versionsDir = path.join(pyenvRoot, 'versions');
  const readVersions = existsSync(versionsDir);
  const shims = path.join(pyenvRoot, 'shims');
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    if (readVersions && path.resolve(dir) === shims) continue;
    for (const name of names) out.push(path.join(dir, name));
  }
  if (readVersions) {
    for (const v of readdirSync(versionsDir)) out.push(path.join(versionsDir, v, 'bin', 'python3'));
  }
  for (const dir of ['/usr/local/bin', '/usr/bin']) {
    for (const name of names) out.push(path.join(dir, name));
  }
  return out.filter((p) => existsSync(p));
}

export function isUsable(i: Interpreter): boolean {
  const [major, minor] = i.version;
  return i.implementation === 'cpython' && (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]));
}

/** Order usable interpreters: preferred minor first, then newest patch. Pure, for tests. */
export function rankInterpreters(found: Interpreter[]): Interpreter[] {
  const rank = (i: Interpreter) => {
    const idx = PREFERRED_MINORS.indexOf(i.version[1]);
    return idx === -1 ? PREFERRED_MINORS.length : idx;
  };
  return found.filter(isUsable).sort((a, b) => rank(a) - rank(b) || b.version[2] - a.version[2]);
}

/** The configured interpreter, or the best one found. Throws CRL_ERR_SANDBOX_NO_PYTHON. */
export function findInterpreter(explicit?: string): Interpreter {
  const requested = explicit ?? process.env.CODERL_PYTHON;
  if (requested) {
    const probed = probeInterpreter(requested);
    if (!probed) throw new CoderlError('CRL_ERR_SANDBOX_NO_PYTHON', [`${requested} does not run`]);
    if (!isUsable(probed)) {
      throw new CoderlError('CRL_ERR_SANDBOX_NO_PYTHON', [
        `${requested} is ${probed.implementation} ${probed.version.join('.')}; need CPython >= ${MIN_PYTHON.join('.')}`,
      ]);
    }
    return probed;
  }
  const seen = new Map<string, Interpreter>();
  for (const candidate of candidatePaths()) {
    const probed = probeInterpreter(candidate);
    if (probed && !seen.has(probed.executable)) seen.set(probed.executable, probed);
  }
  const best = rankInterpreters([...seen.values()])[0];
  if (!best) {
    throw new CoderlError('CRL_ERR_SANDBOX_NO_PYTHON', [
      `none of ${seen.size} interpreters found is CPython >= ${MIN_PYTHON.join('.')}; pass --python PATH or set CODERL_PYTHON`,
    ]);
  }
  return best;
}
