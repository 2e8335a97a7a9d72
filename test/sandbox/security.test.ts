/**
 * Attack probes against the sandbox. Every test runs a hostile program and asserts the
 * attack FAILED, and that the slot is still healthy afterwards (same server, clean state).
 * Pools have one slot so consecutive jobs share a slot (the interesting case for leaks).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { SandboxPool } from '../../src/sandbox/index.js';
import { hostProcessesWithUid, py, testPool } from './helpers.js';

const UID_BASE = 63000;
let pool: SandboxPool;
let serverPids: number[];

before(async () => {
  process.env.CODERL_TEST_PARENT_SECRET = 'parent-env-secret-4f1c';
  pool = await testPool({ uidBase: UID_BASE });
  serverPids = pool.slotPids();
});
after(async () => {
  await pool.close();
});

/** The slot survived: same server process, no restart, and it still runs programs. */
async function assertSlotHealthy(): Promise<void> {
  assert.deepEqual(pool.slotPids(), serverPids, 'slot server was replaced');
  assert.equal(pool.info().restarts, 0, 'slot was restarted');
  const r = await pool.run({ code: 'print(6 * 7)' });
  assert.equal(r.status, 'ok');
  assert.equal(r.stdout, '42\n');
}

/** Processes visible inside the slot's pid namespace, as seen by a fresh job. */
async function visibleProcesses(): Promise<string[]> {
  const r = await pool.run({
    code: py([
      'import os',
      'me = os.getpid()',
      'for p in sorted(int(x) for x in os.listdir("/proc") if x.isdigit()):',
      '    if p != me:',
      '        try:',
      '            print(p, open(f"/proc/{p}/cmdline", "rb").read().split(b"\\0")[0].decode())',
      '        except OSError as e:',
      '            print(p, "?")',
    ]),
  });
  assert.equal(r.status, 'ok', r.stderr);
  return r.stdout.trim().split('\n');
}

describe('sandbox probes (each attack must fail)', () => {
  test('fork bomb is contained by the process limit and fully cleaned up', async () => {
    const r = await pool.run({
      code: py(['import os', 'while True:', '    try:', '        os.fork()', '    except OSError:', '        pass']),
      timeoutMs: 1500,
      processes: 16,
    });
    assert.equal(r.status, 'timeout');
    assert.ok(r.wall_ms < 4000, `took ${r.wall_ms} ms`);
    assert.deepEqual(hostProcessesWithUid(UID_BASE, UID_BASE + 1), [], 'bomb processes survived on the host');
    // Inside the namespace only bwrap (pid 1) and the server (pid 2) remain.
    const procs = await visibleProcesses();
    assert.equal(procs.length, 2, procs.join('; '));
    await assertSlotHealthy();
  });

  test('memory blow-up hits the address-space limit', async () => {
    for (const code of ['x = bytearray(2 * 1024 ** 3)', 'l = []\nwhile True:\n    l.append(" " * 10 ** 6)']) {
      const r = await pool.run({ code, memoryMb: 256, timeoutMs: 5000 });
      assert.equal(r.status, 'memory', `${code}: ${r.status} ${r.stderr.slice(-200)}`);
      assert.ok(r.max_rss_kb < 300 * 1024, `rss ${r.max_rss_kb} kB`);
    }
    await assertSlotHealthy();
  });

  test('a 1 GiB file cannot be written', async () => {
    const r = await pool.run({
      code: py([
        'import os',
        'try:',
        '    with open("big.bin", "wb") as f:',
        '        for _ in range(1024):',
        '            f.write(b"\\0" * (1 << 20))',
        '    print("WROTE")',
        'except OSError as e:',
        '    print("blocked", e.errno)',
        'print(os.path.getsize("big.bin"))',
      ]),
      timeoutMs: 10000,
    });
    assert.equal(r.status, 'ok', r.stderr);
    const [verdict, size] = r.stdout.trim().split('\n');
    assert.match(verdict ?? '', /^blocked \d+$/);
    assert.ok(Number(size) <= 16 * 1024 * 1024, `file grew to ${size}`);
    await assertSlotHealthy();
  });

  test('TCP to a listener on the host loopback never connects', async () => {
    let connections = 0;
    const server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await pool.run({
        code: py([
          'import socket',
          'try:',
          `    socket.create_connection(("127.0.0.1", ${port}), timeout=2)`,
          '    print("CONNECTED")',
          'except OSError as e:',
          '    print("blocked", type(e).__name__)',
        ]),
      });
      assert.equal(r.status, 'ok', r.stderr);
      assert.match(r.stdout, /^blocked /);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(connections, 0);
    } finally {
      server.close();
    }
  });

  test('no route out: UDP connect to an outside address fails (no packet is sent)', async () => {
    const r = await pool.run({
      code: py([
        'import socket',
        'for fam, addr in [(socket.AF_INET, ("192.0.2.1", 53)), (socket.AF_INET6, ("2001:db8::1", 53))]:',
        '    try:',
        '        s = socket.socket(fam, socket.SOCK_DGRAM)',
        '        s.connect(addr)',
        '        print("ROUTED", s.getsockname())',
        '    except OSError as e:',
        '        print("blocked", e.errno)',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split(' ')[0]), ['blocked', 'blocked']);
  });

  test("the parent's environment is not readable", async () => {
    const r = await pool.run({
      code: py([
        'import os',
        'found = [k for k in os.environ if "SECRET" in k]',
        'for p in ["/proc/1/environ", "/proc/2/environ", "/proc/self/environ"]:',
        '    try:',
        '        if b"parent-env-secret" in open(p, "rb").read():',
        '            found.append(p)',
        '    except OSError:',
        '        pass',
        'print(sorted(os.environ), found)',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.doesNotMatch(r.stdout, /parent-env-secret|SECRET/);
    assert.match(r.stdout, /\['LANG', 'PATH', 'PWD'\] \[\]/);
  });

  test('nothing outside scratch is writable, not even after trying to remount', async () => {
    const r = await pool.run({
      code: py([
        'import ctypes, os',
        'for target in ["/usr/evil", "/opt/coderl/evil", "/etc/evil", "/evil", "/root/evil", "/proc/sys/kernel/evil"]:',
        '    try:',
        '        open(target, "w").write("x")',
        '        print("WROTE", target)',
        '    except OSError as e:',
        '        print("blocked", target, e.errno)',
        'libc = ctypes.CDLL(None, use_errno=True)',
        'MS_REMOUNT, MS_BIND = 32, 4096',
        'for path in [b"/", b"/usr"]:',
        '    rc = libc.mount(None, path, None, MS_REMOUNT | MS_BIND, None)',
        '    print("remount", path.decode(), rc, ctypes.get_errno())',
        'print("unshare", libc.unshare(0x20000), ctypes.get_errno())',
        'try:',
        '    open("/usr/evil2", "w")',
        '    print("WROTE after remount")',
        'except OSError as e:',
        '    print("still blocked", e.errno)',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.doesNotMatch(r.stdout, /WROTE/);
    assert.match(r.stdout, /remount \/ -1 1\nremount \/usr -1 1\nunshare -1 1\nstill blocked/);
    for (const p of ['/usr/evil', '/usr/evil2', '/etc/evil', '/evil']) assert.equal(existsSync(p), false, p);
  });

  test('killing the parent (server, bwrap, everyone) fails and the slot lives on', async () => {
    const r = await pool.run({
      code: py([
        'import os, signal',
        'for pid in [os.getppid(), 1, 2, -1]:',
        '    try:',
        '        os.kill(pid, signal.SIGKILL)',
        '        print("KILLED", pid)',
        '    except OSError as e:',
        '        print("blocked", pid, e.errno)',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.doesNotMatch(r.stdout, /KILLED (2|1)\b/);
    await assertSlotHealthy();
  });

  test('forging a result on the result channel has no effect', async () => {
    const fake = '{"type": "result", "id": "x", "status": "ok"}';
    const r = await pool.run({
      code: py([
        'import json, os, struct, sys',
        `fake = ${JSON.stringify(fake)}.encode()`,
        'frame = struct.pack(">I", len(fake)) + fake',
        'hits = []',
        'for fd in range(3, 256):',
        '    try:',
        '        os.write(fd, frame)',
        '        hits.append(fd)',
        '    except OSError:',
        '        pass',
        'for p in ["/proc/%d/fd" % os.getppid(), "/proc/1/fd"]:',
        '    try:',
        '        for name in os.listdir(p):',
        '            try:',
        '                with open(os.path.join(p, name), "wb") as f: f.write(frame)',
        '                hits.append(p + "/" + name)',
        '            except OSError:',
        '                pass',
        '    except OSError:',
        '        pass',
        'sys.stdout.buffer.write(frame)',
        'print()',
        'print("hits", hits)',
        'sys.exit(7)',
      ]),
    });
    assert.equal(r.status, 'runtime_error');
    assert.equal(r.exit_code, 7);
    assert.ok(r.stdout.includes(fake), 'the fake frame should just be stdout data');
    assert.match(r.stdout, /hits \[\]/);
    await assertSlotHealthy();
  });

  test('a leftover setsid daemon is killed when the job ends', async () => {
    const r = await pool.run({
      code: py([
        'import os, time',
        'if os.fork() == 0:',
        '    os.setsid()',
        '    if os.fork() == 0:',
        '        time.sleep(0.6)',
        '        open("/tmp/daemon-was-here", "w").write("x")',
        '        os._exit(0)',
        '    os._exit(0)',
        'print("parent done")',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.ok(r.wall_ms < 500, `job waited for its daemon (${r.wall_ms} ms)`);
    await new Promise((resolve) => setTimeout(resolve, 900));
    const check = await pool.run({ code: 'import os\nprint(sorted(os.listdir("/tmp")))' });
    assert.equal(check.stdout, "['main.py']\n");
    assert.equal((await visibleProcesses()).length, 2);
    assert.deepEqual(hostProcessesWithUid(UID_BASE, UID_BASE + 1), []);
  });

  test('an infinite loop that ignores signals is stopped at the wall timeout', async () => {
    const r = await pool.run({
      code: py([
        'import signal',
        'for s in (signal.SIGTERM, signal.SIGINT, signal.SIGXCPU, signal.SIGHUP, signal.SIGALRM):',
        '    signal.signal(s, signal.SIG_IGN)',
        'while True:',
        '    pass',
      ]),
      timeoutMs: 1000,
    });
    assert.equal(r.status, 'timeout');
    assert.equal(r.signal, 9);
    assert.ok(r.wall_ms >= 1000 && r.wall_ms < 2000, `wall ${r.wall_ms}`);
    await assertSlotHealthy();
  });

  test('output floods are capped: stdout kills the job, stderr is truncated', async () => {
    const flood = await pool.run({ code: 'while True:\n    print("x" * 1000)', stdoutMaxBytes: 1 << 20, timeoutMs: 5000 });
    assert.equal(flood.status, 'output_limit');
    assert.equal(flood.stdout_truncated, true);
    assert.ok(flood.stdout.length <= 1 << 20);
    assert.ok(flood.wall_ms < 3000);
    const errFlood = await pool.run({
      code: 'import sys\nsys.stderr.write("e" * (3 << 20))\nprint("done")',
      stderrMaxBytes: 1 << 20,
    });
    assert.equal(errFlood.status, 'ok');
    assert.equal(errFlood.stderr_truncated, true);
    assert.equal(errFlood.stderr.length, 1 << 20);
    assert.equal(errFlood.stdout, 'done\n');
    await assertSlotHealthy();
  });

  test('invalid UTF-8 output is reported, not crashed on', async () => {
    const r = await pool.run({ code: 'import sys\nsys.stdout.buffer.write(b"ok \\xff\\xfe end\\n")' });
    assert.equal(r.status, 'ok');
    assert.equal(r.stdout_invalid_utf8, true);
    assert.equal(r.stdout, 'ok \uFFFD\uFFFD end\n');
    const clean = await pool.run({ code: 'print("héllo ✓")' });
    assert.equal(clean.stdout_invalid_utf8, false);
    assert.equal(clean.stdout, 'héllo ✓\n');
  });

  test("a later job cannot read an earlier job's input, code or output", async () => {
    const secretHex = randomBytes(16).toString('hex');
    const secret = `ZQ${secretHex}`;
    const first = await pool.run({
      code: `kept = "${secret}"\ndata = input()\nprint(data, kept)\nopen("note.txt", "w").write(data)\n`,
      stdin: secret + '\n',
    });
    assert.equal(first.status, 'ok');
    assert.ok(first.stdout.includes(secret));
    const scan = await pool.run({
      code: py([
        'import os, re',
        'pat = re.compile(rb"ZQ([0-9a-f]{32})")',
        'canary = ("ZQ" + "ab" * 16).encode()  # built at run time: the scan must find it (positive control)',
        'found = set()',
        'for root in ["/tmp"]:',
        '    for dirpath, dirs, files in os.walk(root):',
        '        for f in files:',
        '            try:',
        '                found.update(m.decode() for m in pat.findall(open(os.path.join(dirpath, f), "rb").read()))',
        '            except OSError:',
        '                pass',
        '# /proc/self/mem is closed to a non-dumpable process, so read memory directly.',
        'import ctypes',
        'with open("/proc/self/maps") as maps:',
        '    regions = [line.split() for line in maps]',
        'for fields in regions:',
        '    addr, perms = fields[:2]',
        '    name = fields[5] if len(fields) > 5 else ""',
        '    if not perms.startswith("r") or name.startswith("[v"):',
        '        continue',
        '    lo, hi = (int(x, 16) for x in addr.split("-"))',
        '    found.update(m.decode() for m in pat.findall(ctypes.string_at(lo, hi - lo)))',
        'print(sorted(found))',
      ]),
      timeoutMs: 20000,
    });
    assert.equal(scan.status, 'ok', scan.stderr);
    assert.ok(scan.stdout.includes('ab'.repeat(16)), `the scan is blind: it missed its own canary: ${scan.stdout}`);
    assert.ok(!scan.stdout.includes(secretHex), `secret found in a later job: ${scan.stdout}`);
  });
});

describe('isolation between concurrent slots', () => {
  test('a job cannot see or read a job running in another slot', async () => {
    const two = await testPool({ slots: 2, uidBase: UID_BASE + 10 });
    try {
      const secret = `ZQ${randomBytes(16).toString('hex')}`;
      const holder = two.run({ code: 'import time\ns = input()\ntime.sleep(1.5)\nprint(len(s))', stdin: secret + '\n' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const spy = await two.run({
        code: py([
          'import os',
          'me = os.getpid()',
          'others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, 2, me)]',
          'print(others, os.getuid())',
        ]),
      });
      assert.equal(spy.status, 'ok', spy.stderr);
      assert.match(spy.stdout, /^\[\] 630(10|11)\n$/);
      const held = await holder;
      assert.equal(held.stdout, `${secret.length}\n`);
    } finally {
      await two.close();
    }
  });
});
