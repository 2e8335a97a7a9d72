/**
 * The HTTP service end to end on a real sandbox pool: /run_code, /score, /esa/*, the run
 * routes, auth, limits, 429s under overload, metrics, and graceful shutdown.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { synthesizeEsaTasks } from '../../src/esa/index.js';
import { judgeSandboxOptions } from '../../src/judge/index.js';
import { computeScore } from '../../src/rewards/index.js';
import { SandboxPool } from '../../src/sandbox/index.js';
import { buildService, type Service } from '../../src/server/index.js';
import { CODE_GT, FAILING, PASSING, writeFixtureRuns } from './fixtures.js';

const ROLLOUTS = readFileSync(new URL('../esa/fixtures/rollouts.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as { data_source: string; response: string; reward: number; reward_model: { ground_truth: unknown }; step: number });

let pool: SandboxPool;
let service: Service;
let runsDir: string;
const TOKEN = 's3cret-token';

before(async () => {
  pool = await SandboxPool.create({ slots: 2, uidBase: 65400, ...judgeSandboxOptions() }, () => undefined);
  runsDir = mkdtempSync(path.join(tmpdir(), 'coderl-serve-test-'));
  await writeFixtureRuns(runsDir, pool);
  service = buildService({ pool, maxQueue: 2, bodyLimitBytes: 256 * 1024, logger: false, settings: { runsDir, token: TOKEN, maxBatch: 64 } });
  await service.app.ready();
});
after(async () => {
  await service.app.close();
  await pool.close();
  rmSync(runsDir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}` };
async function post(url: string, payload: unknown, headers: Record<string, string> = auth) {
  const res = await service.app.inject({ method: 'POST', url, payload: payload as object, headers });
  return { status: res.statusCode, body: res.json() as Record<string, any>, headers: res.headers };
}
async function get(url: string, headers: Record<string, string> = auth) {
  const res = await service.app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, body: res.body, json: () => res.json() as Record<string, any>, headers: res.headers };
}

describe('/run_code (SandboxFusion contract)', () => {
  test('stdin program → Success with stdout', async () => {
    const r = await post('/run_code', { code: 'print(input()[::-1])', stdin: 'abc', language: 'python', compile_timeout: 6, run_timeout: 6, files: {}, fetch_files: [] });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'Success');
    assert.equal(r.body.run_result.stdout, 'cba\n');
    assert.equal(r.body.run_result.return_code, 0);
    assert.equal(r.body.compile_result, null);
  });
  test('exception → Failed, return_code 1, traceback on stderr', async () => {
    const r = await post('/run_code', { code: '1/0', language: 'python' });
    assert.equal(r.body.status, 'Failed');
    assert.equal(r.body.run_result.return_code, 1);
    assert.match(r.body.run_result.stderr, /ZeroDivisionError/);
  });
  test('run_timeout → TimeLimitExceeded', async () => {
    const r = await post('/run_code', { code: 'while True: pass', language: 'python', run_timeout: 0.3 });
    assert.equal(r.body.status, 'Failed');
    assert.equal(r.body.run_result.status, 'TimeLimitExceeded');
  });
  test('another language → SandboxError naming it; unknown language → 422 FastAPI detail', async () => {
    const cpp = await post('/run_code', { code: 'int main(){}', language: 'cpp' });
    assert.equal(cpp.status, 200);
    assert.equal(cpp.body.status, 'SandboxError');
    assert.match(cpp.body.message, /language cpp is not supported/);
    const bad = await post('/run_code', { code: 'x', language: 'cobol' });
    assert.equal(bad.status, 422);
    assert.deepEqual(bad.body.detail[0].loc, ['body', 'language']);
  });
});

describe('auth and limits', () => {
  test('no token → 401 with a coderl error; header or ?token= → accepted; health and dashboard are public', async () => {
    const none = await post('/run_code', { code: 'print(1)', language: 'python' }, {});
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'CRL_ERR_SERVER_UNAUTHORIZED');
    const wrong = await post('/run_code', { code: 'print(1)', language: 'python' }, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    const viaQuery = await post(`/run_code?token=${TOKEN}`, { code: 'print(1)', language: 'python' }, {});
    assert.equal(viaQuery.body.status, 'Success');
    assert.equal((await get('/health', {})).status, 200);
    assert.equal((await get('/ready', {})).json().ready, true);
    assert.match((await get('/dashboard/', {})).body, /coderl runs/);
    assert.equal((await get('/api/runs', {})).status, 401);
  });
  test('body over the limit → 413 CRL_ERR_SERVER_BODY_TOO_LARGE', async () => {
    const r = await post('/run_code', { code: '#' + 'x'.repeat(300 * 1024), language: 'python' });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'CRL_ERR_SERVER_BODY_TOO_LARGE');
  });
  test('a batch larger than --max-batch → 413', async () => {
    const cases = Array.from({ length: 65 }, () => ({ data_source: 'exec_semantics_align', solution_str: 'x', ground_truth: '{}' }));
    const r = await post('/score', { cases });
    assert.equal(r.status, 413);
  });
  test('overload: beyond slots + queue, requests get 429 with Retry-After; every request gets an answer', async () => {
    // capacity = 2 slots + 2 queued; 10 concurrent programs of 0.4 s
    const all = await Promise.all(Array.from({ length: 10 }, () => post('/run_code', { code: 'import time\ntime.sleep(0.4)\nprint("done")', language: 'python' })));
    const ok = all.filter((r) => r.status === 200);
    const refused = all.filter((r) => r.status === 429);
    assert.equal(ok.length + refused.length, 10);
    assert.ok(ok.length >= 4, `${ok.length} accepted`);
    assert.ok(refused.length >= 1, 'some refused');
    for (const r of ok) assert.equal(r.body.run_result.stdout, 'done\n');
    for (const r of refused) {
      assert.equal(r.body.error.code, 'CRL_ERR_SERVER_OVERLOADED');
      assert.equal(r.headers['retry-after'], '1');
    }
    assert.equal(service.ctx.admission.inUse, 0);
    const metrics = (await get('/metrics')).body;
    assert.match(metrics, /coderl_admission_refused_total\{route="\/run_code"\} [1-9]/);
    assert.match(metrics, /coderl_http_requests_total\{method="POST",route="\/run_code",status="429"\} [1-9]/);
  });
});

describe('/score', () => {
  test('same scores and details as computeScore, in case order; a bad ground truth fails only its case', async () => {
    const cases = [
      { id: 'a', data_source: 'livecodebench', solution_str: PASSING, ground_truth: CODE_GT },
      { id: 'b', data_source: 'livecodebench', solution_str: FAILING, ground_truth: CODE_GT },
      { id: 'c', data_source: 'exec_semantics_align', solution_str: '{"final_output": "3", "variables": {"n": 3}}', ground_truth: JSON.stringify({ expected_output: '3', expected_local_variable: { n: 3, total: 3 } }) },
      { id: 'd', data_source: 'lcb_code_execution', solution_str: 'so \\boxed{15}', ground_truth: JSON.stringify({ expected_output: '15' }) },
    ];
    const r = await post('/score', { cases });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.results.map((x: { id: string }) => x.id), ['a', 'b', 'c', 'd']);
    for (const [i, c] of cases.entries()) {
      const direct = await computeScore({ dataSource: c.data_source, solutionStr: c.solution_str, groundTruth: c.ground_truth }, { pool });
      assert.equal(r.body.results[i].score, direct.score, c.id);
      assert.equal(r.body.results[i].kind, direct.kind, c.id);
      assert.equal(r.body.results[i].details.reason, direct.details.reason, c.id);
    }
    // ESA: format 0.1 + 0.9 × 2 of 3 items (final_output and n right, total missing)
    assert.deepEqual(r.body.results.map((x: { score: number }) => Math.round(x.score * 1000) / 1000), [1, 0, 0.7, 1]);
  });
  test('a case that fails the schema → 400 naming the field', async () => {
    const r = await post('/score', { cases: [{ data_source: 'x', solution_str: 'y' }] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'CRL_ERR_INPUT_INVALID');
    assert.match(r.body.error.message, /cases\.0\.ground_truth/);
  });
});

describe('/esa', () => {
  test('extract gives the tasks synthesizeEsaTasks gives, adds them to the named buffer; sample draws from it', async () => {
    const step = ROLLOUTS[0]!.step;
    const rollouts = ROLLOUTS.filter((r) => r.step === step).slice(0, 12);
    const direct = await synthesizeEsaTasks(pool, rollouts, { step });
    assert.ok(direct.tasks.length >= 2);
    const r = await post('/esa/extract', { buffer: 'run-a', step, rollouts });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.tasks, direct.tasks);
    assert.deepEqual(r.body.stats, direct.stats);
    assert.equal(r.body.added, direct.tasks.length);
    assert.equal(r.body.buffer.size, direct.tasks.length);

    // warm-up gate: no tasks until the buffer has ever held the threshold
    const cold = await post('/esa/sample', { buffer: 'run-a', k: 3, warmup_threshold: direct.tasks.length + 1 });
    assert.equal(cold.body.warmed_up, false);
    assert.deepEqual(cold.body.tasks, []);
    const warm = await post('/esa/sample', { buffer: 'run-a', k: 5, warmup_threshold: direct.tasks.length, seed: 7 });
    assert.equal(warm.body.warmed_up, true);
    assert.equal(warm.body.tasks.length, 5);
    const prompts = new Set(direct.tasks.map((t) => t.prompt[0]!.content));
    for (const t of warm.body.tasks) assert.ok(prompts.has(t.prompt[0].content));
    const again = await post('/esa/sample', { buffer: 'run-a', k: 5, warmup_threshold: direct.tasks.length, seed: 7 });
    assert.deepEqual(again.body.tasks, warm.body.tasks, 'same seed, same draws');
    const other = await post('/esa/sample', { buffer: 'run-b', k: 2 });
    assert.deepEqual(other.body.tasks, []);
    const state = (await get('/esa/buffers/run-a')).json();
    assert.equal(state.size, direct.tasks.length);
    assert.equal(state.strategy, 'recent');
  });
  test('with a buffers directory, a restarted service has the same buffer and the same draws', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'coderl-buffers-'));
    try {
      const settings = { runsDir, buffer: { capacity: 100, strategy: 'recent' as const, maxBuffers: 4, dir } };
      const first = buildService({ pool, logger: false, settings });
      const step = ROLLOUTS[0]!.step;
      const rollouts = ROLLOUTS.filter((r) => r.step === step).slice(0, 12);
      const added = (await first.app.inject({ method: 'POST', url: '/esa/extract', payload: { buffer: 'persisted', step, rollouts, return_tasks: false } })).json();
      assert.ok(added.added >= 2);
      const draw = async (s: Service) => (await s.app.inject({ method: 'POST', url: '/esa/sample', payload: { buffer: 'persisted', k: 4, seed: 'x' } })).json();
      const before = await draw(first);
      await first.app.close();
      const second = buildService({ pool, logger: false, settings });
      const after = await draw(second);
      assert.equal(after.buffer.size, added.added);
      assert.equal(after.buffer.ever_held, added.added);
      assert.deepEqual(after.tasks, before.tasks);
      await second.app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  test('a rollout without reward is a 400 naming it', async () => {
    const r = await post('/esa/extract', { step: 1, rollouts: [{ data_source: 'x', response: '', reward_model: { ground_truth: '' } }] });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /rollouts\.0\.reward/);
  });
});

describe('run routes', () => {
  test('lists runs with their config and last step', async () => {
    const r = (await get('/api/runs')).json();
    assert.deepEqual(r.runs.map((x: { name: string }) => x.name), ['coderlplus', 'rlvr']);
    const plus = r.runs[0];
    assert.equal(plus.preset, 'coderlplus');
    assert.equal(plus.esaRatio, 0.4);
    assert.equal(plus.steps, 6);
    assert.equal(plus.latestCheckpoint, 6);
    assert.equal(plus.live, false);
  });
  test('metrics from a byte offset: a poll returns only the records appended since', async () => {
    const first = (await get('/api/runs/rlvr/metrics')).json();
    assert.equal(first.records.length, 9);
    const none = (await get(`/api/runs/rlvr/metrics?offset=${first.offset}`)).json();
    assert.deepEqual(none.records, []);
    appendFileSync(path.join(runsDir, 'rlvr', 'metrics.jsonl'), JSON.stringify({ step: 7, 'code/reward': 0.9 }) + '\n{"step": 8, "code/rew');
    const next = (await get(`/api/runs/rlvr/metrics?offset=${first.offset}`)).json();
    assert.deepEqual(next.records, [{ step: 7, 'code/reward': 0.9 }], 'the torn last line waits for the next poll');
    const reset = (await get(`/api/runs/rlvr/metrics?offset=${10 ** 9}`)).json();
    assert.equal(reset.reset, true);
  });
  test('samples: filtered list, and a sample with extracted code, execution result, variables', async () => {
    const list = (await get('/api/runs/coderlplus/samples?kind=esa')).json();
    assert.equal(list.total, 5);
    assert.ok(list.samples.every((s: { kind: string }) => s.kind === 'esa'));
    const esa = (await get(`/api/runs/coderlplus/samples/${list.samples[0].index}`)).json();
    assert.match(esa.code, /total \+= i/);
    assert.equal(esa.input, '3\n');
    assert.deepEqual(esa.variables.map((v: { name: string; correct: boolean }) => [v.name, v.correct]), [['final_output', true], ['n', true], ['total', false]]);
    const code = (await get('/api/runs/coderlplus/samples?step=2&kind=code')).json();
    const failing = (await get(`/api/runs/coderlplus/samples/${code.samples[1].index}`)).json();
    assert.equal(failing.code, 'n = int(input())\ntotal = 0\nfor i in range(n):\n    total += i\nprint(total)\n');
    assert.equal(failing.execution.tests[0].verdict, 'wrong_answer');
    assert.equal(failing.score, 0);
  });
  test('unknown run or path-like names → 404', async () => {
    assert.equal((await get('/api/runs/nope/metrics')).status, 404);
    assert.equal((await get('/api/runs/..%2Fetc/metrics')).status, 404);
    assert.equal((await get('/api/runs/rlvr/samples/999')).status, 404);
    assert.equal((await get('/no/such/route')).json().error.code, 'CRL_ERR_SERVER_ROUTE_NOT_FOUND');
    assert.equal((await get('/dashboard/..%2F..%2Fpackage.json', {})).status, 404);
    assert.equal((await get('/vendor/uplot.js', {})).status, 200);
    assert.equal((await get('/vendor/other.js', {})).status, 404);
  });
  test('/api/execute runs a program with paper capture', async () => {
    const r = await post('/api/execute', { code: 'def f(n):\n    acc = [i * i for i in range(n)]\n    return sum(acc)\nprint(f(int(input())))', stdin: '4' });
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.stdout, '14\n');
    assert.equal(r.body.variables['f.acc'].repr, '[0, 1, 4, 9]');
  });
});

describe('graceful shutdown', () => {
  test('accepted requests finish; new ones are refused; a drain deadline fails what still runs', async () => {
    const p = await SandboxPool.create({ slots: 2, uidBase: 65402 }, () => undefined);
    const s = buildService({ pool: p, logger: false, settings: { runsDir } });
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = s.app.server.address() as { port: number };
    const call = (code: string) =>
      fetch(`http://127.0.0.1:${port}/run_code`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, language: 'python', run_timeout: 20 }) }).then(
        async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }),
        (err: Error) => ({ status: 0, body: { error: err.message } as Record<string, any> }),
      );
    // an open metrics event stream: first event now, one more when the file grows
    const stream = await fetch(`http://127.0.0.1:${port}/api/runs/coderlplus/metrics/stream`);
    assert.equal(stream.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = stream.body!.getReader();
    const events: string[] = [];
    let text = '';
    const nextEvent = async () => {
      while (!text.includes('\n\n')) {
        const { value, done } = await reader.read();
        if (done) return null;
        text += Buffer.from(value).toString('utf8');
      }
      const i = text.indexOf('\n\n');
      const ev = text.slice(0, i);
      text = text.slice(i + 2);
      events.push(ev);
      return ev;
    };
    const firstEvent = JSON.parse(/^event: metrics\ndata: (.*)$/s.exec((await nextEvent()) ?? '')![1]!) as { records: unknown[]; offset: number };
    assert.ok(firstEvent.records.length >= 9);
    appendFileSync(path.join(runsDir, 'coderlplus', 'metrics.jsonl'), JSON.stringify({ step: 20, 'code/reward': 1 }) + '\n');
    const secondEvent = JSON.parse(/^event: metrics\ndata: (.*)$/s.exec((await nextEvent()) ?? '')![1]!) as { records: unknown[]; offset: number };
    assert.deepEqual(secondEvent.records, [{ step: 20, 'code/reward': 1 }]);
    assert.ok(secondEvent.offset > firstEvent.offset);
    const streamEnds = (async () => {
      while ((await nextEvent()) !== null);
      return true;
    })();
    const short = call('import time\ntime.sleep(0.8)\nprint("finished")');
    const long = call('import time\ntime.sleep(15)\nprint("never")');
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const stopped = s.shutdown(2500);
    assert.equal((await s.app.inject({ method: 'POST', url: '/run_code', payload: { code: 'print(1)', language: 'python' } }).catch(() => ({ statusCode: 503 }))).statusCode, 503);
    const [a, b] = await Promise.all([short, long]);
    await stopped;
    assert.equal(a.status, 200);
    assert.equal(a.body.run_result.stdout, 'finished\n');
    // the long one was accepted, so it gets an answer: failed when the sandbox closed
    assert.ok(b.status === 503 || (b.status === 200 && b.body.status === 'SandboxError'), JSON.stringify(b));
    assert.ok(Date.now() - t0 < 12_000, 'did not wait for the 15 s program');
    assert.equal(await streamEnds, true, 'the drain ended the event stream');
  });
});
