/**
 * Isolation choice and the bubblewrap command line (pure), interpreter ranking, limit
 * resolution, and the unsafe (no-namespace) mode end to end.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CoderlError } from '../../src/core/index.js';
import {
  bwrapLaunch,
  chooseIsolation,
  DEFAULT_LIMITS,
  DEFAULT_MAXIMA,
  limitsToWire,
  rankInterpreters,
  resolveLimits,
  SANDBOX_NATIVE_PATH,
  SANDBOX_SERVER_DIR,
  SandboxPool,
  SERVER_PACKAGE_DIR,
  unsafeLaunch,
  VARS_MAX_BYTES,
  type Interpreter,
  type IsolationProbe,
} from '../../src/sandbox/index.js';
import { py } from './helpers.js';
import { REFERENCE_SUFFIX } from '../../src/sandbox/reference-capture.js';

function isRefusal(pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof CoderlError, `expected a CoderlError, got ${String(err)}`);
    assert.equal(err.code, 'CRL_ERR_SANDBOX_UNSAFE_REFUSED');
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

describe('chooseIsolation', () => {
  const probes: Array<[string, IsolationProbe]> = [
    ['root+bwrap', { isRoot: true, bwrapPath: '/usr/bin/bwrap' }],
    ['root, no bwrap', { isRoot: true, bwrapPath: null }],
    ['bwrap, not root', { isRoot: false, bwrapPath: '/usr/bin/bwrap' }],
    ['neither', { isRoot: false, bwrapPath: null }],
  ];
  // expected[requested][allowUnsafe][probe] : mode or 'refused'
  const table: Record<'auto' | 'bwrap' | 'unsafe', Record<'true' | 'false', string[]>> = {
    auto: {
      false: ['bwrap', 'refused', 'refused', 'refused'],
      true: ['bwrap', 'unsafe', 'unsafe', 'unsafe'],
    },
    bwrap: {
      false: ['bwrap', 'refused', 'refused', 'refused'],
      true: ['bwrap', 'refused', 'refused', 'refused'],
    },
    unsafe: {
      false: ['refused', 'refused', 'refused', 'refused'],
      true: ['unsafe', 'unsafe', 'unsafe', 'unsafe'],
    },
  };
  for (const requested of ['auto', 'bwrap', 'unsafe'] as const) {
    for (const allowUnsafe of [false, true]) {
      probes.forEach(([name, probe], i) => {
        const expected = table[requested][String(allowUnsafe) as 'true' | 'false'][i];
        test(`${requested}, allowUnsafe=${allowUnsafe}, ${name} → ${expected}`, () => {
          if (expected === 'refused') {
            // refusing the unsafe fallback must tell the user how to opt in
            const pattern = requested === 'bwrap' ? /bwrap isolation needs both/ : /--unsafe-no-sandbox/;
            assert.throws(() => chooseIsolation(requested, allowUnsafe, probe), isRefusal(pattern));
          } else {
            assert.equal(chooseIsolation(requested, allowUnsafe, probe), expected);
          }
        });
      });
    }
  }

  test('the refusal says what is missing', () => {
    assert.throws(() => chooseIsolation('auto', false, { isRoot: true, bwrapPath: null }), isRefusal(/bubblewrap \(bwrap\) is not installed/));
    assert.throws(() => chooseIsolation('auto', false, { isRoot: false, bwrapPath: '/x/bwrap' }), isRefusal(/not running as root/));
    assert.throws(() => chooseIsolation('bwrap', true, { isRoot: false, bwrapPath: '/x/bwrap' }), isRefusal(/not running as root/));
    assert.throws(() => chooseIsolation('unsafe', false, { isRoot: true, bwrapPath: '/x/bwrap' }), isRefusal(/unsafe isolation requested/));
  });
});

describe('bwrapLaunch', () => {
  const interpreter: Interpreter = {
    executable: '/root/.pyenv/versions/3.12.1/bin/python3.12',
    version: [3, 12, 1],
    implementation: 'cpython',
    prefixes: ['/root/.pyenv/versions/3.12.1'],
    monitoring: true,
  };
  const base = { bwrapPath: '/usr/bin/bwrap', interpreter, uid: 63901, scratchMb: 48, hashSeed: 0 as number | 'random', prelude: { preimport: ['math', 're'], native: '/cache/forkserver-abc.so', programs: { harness: 'print(1)' } } };
  const launch = bwrapLaunch(base);
  const args = launch.args;

  /** index of `seq` as a contiguous run inside args, or -1 */
  function indexOfSeq(list: string[], seq: string[]): number {
    for (let i = 0; i + seq.length <= list.length; i++) if (seq.every((s, j) => list[i + j] === s)) return i;
    return -1;
  }
  function hasSeq(seq: string[]) {
    assert.notEqual(indexOfSeq(args, seq), -1, `expected ${seq.join(' ')} in ${args.join(' ')}`);
    return indexOfSeq(args, seq);
  }

  test('runs bwrap with an empty host environment for bwrap itself', () => {
    assert.equal(launch.command, '/usr/bin/bwrap');
    assert.deepEqual(launch.env, {});
  });

  test('private pid, net, ipc and uts namespaces; no user namespace; no shared net', () => {
    for (const flag of ['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts']) assert.ok(args.includes(flag), flag);
    for (const flag of ['--unshare-user', '--unshare-user-try', '--share-net', '--unshare-all']) assert.ok(!args.includes(flag), flag);
    assert.ok(args.includes('--die-with-parent'));
    assert.ok(args.includes('--new-session'));
  });

  test('--clearenv before every --setenv; PATH and LANG set', () => {
    const clear = args.indexOf('--clearenv');
    assert.ok(clear >= 0);
    const firstSetenv = args.indexOf('--setenv');
    assert.ok(firstSetenv > clear, '--setenv after --clearenv');
    hasSeq(['--setenv', 'PATH', '/usr/local/bin:/usr/bin:/bin']);
    hasSeq(['--setenv', 'LANG', 'C.UTF-8']);
  });

  test('read-only root, all capabilities dropped then the server set added back', () => {
    const remount = hasSeq(['--remount-ro', '/']);
    const drop = hasSeq(['--cap-drop', 'ALL']);
    const firstAdd = args.indexOf('--cap-add');
    assert.ok(firstAdd > drop, '--cap-add after --cap-drop ALL');
    const added = args.flatMap((a, i) => (a === '--cap-add' ? [args[i + 1]] : []));
    assert.deepEqual(added.sort(), ['CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID']);
    // every mount comes before the remount, or it would be writable
    const lastMount = Math.max(...args.flatMap((a, i) => (['--ro-bind', '--tmpfs', '--dir', '--proc', '--dev'].includes(a) ? [i] : [])));
    assert.ok(lastMount < remount, 'mounts before --remount-ro /');
  });

  test('a size-limited tmpfs at /tmp: --size applies to the --tmpfs that follows', () => {
    const i = hasSeq(['--size', String(48 * 1024 * 1024), '--tmpfs', '/tmp']);
    assert.deepEqual(args.slice(i - 2, i), ['--perms', '1777']);
    hasSeq(['--chdir', '/tmp']);
  });

  test('binds /usr, the server package and the interpreter prefix read-only; creates its parents with 0755', () => {
    hasSeq(['--ro-bind', '/usr', '/usr']);
    hasSeq(['--ro-bind', SERVER_PACKAGE_DIR, SANDBOX_SERVER_DIR]);
    const bind = hasSeq(['--ro-bind', '/root/.pyenv/versions/3.12.1', '/root/.pyenv/versions/3.12.1']);
    const dirs = ['/root', '/root/.pyenv', '/root/.pyenv/versions'].map((d) => hasSeq(['--perms', '0755', '--dir', d]));
    assert.ok(dirs[0]! < dirs[1]! && dirs[1]! < dirs[2]! && dirs[2]! < bind, 'parents outermost first, before the bind');
    assert.ok(!args.includes('--bind'), 'nothing is bound writable');
    assert.ok(!args.includes('/root/.pyenv/versions/3.12.1/bin'), 'the prefix itself is not created as an empty dir');
  });

  test('shared parents are created once; prefixes under /usr need no bind', () => {
    const two = bwrapLaunch({
      ...base,
      interpreter: { ...interpreter, prefixes: ['/root/venv', '/root/.pyenv/versions/3.12.1', '/usr/local'] },
    }).args;
    const dirs = two.flatMap((a, i) => (a === '--dir' ? [two[i + 1]] : []));
    assert.deepEqual(dirs, ['/root', '/root/.pyenv', '/root/.pyenv/versions']);
    assert.notEqual(indexOfSeq(two, ['--ro-bind', '/root/venv', '/root/venv']), -1);
    assert.equal(indexOfSeq(two, ['--ro-bind', '/usr/local', '/usr/local']), -1);
  });

  test('the server command line: interpreter, isolated flags, settings JSON with the slot uid', () => {
    const exe = args.indexOf(interpreter.executable);
    assert.ok(exe > args.indexOf('--chdir'));
    assert.deepEqual(args.slice(exe + 1, exe + 5), ['-s', '-B', '-P', '-c']);
    assert.match(args[exe + 5] as string, new RegExp(`sys.path.insert\\(0, "${SANDBOX_SERVER_DIR}"\\)`));
    assert.equal(args.length, exe + 7);
    assert.deepEqual(JSON.parse(args[exe + 6] as string), {
      isolated: true,
      uid: 63901,
      gid: 63901,
      scratch: '/tmp',
      preimport: ['math', 're'],
      native: SANDBOX_NATIVE_PATH,
      reference_suffix: REFERENCE_SUFFIX,
      programs: [['harness', 'print(1)']],
    });
  });

  test('the native fork-server library is bound read-only at the path the settings name', () => {
    assert.notEqual(indexOfSeq(args, ['--ro-bind', '/cache/forkserver-abc.so', SANDBOX_NATIVE_PATH]), -1);
    assert.ok(indexOfSeq(args, ['--ro-bind', '/cache/forkserver-abc.so', SANDBOX_NATIVE_PATH]) < args.indexOf('--remount-ro'));
  });

  test('PYTHONHASHSEED only when hashSeed is a number (0 included)', () => {
    assert.notEqual(indexOfSeq(args, ['--setenv', 'PYTHONHASHSEED', '0']), -1);
    const seeded = bwrapLaunch({ ...base, hashSeed: 1234 }).args;
    assert.notEqual(indexOfSeq(seeded, ['--setenv', 'PYTHONHASHSEED', '1234']), -1);
    const random = bwrapLaunch({ ...base, hashSeed: 'random' }).args;
    assert.ok(!random.includes('PYTHONHASHSEED'));
    assert.ok(random.includes('--clearenv'));
  });

  test('unsafeLaunch: same environment rules, not isolated, no uid', () => {
    const prelude = { preimport: [], native: '/cache/f.so', programs: {} };
    const u = unsafeLaunch({ interpreter, scratchDir: '/tmp/x', hashSeed: 0, prelude });
    assert.equal(u.command, interpreter.executable);
    assert.deepEqual(u.env, { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', LD_BIND_NOW: '1', PYTHONHASHSEED: '0' });
    assert.deepEqual(JSON.parse(u.args.at(-1) as string), {
      isolated: false,
      uid: -1,
      gid: -1,
      scratch: '/tmp/x',
      preimport: [],
      native: '/cache/f.so',
      reference_suffix: REFERENCE_SUFFIX,
      programs: [],
    });
    assert.ok(!('PYTHONHASHSEED' in unsafeLaunch({ interpreter, scratchDir: '/tmp/x', hashSeed: 'random', prelude }).env));
  });
});

describe('rankInterpreters', () => {
  const mk = (version: [number, number, number], implementation = 'cpython'): Interpreter => ({
    executable: `/opt/${implementation}-${version.join('.')}/bin/python3`,
    version,
    implementation,
    prefixes: [],
    monitoring: version[1] >= 12,
  });

  test('CPython 3.12 over 3.13 over 3.11; newest patch first; non-CPython and 3.10 dropped', () => {
    const found = [
      mk([3, 11, 9]),
      mk([3, 10, 14]),
      mk([3, 13, 0]),
      mk([3, 12, 1]),
      mk([3, 12, 0], 'pypy'),
      mk([3, 13, 2]),
      mk([3, 12, 10]),
      mk([3, 11, 2]),
      mk([3, 12, 4]),
      mk([2, 7, 18]),
    ];
    const ranked = rankInterpreters(found).map((i) => `${i.implementation} ${i.version.join('.')}`);
    assert.deepEqual(ranked, [
      'cpython 3.12.10',
      'cpython 3.12.4',
      'cpython 3.12.1',
      'cpython 3.13.2',
      'cpython 3.13.0',
      'cpython 3.11.9',
      'cpython 3.11.2',
    ]);
    assert.equal(found.length, 10, 'the input list is not modified');
    assert.deepEqual(found[0]?.version, [3, 11, 9]);
  });

  test('nothing usable → empty', () => {
    assert.deepEqual(rankInterpreters([mk([3, 10, 0]), mk([3, 12, 0], 'graalpy')]), []);
    assert.deepEqual(rankInterpreters([]), []);
  });
});

describe('resolveLimits / limitsToWire', () => {
  test('with nothing given, the built-in defaults', () => {
    assert.deepEqual(resolveLimits({}, {}, {}), DEFAULT_LIMITS);
  });

  test('job value beats pool default beats built-in default', () => {
    const r = resolveLimits({ timeoutMs: 100 }, { timeoutMs: 200, memoryMb: 512 }, {});
    assert.equal(r.timeoutMs, 100);
    assert.equal(r.memoryMb, 512);
    assert.equal(r.fileSizeMb, DEFAULT_LIMITS.fileSizeMb);
    assert.equal(r.openFiles, DEFAULT_LIMITS.openFiles);
  });

  test('everything is clamped to the pool maxima, else the built-in maxima', () => {
    const r = resolveLimits(
      { timeoutMs: 10_000, stdoutMaxBytes: 10 ** 12 },
      { memoryMb: 4096, processes: 100 },
      { timeoutMs: 500, memoryMb: 2048, fileSizeMb: 4 },
    );
    assert.equal(r.timeoutMs, 500, 'job value clamped');
    assert.equal(r.memoryMb, 2048, 'pool default clamped');
    assert.equal(r.fileSizeMb, 4, 'built-in default clamped');
    assert.equal(r.processes, 100);
    assert.equal(r.stdoutMaxBytes, DEFAULT_MAXIMA.stdoutMaxBytes, 'built-in maximum');
    assert.equal(resolveLimits({ timeoutMs: 10 ** 9 }, {}, {}).timeoutMs, DEFAULT_MAXIMA.timeoutMs);
    assert.equal(resolveLimits({ timeoutMs: 300 }, {}, { timeoutMs: 500 }).timeoutMs, 300, 'below the maximum: unchanged');
  });

  test('wire numbers: bytes, and the CPU limit from the wall timeout', () => {
    const wire = limitsToWire({
      timeoutMs: 1,
      memoryMb: 2,
      fileSizeMb: 3,
      openFiles: 4,
      processes: 5,
      stdoutMaxBytes: 6,
      stderrMaxBytes: 7,
      trajectoryMaxSteps: 8,
    });
    assert.deepEqual(wire, {
      timeoutMs: 1,
      cpuLimitS: 2, // ceil(1 ms / 1000) + 1
      memoryBytes: 2 << 20,
      fileSizeBytes: 3 << 20,
      openFiles: 4,
      processes: 5,
      stdoutMaxBytes: 6,
      stderrMaxBytes: 7,
      varsMaxBytes: VARS_MAX_BYTES,
      trajectoryMaxSteps: 8,
    });
    assert.equal(limitsToWire({ ...DEFAULT_LIMITS, timeoutMs: 6000 }).cpuLimitS, 7);
    assert.equal(limitsToWire({ ...DEFAULT_LIMITS, timeoutMs: 6001 }).cpuLimitS, 8);
  });
});

describe('unsafe mode (no namespaces) end to end', () => {
  let pool: SandboxPool;
  const logged: string[] = [];
  before(async () => {
    pool = await SandboxPool.create({ isolation: 'unsafe', allowUnsafe: true, slots: 1, uidBase: 63900 }, (l) => logged.push(l));
  });
  after(async () => {
    await pool?.close();
  });

  test('starts loudly and runs a program', async () => {
    assert.equal(pool.info().isolation, 'unsafe');
    assert.match(logged.join('\n'), /WITHOUT a sandbox/);
    const r = await pool.run({ code: 'print(1)' });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout, '1\n');
    assert.equal(r.exit_code, 0);
  });

  test("the program sees the slot's environment, without the server-only LD_BIND_NOW", async () => {
    const r = await pool.run({ code: 'import os\nprint(sorted(os.environ))' });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout, "['LANG', 'PATH']\n");
  });

  test('a leftover daemon (fork + setsid + sleep) is killed after the job', async () => {
    const r = await pool.run({
      code: py([
        'import os, sys, time',
        'pid = os.fork()',
        'if pid == 0:',
        '    os.setsid()',
        '    time.sleep(5)',
        '    os._exit(0)',
        'print(pid, flush=True)',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    const pid = Number(r.stdout.trim());
    assert.ok(Number.isInteger(pid) && pid > 1, `daemon pid ${r.stdout}`);
    assert.ok(r.wall_ms < 3000, `the daemon does not hold the job open (${r.wall_ms} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    let state = 'gone';
    if (existsSync(`/proc/${pid}`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        state = `${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]} (${stat})`;
      } catch {
        /* exited meanwhile */
      }
    }
    assert.equal(state, 'gone', `daemon ${pid} is still there`);
    // the slot is still usable
    assert.equal((await pool.run({ code: 'print(2)' })).stdout, '2\n');
  });

  test('isolation: "unsafe" without allowUnsafe is refused', async () => {
    await assert.rejects(SandboxPool.create({ isolation: 'unsafe', slots: 1, uidBase: 63910 }, () => undefined), isRefusal(/--unsafe-no-sandbox/));
  });
});
