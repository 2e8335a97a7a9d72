/**
 * How a slot is isolated, and the exact bubblewrap command line for it.
 *
 * `bwrap`: bubblewrap started as real root WITHOUT a user namespace (so the fork-server
 * can give each job a distinct non-root uid), private pid/net/ipc/uts namespaces, a
 * read-only root built from /usr plus the interpreter's prefix, an empty environment
 * (PATH and LANG only), and a size-limited tmpfs at /tmp as scratch. The server keeps
 * just the capabilities it needs to supervise; children lose all of them on setuid.
 *
 * `unsafe`: the fork-server runs directly on the host with rlimits and seccomp but no
 * namespaces and no uid switch. Only with an explicit opt-in, and loudly.
 */
import { accessSync, constants, existsSync, lstatSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoderlError } from '../core/index.js';
import type { Interpreter } from './interpreter.js';
import { REFERENCE_SUFFIX } from './reference-capture.js';
import type { Isolation } from './schema.js';

/** Where the fork-server package sits in the checkout (works from src/ and dist/). */
export const SERVER_PACKAGE_DIR = fileURLToPath(new URL('../../src/sandbox/python', import.meta.url));
export const SANDBOX_SERVER_DIR = '/opt/coderl';
export const SANDBOX_SCRATCH_DIR = '/tmp';
/** Where the built native fork-server library (src/sandbox/native.ts) is mounted inside a slot. */
export const SANDBOX_NATIVE_PATH = '/opt/coderl-native/forkserver.so';

/** Capabilities the fork-server keeps: setuid/setgid to the slot uid, kill leftovers,
 * clean files the job left (DAC override, fowner), drop the children's bounding set. */
export const SERVER_CAPABILITIES = ['CAP_SETUID', 'CAP_SETGID', 'CAP_KILL', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETPCAP'];

export const SANDBOX_ENV: Readonly<Record<string, string>> = Object.freeze({
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LANG: 'C.UTF-8', // UTF-8 stdio, as a program gets on a normal machine
});

/** For the fork-server only (it removes it from its environment before any job): resolve
 * every dynamic symbol at startup, so forked children never write the GOT pages. */
const SERVER_ONLY_ENV: Readonly<Record<string, string>> = Object.freeze({ LD_BIND_NOW: '1' });

/**
 * Modules the server imports before forking: the reference's star-import prelude (SPEC §2)
 * and a few modules programs commonly use. Not `threading`: its at-fork hook costs every
 * child ~0.25 ms, while the few programs that use threads pay its import once.
 */
export const DEFAULT_PREIMPORT = [
  'string', 're', 'datetime', 'collections', 'heapq', 'bisect', 'copy', 'math', 'random',
  'statistics', 'itertools', 'functools', 'operator', 'io', 'sys', 'json', 'typing',
  'fractions', 'decimal', 'array', 'traceback', 'atexit',
];

export interface IsolationProbe {
  isRoot: boolean;
  bwrapPath: string | null;
}

export function probeIsolation(): IsolationProbe {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let bwrapPath: string | null = null;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const candidate = path.join(dir, 'bwrap');
    try {
      accessSync(candidate, constants.X_OK);
      bwrapPath = candidate;
      break;
    } catch {
      /* not here */
    }
  }
  return { isRoot, bwrapPath };
}

/** Decide the isolation mode. Pure: takes the probe, returns the mode or throws. */
export function chooseIsolation(requested: 'auto' | Isolation, allowUnsafe: boolean, probe: IsolationProbe): Isolation {
  const missing = !probe.bwrapPath ? 'bubblewrap (bwrap) is not installed' : !probe.isRoot ? 'not running as root' : null;
  if (requested === 'bwrap' || (requested === 'auto' && !missing)) {
    if (missing) throw new CoderlError('CRL_ERR_SANDBOX_UNSAFE_REFUSED', [`${missing}; bwrap isolation needs both`]);
    return 'bwrap';
  }
  if (!allowUnsafe) {
    throw new CoderlError('CRL_ERR_SANDBOX_UNSAFE_REFUSED', [
      `${missing ?? 'unsafe isolation requested'}. Install bubblewrap and run as root, or pass --unsafe-no-sandbox ` +
        '(allowUnsafe: true) to run untrusted code with rlimits and seccomp only, at your own risk',
    ]);
  }
  return 'unsafe';
}

export const UNSAFE_WARNING = [
  '!'.repeat(78),
  '!! coderl: running UNTRUSTED code WITHOUT a sandbox (--unsafe-no-sandbox).',
  '!! No namespaces, no uid switch: programs can read your files, reach the network',
  '!! and leave processes behind. Use only on a throwaway machine.',
  '!'.repeat(78),
].join('\n');

/** bwrap arguments that recreate /bin, /lib, ... as they are on the host (merged-/usr or not). */
function topLevelDirs(): string[] {
  const args: string[] = [];
  for (const dir of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(dir)) continue;
    const st = lstatSync(dir);
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  return args;
}

/** Directories to create (mode 0755) so a prefix under e.g. /root stays reachable for the slot uid. */
function parentsOf(dir: string): string[] {
  const parts = dir.split('/').filter(Boolean);
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push('/' + parts.slice(0, i).join('/'));
  return out;
}

export interface SlotLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** What every slot of a pool starts with, whatever its isolation. */
export interface ServerPrelude {
  preimport: readonly string[];
  /** the built fork-server library on the host (nativeForkServer()) */
  native: string;
  /** preloaded programs, name → source, in the order jobs number them (1-based) */
  programs: Readonly<Record<string, string>>;
}

/** The server's settings JSON (server.py main()); `native` is the fork-server library's path as the server sees it. */
export function serverSettings(isolated: boolean, uid: number, scratch: string, prelude: ServerPrelude, native: string) {
  return JSON.stringify({
    isolated,
    uid,
    gid: uid,
    scratch,
    preimport: prelude.preimport,
    native,
    reference_suffix: REFERENCE_SUFFIX,
    programs: Object.entries(prelude.programs),
  });
}

const LAUNCHER = (serverDir: string) =>
  `import sys; sys.path.insert(0, ${JSON.stringify(serverDir)}); from coderl_sandbox.server import main; sys.exit(main())`;

export function bwrapLaunch(opts: {
  bwrapPath: string;
  interpreter: Interpreter;
  uid: number;
  scratchMb: number;
  hashSeed: number | 'random';
  prelude: ServerPrelude;
}): SlotLaunch {
  const args = [
    '--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try',
    '--die-with-parent', '--new-session', '--clearenv', '--hostname', 'sandbox',
  ];
  for (const [k, v] of Object.entries({ ...SANDBOX_ENV, ...SERVER_ONLY_ENV })) args.push('--setenv', k, v);
  if (opts.hashSeed !== 'random') args.push('--setenv', 'PYTHONHASHSEED', String(opts.hashSeed));
  args.push('--ro-bind', '/usr', '/usr', ...topLevelDirs());
  for (const f of ['/etc/ld.so.cache', '/etc/localtime']) args.push('--ro-bind-try', f, f);
  const created = new Set<string>(['/usr']);
  for (const prefix of opts.interpreter.prefixes) {
    if (prefix === '/usr' || prefix.startsWith('/usr/')) continue;
    for (const parent of parentsOf(prefix)) {
      if (created.has(parent)) continue;
      created.add(parent);
      args.push('--perms', '0755', '--dir', parent);
    }
    args.push('--ro-bind', prefix, prefix);
  }
  args.push('--ro-bind', SERVER_PACKAGE_DIR, SANDBOX_SERVER_DIR);
  args.push('--ro-bind', opts.prelude.native, SANDBOX_NATIVE_PATH);
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--perms', '1777', '--size', String(opts.scratchMb * 1024 * 1024), '--tmpfs', SANDBOX_SCRATCH_DIR);
  args.push('--remount-ro', '/');
  args.push('--cap-drop', 'ALL');
  for (const cap of SERVER_CAPABILITIES) args.push('--cap-add', cap);
  args.push('--chdir', SANDBOX_SCRATCH_DIR);
  args.push(
    opts.interpreter.executable, '-s', '-B', '-P', '-c', LAUNCHER(SANDBOX_SERVER_DIR),
    serverSettings(true, opts.uid, SANDBOX_SCRATCH_DIR, opts.prelude, SANDBOX_NATIVE_PATH),
  );
  return { command: opts.bwrapPath, args, env: {} };
}

export function unsafeLaunch(opts: {
  interpreter: Interpreter;
  scratchDir: string;
  hashSeed: number | 'random';
  prelude: ServerPrelude;
}): SlotLaunch {
  const env: Record<string, string> = { ...SANDBOX_ENV, ...SERVER_ONLY_ENV };
  if (opts.hashSeed !== 'random') env.PYTHONHASHSEED = String(opts.hashSeed);
  return {
    command: opts.interpreter.executable,
    args: ['-s', '-B', '-P', '-c', LAUNCHER(SERVER_PACKAGE_DIR), serverSettings(false, -1, opts.scratchDir, opts.prelude, opts.prelude.native)],
    env,
  };
}
