/**
 * Load test of `coderl serve`'s /run_code (bounded: loopback only, each scenario stops by
 * itself after T seconds). N concurrent clients send SandboxFusion requests back to back
 * for T seconds; we count answers by status, requests/s, p50/p99 latency, and check that
 * every request got an answer (200) or a clean refusal (429) — nothing else, no dropped
 * connections. Baseline in the same script: the same program run directly on the pool by
 * N concurrent callers (no HTTP), so the HTTP layer's cost is a ratio.
 *
 *   npm run bench:service [-- --quick]     (writes bench/results/service.json)
 */
import { performance } from 'node:perf_hooks';
import { judgeSandboxOptions } from '../src/judge/index.js';
import { SandboxPool } from '../src/sandbox/index.js';
import { buildService } from '../src/server/index.js';
import { machineInfo, percentile, printTable, writeResults } from './common.js';

const QUICK = process.argv.includes('--quick');
const SECONDS = QUICK ? 3 : 10;
const SLOTS = 2;
const UID_BASE = 65430;
const PROGRAM = { code: 'import sys\nn = int(sys.stdin.read())\nprint(sum(i * i for i in range(n)))', stdin: '2000', language: 'python', run_timeout: 6 };

interface Scenario {
  name: string;
  clients: number;
  maxQueue: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'within capacity', clients: 4, maxQueue: 64 },
  { name: 'overload', clients: 32, maxQueue: 4 },
];

interface Tally {
  sent: number;
  ok: number;
  refused: number;
  other: number;
  failed: number;
  latenciesMs: number[];
  okLatenciesMs: number[];
  wrongOutput: number;
}

async function loadScenario(pool: SandboxPool, s: Scenario): Promise<Record<string, unknown>> {
  const service = buildService({ pool, maxQueue: s.maxQueue, logger: false, settings: { runsDir: 'runs' } });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}/run_code`;
  const expected = `${Array.from({ length: 2000 }, (_, i) => i * i).reduce((a, b) => a + b, 0)}\n`;
  const t: Tally = { sent: 0, ok: 0, refused: 0, other: 0, failed: 0, latenciesMs: [], okLatenciesMs: [], wrongOutput: 0 };
  const body = JSON.stringify(PROGRAM);
  const start = performance.now();
  const end = start + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      t.sent++;
      try {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const json = (await res.json()) as { run_result?: { stdout?: string } };
        const ms = performance.now() - t0;
        t.latenciesMs.push(ms);
        if (res.status === 200) {
          t.ok++;
          t.okLatenciesMs.push(ms);
          if (json.run_result?.stdout !== expected) t.wrongOutput++;
        } else if (res.status === 429) {
          t.refused++;
          // a polite client waits a little (Retry-After says 1 s; the bench keeps pressure on)
          await new Promise((r) => setTimeout(r, 20));
        } else t.other++;
      } catch {
        t.failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: s.clients }, client));
  const elapsed = (performance.now() - start) / 1000;
  await service.app.close();
  const lat = [...t.latenciesMs].sort((a, b) => a - b);
  const okLat = [...t.okLatenciesMs].sort((a, b) => a - b);
  return {
    scenario: s.name,
    clients: s.clients,
    capacity: SLOTS + s.maxQueue,
    seconds: Number(elapsed.toFixed(2)),
    requests: t.sent,
    ok: t.ok,
    refused_429: t.refused,
    other_status: t.other,
    connection_errors: t.failed,
    wrong_output: t.wrongOutput,
    all_answered: t.sent === t.ok + t.refused && t.other === 0 && t.failed === 0,
    answers_per_s: Number((t.sent / elapsed).toFixed(1)),
    ok_per_s: Number((t.ok / elapsed).toFixed(1)),
    p50_ms: Number(percentile(lat, 50).toFixed(2)),
    p99_ms: Number(percentile(lat, 99).toFixed(2)),
    ok_p50_ms: Number(percentile(okLat, 50).toFixed(2)),
    ok_p99_ms: Number(percentile(okLat, 99).toFixed(2)),
  };
}

/** The same program on the pool directly, `clients` concurrent callers, for T seconds. */
async function baseline(pool: SandboxPool, clients: number): Promise<Record<string, unknown>> {
  let done = 0;
  const lat: number[] = [];
  const start = performance.now();
  const end = start + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await pool.run({ code: PROGRAM.code, stdin: PROGRAM.stdin, timeoutMs: 6000 });
        lat.push(performance.now() - t0);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { scenario: 'baseline: pool.run, no HTTP', clients, seconds: Number(elapsed.toFixed(2)), requests: done, ok_per_s: Number((done / elapsed).toFixed(1)), p50_ms: Number(percentile(lat, 50).toFixed(2)), p99_ms: Number(percentile(lat, 99).toFixed(2)) };
}

const pool = await SandboxPool.create({ slots: SLOTS, uidBase: UID_BASE, ...judgeSandboxOptions() }, () => undefined);
try {
  const base = await baseline(pool, 4);
  const rows: Record<string, unknown>[] = [];
  for (const s of SCENARIOS) rows.push(await loadScenario(pool, s));
  const within = rows[0] as { ok_per_s: number };
  const overheadRatio = Number(((base.ok_per_s as number) / within.ok_per_s).toFixed(2));
  printTable(
    [base, ...rows].map((r) => ({
      scenario: String(r.scenario),
      clients: Number(r.clients),
      requests: Number(r.requests),
      ok: Number(r.ok ?? r.requests),
      refused: Number(r.refused_429 ?? 0),
      'other/errors': Number(r.other_status ?? 0) + Number(r.connection_errors ?? 0),
      'ok/s': Number(r.ok_per_s),
      'p50 ms': Number(r.p50_ms),
      'p99 ms': Number(r.p99_ms),
    })),
  );
  console.log(`\npool.run throughput / HTTP /run_code throughput at 4 clients: ${overheadRatio}x (1.0 = HTTP costs nothing)`);
  const file = writeResults('service', {
    quick: QUICK,
    machine: machineInfo(),
    slots: SLOTS,
    program: 'sum of squares below 2000, read from stdin (one /run_code request each)',
    seconds_per_scenario: SECONDS,
    baseline: base,
    scenarios: rows,
    pool_over_http_ratio: overheadRatio,
    every_request_answered_or_429: rows.every((r) => r.all_answered === true),
  });
  console.log(`wrote ${file}`);
} finally {
  await pool.close();
}
