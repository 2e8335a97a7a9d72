/**
 * bench/rewards: tasks/s of our judge vs a reference-style grader, in the same script.
 *
 * A task is a stdin program with 10 tests. Our judge runs all tests of a task inside ONE
 * sandbox job (src/judge/python/harness.py) and compares outputs on the host. The baseline
 * grades the way the reference's pipeline does it without a sandbox: one Python grader
 * process per task (as check_correctness starts one per task), which runs every test as a
 * fresh `python3 solution.py` with the test input on stdin (spawn per test), compares the
 * stripped output lines, and stops at the first failure. Same interpreter for both; the
 * programs are the bench's own trusted fixtures. Both run with the same concurrency.
 *
 * Usage: node --import tsx bench/rewards.ts [--quick]
 * Writes bench/results/rewards.json.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxPool, findInterpreter } from '../src/sandbox/index.js';
import { judgeSandboxOptions, judgeTests, type Preset } from '../src/judge/index.js';
import { machineInfo, percentile, printTable, processTreeCpuMs, writeResults } from './common.js';

const quick = process.argv.includes('--quick');
const TESTS_PER_TASK = 10;

/** Benchmark programs (trusted fixtures) and how to make their tests. */
const SORT_CODE = [
  'import sys',
  'def main():',
  '    data = sys.stdin.read().split()',
  '    n = int(data[0])',
  '    xs = sorted(int(x) for x in data[1:n + 1])',
  '    total = 0',
  '    for i, x in enumerate(xs):',
  '        total += i * x % 1000003',
  '    print(" ".join(map(str, xs[:10])))',
  '    print(total)',
  '',
  'if __name__ == "__main__":',
  '    main()',
  '',
].join('\n');

function sortTest(k: number) {
  const xs = Array.from({ length: 2000 }, (_, i) => (i * 7919 + k * 104729) % 100003);
  const sorted = [...xs].sort((a, b) => a - b);
  let total = 0;
  sorted.forEach((x, i) => (total += (i * x) % 1000003));
  return { input: `${xs.length}\n${xs.join(' ')}\n`, output: `${sorted.slice(0, 10).join(' ')}\n${total}\n` };
}

const PROGRAMS: Record<string, { code: string; test: (k: number) => { input: string; output: string }; passes: boolean }> = {
  'sum (trivial)': {
    passes: true,
    code: 'n = int(input())\nxs = list(map(int, input().split()))\nprint(sum(xs))\n',
    test: (k: number) => {
      const xs = Array.from({ length: 50 }, (_, i) => (i * 7 + k) % 101);
      return { input: `${xs.length}\n${xs.join(' ')}\n`, output: `${xs.reduce((a, b) => a + b, 0)}\n` };
    },
  },
  'sort (typical)': { passes: true, code: SORT_CODE, test: sortTest },
  // A typical failed rollout: same work, wrong on the first test (most RL rollouts fail).
  'sort, wrong answer': { passes: false, code: SORT_CODE.replace('print(total)', 'print(total + 1)'), test: sortTest },
};

/** The reference-style grader: one process per task, one interpreter per test. */
const BASELINE_GRADER = `
import json, subprocess, sys, tempfile, os
task = json.loads(sys.stdin.read())
fd, path = tempfile.mkstemp(suffix=".py")
with os.fdopen(fd, "w") as f:
    f.write(task["code"])
def lines(s):
    return [l.strip() for l in s.strip().split("\\n")]
results = []
try:
    for inp, out in zip(task["inputs"], task["outputs"]):
        try:
            r = subprocess.run([sys.executable, path], input=inp, capture_output=True, text=True, timeout=6)
        except subprocess.TimeoutExpired:
            results.append(-3)
            break
        if r.returncode != 0:
            results.append(-4)
            break
        ok = lines(r.stdout) == lines(out)
        results.append(True if ok else -2)
        if not ok:
            break
finally:
    os.unlink(path)
print(json.dumps(results))
`;

interface Task {
  code: string;
  inputs: string[];
  outputs: string[];
}

function makeTasks(program: string, n: number): Task[] {
  const p = PROGRAMS[program] as (typeof PROGRAMS)[string];
  return Array.from({ length: n }, (_, t) => {
    const tests = Array.from({ length: TESTS_PER_TASK }, (_, k) => p.test(t * TESTS_PER_TASK + k));
    return { code: p.code, inputs: tests.map((x) => x.input), outputs: tests.map((x) => x.output) };
  });
}

/** Resolves whether the grader's verdict (all passed or not) is the expected one. */
function baselineRun(python: string, graderPath: string, task: Task, passes: boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(python, [graderPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.resume();
    child.on('close', () => {
      try {
        const results = JSON.parse(out) as unknown[];
        resolve((results.length === task.inputs.length && results.every((r) => r === true)) === passes);
      } catch {
        resolve(false);
      }
    });
    child.stdin.end(JSON.stringify(task));
  });
}

interface Measure {
  tasks: number;
  seconds: number;
  latenciesMs: number[];
  cpuMs: number;
  failures: number;
}

async function measure(tasks: Task[], concurrency: number, one: (t: Task) => Promise<boolean>): Promise<Measure> {
  const latencies: number[] = [];
  let failures = 0;
  let next = 0;
  const cpu0 = processTreeCpuMs();
  const t0 = performance.now();
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as Task;
      const start = performance.now();
      if (!(await one(task))) failures++;
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { tasks: tasks.length, seconds, latenciesMs: latencies.sort((a, b) => a - b), cpuMs: processTreeCpuMs() - cpu0, failures };
}

function row(grader: string, program: string, concurrency: number, m: Measure) {
  return {
    grader,
    program,
    concurrency,
    tasks: m.tasks,
    'tasks/s': m.tasks / m.seconds,
    'p50 ms': percentile(m.latenciesMs, 50),
    'p99 ms': percentile(m.latenciesMs, 99),
    'cpu ms/task': m.cpuMs / m.tasks,
    failures: m.failures,
  };
}

async function main() {
  const interpreter = findInterpreter();
  const python = interpreter.executable;
  const slots = Math.max(1, Math.min(os.cpus().length, 4));
  const concurrency = slots;
  const ourTasks = quick ? 60 : 300;
  const baseTasks = quick ? 16 : 40;
  console.log(`python ${interpreter.version.join('.')}; ${os.cpus().length} cpus; ${slots} slots; concurrency ${concurrency}; ${TESTS_PER_TASK} tests per task${quick ? '; quick mode' : ''}\n`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'coderl-bench-rewards-'));
  const graderPath = path.join(dir, 'grader.py');
  writeFileSync(graderPath, BASELINE_GRADER);
  const pool = await SandboxPool.create({ slots, uidBase: 65030, ...judgeSandboxOptions() }, () => undefined);
  const rows: ReturnType<typeof row>[] = [];
  try {
    for (const [program, spec] of Object.entries(PROGRAMS)) {
      // warm-up: the first job compiles the harness once per pool
      await judgeTests(pool, makeTasks(program, 1)[0] as Task);
      const runs: Array<[string, Preset, 'probe' | 'single', number]> = [
        ['judge (reference)', 'reference', 'probe', ourTasks],
        ['judge (reference, one job)', 'reference', 'single', Math.ceil(ourTasks / 2)],
        ['judge (lenient)', 'lenient', 'probe', Math.ceil(ourTasks / 3)],
      ];
      for (const [label, preset, strategy, n] of runs) {
        rows.push(row(label, program, concurrency, await measure(makeTasks(program, n), concurrency, async (t) => (await judgeTests(pool, t, { preset, strategy })).passed === spec.passes)));
      }
      rows.push(row('spawn per test', program, concurrency, await measure(makeTasks(program, baseTasks), concurrency, (t) => baselineRun(python, graderPath, t, spec.passes))));
    }
  } finally {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(rows);
  const speedups = [];
  for (const program of Object.keys(PROGRAMS)) {
    const base = rows.find((r) => r.grader === 'spawn per test' && r.program === program);
    for (const grader of ['judge (reference)', 'judge (reference, one job)', 'judge (lenient)']) {
      const ours = rows.find((r) => r.grader === grader && r.program === program);
      if (base && ours) speedups.push({ program, grader, 'speed-up (tasks/s)': ours['tasks/s'] / base['tasks/s'], 'cpu ratio': base['cpu ms/task'] / ours['cpu ms/task'] });
    }
  }
  console.log('');
  printTable(speedups);
  const file = writeResults('rewards', {
    date: new Date().toISOString(),
    machine: machineInfo(),
    // the interpreter's name, not its machine path
    python: { version: interpreter.version.join('.'), executable: path.basename(python) },
    quick,
    testsPerTask: TESTS_PER_TASK,
    note: 'tasks/s of judging stdin tasks with 10 tests each (failures = verdicts different from the known one); judge (reference) probes test 1 in its own job first, "one job" sends all tests at once; baseline = one Python grader process per task spawning python per test (reference style, no sandbox). cpu ms/task is this process tree (node, bwrap, fork-servers, graders, programs).',
    rows,
    speedups,
  });
  console.log(`\nwrote ${file}`);
}

await main();
