/**
 * bench/sandbox: our fork-server pool vs spawn-per-run, in the same script.
 *
 * The baseline runs programs the way the reference's CodeExecutor does: write the code
 * plus the reference's appended capture block to a temp file and start `python3 file.py`
 * once per run (same interpreter as the pool, so the comparison is of the mechanism).
 * For each program and concurrency (1, 2, 4 jobs in flight; the pool has one slot per job up to one per
 * CPU, its default size): exec/s, latency p50/p99, and the CPU and minor page faults per
 * run (this process and every process under it — bwrap, fork-servers, programs, spawned
 * interpreters — from /proc/<pid>/stat, so other load on the machine does not count). Pool and spawn runs
 * alternate in four chunks per row, so the host's drifting speed affects both sides alike. A second table measures
 * the cost of `paper` capture as the ratio of the program's own CPU time with and without.
 *
 * Usage: node --import tsx bench/sandbox.ts [--quick]
 * Writes bench/results/sandbox.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxPool, findInterpreter, withReferenceCapture, type SandboxJob } from '../src/sandbox/index.js';
import { machineInfo, median, percentile, printTable, processTreeUsage, writeResults } from './common.js';

const quick = process.argv.includes('--quick');
/** pool/spawn alternations per table row */
const ROUNDS = 4;

const PROGRAMS = {
  trivial: 'print(1)\n',
  compute: 'def main():\n    total = 0\n    for i in range(200_000):\n        total += i * i % 7\n    print(total)\n\nmain()\n',
} as const;

/** Programs for the capture-overhead table: loop-heavy, a typical solution, call-heavy. */
const CAPTURE_PROGRAMS = {
  'loop main()': PROGRAMS.compute,
  'solution (helpers)': [
    'def is_prime(n):',
    '    if n < 2:',
    '        return False',
    '    d = 2',
    '    while d * d <= n:',
    '        if n % d == 0:',
    '            return False',
    '        d += 1',
    '    return True',
    '',
    'def main():',
    '    count = 0',
    '    for x in range(20_000):',
    '        if is_prime(x):',
    '            count += 1',
    '    print(count)',
    '',
    'main()',
    '',
  ].join('\n'),
  'recursion fib(22)': 'def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\nprint(fib(22))\n',
} as const;

interface Measure {
  runs: number;
  seconds: number;
  latenciesMs: number[];
  cpuMs: number;
  /** CPU of the processes that ran the programs (the forked children), as the server measured it; pool only */
  programCpuMs: number | null;
  minflt: number;
  failures: number;
}

/** What one run reports: success, and for pool runs the program process's own CPU time. */
type Outcome = { ok: boolean; programCpuMs?: number };

/** Run `n` jobs with at most `concurrency` in flight; `one` runs a job and reports its outcome. */
async function measure(n: number, concurrency: number, one: () => Promise<Outcome>): Promise<Measure> {
  const latencies: number[] = [];
  let failures = 0;
  let programCpuMs: number | null = null;
  let next = 0;
  const usage0 = processTreeUsage();
  const t0 = performance.now();
  const worker = async () => {
    while (next < n) {
      next++;
      const start = performance.now();
      const outcome = await one();
      if (!outcome.ok) failures++;
      if (outcome.programCpuMs !== undefined) programCpuMs = (programCpuMs ?? 0) + outcome.programCpuMs;
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const usage1 = processTreeUsage();
  return {
    runs: n,
    seconds,
    latenciesMs: latencies.sort((a, b) => a - b),
    cpuMs: usage1.cpuMs - usage0.cpuMs,
    programCpuMs,
    minflt: usage1.minflt - usage0.minflt,
    failures,
  };
}

/** Chunks of one measurement, measured apart: totals summed, latencies pooled. */
function mergeMeasures(parts: Measure[]): Measure {
  const programCpu = parts.map((p) => p.programCpuMs).filter((v): v is number => v !== null);
  return {
    runs: parts.reduce((n, p) => n + p.runs, 0),
    seconds: parts.reduce((n, p) => n + p.seconds, 0),
    latenciesMs: parts.flatMap((p) => p.latenciesMs).sort((a, b) => a - b),
    cpuMs: parts.reduce((n, p) => n + p.cpuMs, 0),
    programCpuMs: programCpu.length ? programCpu.reduce((a, b) => a + b, 0) : null,
    minflt: parts.reduce((n, p) => n + p.minflt, 0),
    failures: parts.reduce((n, p) => n + p.failures, 0),
  };
}

function spawnRun(python: string, dir: string, code: string, id: number): Promise<Outcome> {
  // As the reference: temp file with the appended capture, one interpreter per run.
  const file = path.join(dir, `run${id}.py`);
  writeFileSync(file, withReferenceCapture(code));
  return new Promise((resolve) => {
    const child = spawn(python, [file], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      rmSync(file, { force: true });
      resolve({ ok: status === 0 && out.length > 0 });
    });
    child.stdin.end('');
  });
}

function row(kind: string, program: string, concurrency: number, m: Measure) {
  return {
    runner: kind,
    program,
    concurrency,
    runs: m.runs,
    'exec/s': m.runs / m.seconds,
    'p50 ms': percentile(m.latenciesMs, 50),
    'p99 ms': percentile(m.latenciesMs, 99),
    'cpu ms/run': m.cpuMs / m.runs,
    // total CPU minus the program processes' own: node, bwrap, the server's loop and its forks
    'overhead ms/run': m.programCpuMs === null ? '-' : (m.cpuMs - m.programCpuMs) / m.runs,
    'minflt/run': Math.round(m.minflt / m.runs),
    failures: m.failures,
  };
}

async function main() {
  const interpreter = findInterpreter();
  const python = interpreter.executable;
  const concurrencies = [1, 2, 4];
  const poolRuns = { trivial: quick ? 300 : 2000, compute: quick ? 60 : 300 };
  const spawnRuns = { trivial: quick ? 40 : 200, compute: quick ? 20 : 60 };
  const rows: ReturnType<typeof row>[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coderl-bench-'));
  console.log(`python ${interpreter.version.join('.')} (${python}); ${os.cpus().length} cpus${quick ? '; quick mode' : ''}\n`);

  for (const concurrency of concurrencies) {
    // One slot per CPU at most, as the pool is built by default: concurrency is jobs in
    // flight, and a slot per job on fewer CPUs only adds context switches (measured: 4
    // slots on 2 CPUs cost ~15% more CPU per run than 2 slots with 4 jobs in flight).
    const pool = await SandboxPool.create({ slots: Math.min(concurrency, os.cpus().length), uidBase: 64000 }, () => undefined);
    try {
      for (const [name, code] of Object.entries(PROGRAMS) as [keyof typeof PROGRAMS, string][]) {
        const job: SandboxJob = { code, capture: 'reference' };
        const poolRun = async (): Promise<Outcome> => {
          const r = await pool.run(job);
          return { ok: r.status === 'ok', programCpuMs: r.cpu_ms };
        };
        let id = 0;
        const spawnOne = () => spawnRun(python, dir, code, id++);
        await measure(20, concurrency, poolRun); // warm-up
        // Pool and spawn alternate in ROUNDS chunks, so a drift in the shared host's speed
        // (±15% within a minute here) lands on both sides of the ratio alike.
        const poolParts: Measure[] = [];
        const spawnParts: Measure[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          poolParts.push(await measure(poolRuns[name] / ROUNDS, concurrency, poolRun));
          spawnParts.push(await measure(spawnRuns[name] / ROUNDS, concurrency, spawnOne));
        }
        rows.push(row('pool', name, concurrency, mergeMeasures(poolParts)));
        rows.push(row('spawn', name, concurrency, mergeMeasures(spawnParts)));
      }
    } finally {
      await pool.close();
    }
  }
  rmSync(dir, { recursive: true, force: true });
  printTable(rows);

  const speedups = concurrencies.flatMap((c) =>
    (Object.keys(PROGRAMS) as (keyof typeof PROGRAMS)[]).map((program) => {
      const pool = rows.find((r) => r.runner === 'pool' && r.program === program && r.concurrency === c);
      const base = rows.find((r) => r.runner === 'spawn' && r.program === program && r.concurrency === c);
      return { program, concurrency: c, 'speedup exec/s': (pool?.['exec/s'] ?? 0) / (base?.['exec/s'] ?? 1) };
    }),
  );
  console.log('');
  printTable(speedups);

  // Program time with capture none vs paper, from the server's CPU accounting of the child.
  const capture: Record<string, string | number>[] = [];
  const pool = await SandboxPool.create({ slots: 1, uidBase: 64010 }, () => undefined);
  try {
    const reps = quick ? 8 : 25;
    const trivialCpu = median(await cpuSamples(pool, PROGRAMS.trivial, 'none', reps));
    for (const [name, code] of Object.entries(CAPTURE_PROGRAMS)) {
      // none and paper alternate run by run, for the same reason as ROUNDS above
      const none: number[] = [];
      const paper: number[] = [];
      for (let i = 0; i < reps; i++) {
        none.push(...(await cpuSamples(pool, code, 'none', 1)));
        paper.push(...(await cpuSamples(pool, code, 'paper', 1)));
      }
      // Subtract the fixed per-run cost (fork, setup, exit) so the ratio is of program time.
      const noneMs = median(none);
      const paperMs = median(paper);
      const base = Math.max(noneMs - trivialCpu, 0.001);
      capture.push({
        program: name,
        'cpu none ms': noneMs,
        'cpu paper ms': paperMs,
        'program-time ratio': (paperMs - trivialCpu) / base,
      });
    }
  } finally {
    await pool.close();
  }
  console.log('');
  printTable(capture);

  const trivialOverhead = rows
    .filter((r) => r.runner === 'pool' && r.program === 'trivial')
    .map((r) => ({ concurrency: r.concurrency, cpuMsPerRun: r['cpu ms/run'], overheadMsPerRun: r['overhead ms/run'], minfltPerRun: r['minflt/run'] }));
  const file = writeResults('sandbox', {
    date: new Date().toISOString(),
    machine: machineInfo(),
    // the interpreter's name, not its machine path
    python: { version: interpreter.version.join('.'), executable: path.basename(python) },
    quick,
    note: 'cpu ms/run and minflt/run are the CPU and minor page faults of this process tree per run (node, bwrap, servers, programs; spawned interpreters), from /proc/<pid>/stat, so other load on the machine does not count. overhead ms/run is cpu ms/run minus the program processes\' own CPU (rusage of each forked child, as the server reports it): node, the server\'s loop and the fork itself. Trivial program body ≈ 0, so its program-process CPU is the interpreter\'s after-fork work, compile, exit and copy-on-write faults.',
    loadAverage: os.loadavg(),
    rows,
    speedups,
    trivialOverhead,
    capture,
  });
  console.log(`\nwrote ${file}`);
}

async function cpuSamples(pool: SandboxPool, code: string, capture: 'none' | 'paper', reps: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const r = await pool.run({ code, capture });
    if (r.status !== 'ok') throw new Error(`bench program failed (${capture}): ${r.stderr}`);
    out.push(r.cpu_ms);
  }
  return out;
}

await main();
