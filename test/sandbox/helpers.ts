/** Shared helpers for sandbox tests: pools, host-side process checks. */
import { readdirSync, readFileSync } from 'node:fs';
import { SandboxPool, type SandboxOptions } from '../../src/sandbox/index.js';

/** Test pools use their own uid range so that host-side checks can tell them apart. */
export async function testPool(options: SandboxOptions = {}): Promise<SandboxPool> {
  return SandboxPool.create({ slots: 1, uidBase: 63000, ...options }, () => undefined);
}

/** Host pids whose real uid is in [lo, hi). */
export function hostProcessesWithUid(lo: number, hi: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid >= lo && uid < hi) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** Zombie processes on the host that are children of `ppid`. */
export function zombieChildrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' && Number(fields[1]) === ppid) out.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

export function py(lines: string[]): string {
  return lines.join('\n') + '\n';
}
