/** Shared measuring helpers for benchmarks: machine CPU time, percentiles, tables, JSON. */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = fileURLToPath(new URL('./results/', import.meta.url));

/** Busy CPU milliseconds of the whole machine so far (all cores; user+nice+sys+irq). Counts
 * every process a run involves: node, bwrap, the fork-servers, the programs. */
export function machineBusyMs(): number {
  return os.cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

export function median(xs: number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

export function printTable(rows: Record<string, string | number>[]): void {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0] as object);
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  console.log(line(cols));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(cols.map((c) => fmt(r[c] ?? ''))));
}

export function writeResults(name: string, data: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
  return file;
}

export function machineInfo() {
  return { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', node: process.version, platform: `${os.platform()} ${os.release()}` };
}

const CLOCK_TICKS_PER_S = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime of the process itself, ms */
  selfMs: number;
  /** cutime + cstime: children it has reaped, ms */
  reapedMs: number;
  /** minor page faults of the process itself plus those of the children it has reaped */
  minflt: number;
}

export function readProcStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces): state is field 3
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = (i: number) => Number(f[i - 3]);
    return {
      pid,
      ppid: ticks(4),
      selfMs: ((ticks(14) + ticks(15)) * 1000) / CLOCK_TICKS_PER_S,
      reapedMs: ((ticks(16) + ticks(17)) * 1000) / CLOCK_TICKS_PER_S,
      minflt: ticks(10) + ticks(11),
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * CPU milliseconds used so far by a process tree: every live descendant of `root` (and root)
 * plus everything they have reaped. Unlike machineBusyMs it ignores other load on the
 * machine, so benchmarks stay meaningful on a shared box. Resolution: 10 ms ticks, so
 * measure over many runs.
 */
export function processTreeCpuMs(root: number = process.pid): number {
  return processTreeUsage(root).cpuMs;
}

/**
 * CPU milliseconds and minor page faults of a process tree (see processTreeCpuMs). Page
 * faults are deterministic where CPU time is not (other load, 10 ms ticks): on a fork-server
 * most of the per-run cost is copy-on-write faults, so they are the steadier signal.
 */
export function processTreeUsage(root: number = process.pid): { cpuMs: number; minflt: number } {
  const stats = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map((e) => readProcStat(Number(e)))
    .filter((s): s is ProcStat => s !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  let cpuMs = 0;
  let minflt = 0;
  const stack = stats.filter((s) => s.pid === root);
  while (stack.length > 0) {
    const s = stack.pop() as ProcStat;
    cpuMs += s.selfMs + s.reapedMs;
    minflt += s.minflt;
    stack.push(...(children.get(s.pid) ?? []));
  }
  return { cpuMs, minflt };
}
