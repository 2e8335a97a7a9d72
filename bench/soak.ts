/**
 * bench/soak: 10,000 mixed runs through one pool, checking that nothing accumulates:
 * zombie processes on the host, file descriptors (node and the fork-servers), memory
 * (node heap/RSS and server RSS), leftover processes of the slot uids, slot restarts.
 * The mix includes programs that fail, time out, flood output and leave daemons behind.
 *
 * Usage: node --import tsx bench/soak.ts [--runs N]. Writes bench/results/soak.json.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { SandboxPool, type SandboxJob } from '../src/sandbox/index.js';
import { machineInfo, printTable, writeResults } from './common.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 10_000;
const UID_BASE = 64100;

const MIX: SandboxJob[] = [
  { code: 'print(sum(range(100)))' },
  { code: 'n = int(input())\nprint(n * 2)', stdin: '21\n', capture: 'reference' },
  { code: 'def main():\n    xs = [i * i for i in range(50)]\n    print(len(xs))\nmain()', capture: 'paper' },
  { code: 'raise ValueError("x")' },
  { code: 'import os\nif os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep(30)\nprint("left a daemon")' },
  { code: 'import sys\nsys.stdout.write("y" * 300000)' },
  { code: 'open("f.txt", "w").write("z" * 10000)\nprint(open("f.txt").read(3))' },
  { code: 'while True: pass', timeoutMs: 50 },
];

function fdCount(pid: number | 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

function rssKb(pid: number | 'self'): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The fork-servers: python processes below each slot's bwrap (outer bwrap → inner bwrap → server). */
function serverPids(roots: number[]): number[] {
  const out: number[] = [];
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop() as number;
    for (const child of childrenOf(pid)) {
      try {
        if (readFileSync(`/proc/${child}/comm`, 'utf8').startsWith('python')) out.push(child);
        else stack.push(child);
      } catch {
        /* gone */
      }
    }
  }
  return out;
}

function hostScan(): { zombies: number; slotUidProcesses: number } {
  let zombies = 0;
  let slotUidProcesses = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) zombies++;
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid >= UID_BASE && uid < UID_BASE + 16) slotUidProcesses++;
    } catch {
      /* gone */
    }
  }
  return { zombies, slotUidProcesses };
}

async function main() {
  const pool = await SandboxPool.create({ uidBase: UID_BASE }, () => undefined);
  const samples: Record<string, number>[] = [];
  const sample = (done: number) => {
    const servers = serverPids(pool.slotPids());
    const scan = hostScan();
    samples.push({
      runs: done,
      'node rss MB': rssKb('self') / 1024,
      'node heap MB': process.memoryUsage().heapUsed / 2 ** 20,
      'node fds': fdCount('self'),
      'server rss MB': servers.reduce((s, p) => s + rssKb(p), 0) / 1024,
      'server fds': servers.reduce((s, p) => s + fdCount(p), 0),
      'host zombies': scan.zombies,
      'slot-uid procs': scan.slotUidProcesses,
      restarts: pool.info().restarts,
    });
  };
  const statuses: Record<string, number> = {};
  const started = performance.now();
  try {
    sample(0);
    const every = Math.max(1, Math.floor(RUNS / 10));
    let done = 0;
    const jobs = (function* () {
      for (let i = 0; i < RUNS; i++) yield MIX[i % MIX.length] as SandboxJob;
    })();
    for await (const r of pool.runMany(jobs)) {
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      done++;
      if (done % every === 0) sample(done);
    }
    // Mid-run samples can catch a job in flight; the idle pool is the real test.
    await new Promise((resolve) => setTimeout(resolve, 300));
    sample(RUNS);
  } finally {
    await pool.close();
  }
  const seconds = (performance.now() - started) / 1000;
  printTable(samples);
  const first = samples[1] ?? samples[0] ?? {};
  const last = samples[samples.length - 1] ?? {};
  const summary = {
    runs: RUNS,
    seconds,
    statuses,
    idleHostZombies: last['host zombies'] ?? -1,
    idleSlotUidProcesses: last['slot-uid procs'] ?? -1,
    maxHostZombiesMidRun: Math.max(...samples.map((s) => s['host zombies'] ?? 0)),
    maxSlotUidProcessesMidRun: Math.max(...samples.map((s) => s['slot-uid procs'] ?? 0)),
    nodeFdGrowth: (last['node fds'] ?? 0) - (first['node fds'] ?? 0),
    serverFdGrowth: (last['server fds'] ?? 0) - (first['server fds'] ?? 0),
    serverRssGrowthMb: (last['server rss MB'] ?? 0) - (first['server rss MB'] ?? 0),
    nodeRssGrowthMb: (last['node rss MB'] ?? 0) - (first['node rss MB'] ?? 0),
    restarts: last.restarts ?? 0,
  };
  console.log('\n' + JSON.stringify(summary, null, 2));
  console.log(`wrote ${writeResults('soak', { date: new Date().toISOString(), machine: machineInfo(), summary, samples })}`);
}

await main();
