/**
 * The dashboard in a real browser: playwright-core driving Debian's chromium (headless;
 * .ci/run installs it). Checks that the charts render from the run files, that the sample
 * browser shows a sample's code, execution result and variables, that two runs compare,
 * and that new metrics lines show up live. Saves a screenshot to test/artifacts/.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { judgeSandboxOptions } from '../../src/judge/index.js';
import { SandboxPool } from '../../src/sandbox/index.js';
import { buildService, type Service } from '../../src/server/index.js';
import { writeFixtureRuns } from './fixtures.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
const CHROMIUM = process.env.CODERL_CHROMIUM ?? '/usr/bin/chromium';

let pool: SandboxPool;
let service: Service;
let runsDir: string;
let browser: Browser;
let page: Page;
let base: string;

before(async () => {
  pool = await SandboxPool.create({ slots: 1, uidBase: 65420, ...judgeSandboxOptions() }, () => undefined);
  runsDir = mkdtempSync(path.join(tmpdir(), 'coderl-dashboard-test-'));
  await writeFixtureRuns(runsDir, pool);
  service = buildService({ pool, logger: false, settings: { runsDir, token: 'dash-token' } });
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}`;
  // Chromium's own sandbox needs user namespaces it cannot set up as root in a container.
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  page = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  (page as Page & { jsErrors?: string[] }).jsErrors = errors;
});
after(async () => {
  await browser?.close();
  await service.shutdown(1000);
  rmSync(runsDir, { recursive: true, force: true });
});

describe('dashboard in chromium', () => {
  test('asks for the token, lists runs, renders charts, browses samples, compares runs, updates live', async () => {
    await page.goto(`${base}/dashboard/`);
    // the token form appears on the first 401
    await page.waitForSelector('#token-form:not([hidden])');
    await page.fill('#token-input', 'dash-token');
    await page.click('#token-form button');
    await page.waitForSelector('#runs-table tbody tr[data-run="coderlplus"]');
    assert.deepEqual(await page.$$eval('#runs-table tbody tr', (rows) => rows.map((r) => r.getAttribute('data-run'))), ['coderlplus', 'rlvr']);

    await page.click('#runs-table tbody tr[data-run="coderlplus"]');
    await page.waitForSelector('.chart[data-chart="reward"] canvas');
    const charts = await page.$$eval('.chart', (cs) => cs.map((c) => ({ id: c.getAttribute('data-chart'), series: c.getAttribute('data-series'), canvas: !!c.querySelector('canvas') })));
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    assert.deepEqual(Object.keys(byId), ['reward', 'pass', 'esa', 'kl', 'entropy', 'length', 'time']);
    for (const c of charts) assert.ok(c.canvas, `${c.id} has a canvas`);
    assert.equal(byId.reward!.series, 'code/reward|esa/score|val/reward');
    assert.equal(byId.pass!.series, 'code/pass_rate|val/pass@1');
    assert.equal(byId.kl!.series, 'actor/kl_loss|actor/ppo_kl');
    assert.match(byId.time!.series ?? '', /time\/sample\|time\/reward\|time\/esa\|time\/update/);
    // uPlot's legend shows the series
    assert.ok((await page.$$eval('.chart[data-chart="reward"] .u-legend .u-series', (s) => s.length)) >= 4);

    // sample browser: an ESA sample shows code, expected vs predicted variables
    await page.selectOption('#sample-kind', 'esa');
    await page.waitForFunction("document.querySelectorAll('#samples-table tbody tr').length === 5");
    await page.click('#samples-table tbody tr:first-child');
    await page.waitForSelector('#sample-detail table.vars');
    assert.match(await page.textContent('#sample-detail pre.code') ?? '', /total \+= i/);
    const vars = await page.$$eval('#sample-detail table.vars tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(vars.map((v) => [v[0], v[3]]), [['final_output', '✓'], ['n', '✓'], ['total', '✗']]);

    // a failing code sample: execution result per test; then run it in the sandbox
    await page.selectOption('#sample-kind', 'code');
    await page.fill('#sample-step', '2');
    await page.dispatchEvent('#sample-step', 'change');
    await page.waitForFunction("document.querySelectorAll('#samples-table tbody tr').length === 2");
    await page.click('#samples-table tbody tr:nth-child(2)');
    await page.waitForSelector('#sample-detail table.tests');
    assert.match(await page.textContent('#sample-detail table.tests') ?? '', /wrong_answer/);
    assert.match(await page.textContent('#sample-detail pre.code') ?? '', /for i in range\(n\)/);
    await page.fill('#sample-detail .run-stdin', '4');
    await page.click('#sample-detail .run-button');
    await page.waitForSelector('#sample-detail .run-output pre.stdout');
    assert.equal((await page.textContent('#sample-detail .run-output pre.stdout'))?.trim(), '6');
    const runVars = await page.$$eval('#sample-detail .run-vars tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent).join(' ')));
    assert.deepEqual(runVars, ['n int 4', 'total int 6', 'i int 3']);
    assert.doesNotMatch(await page.textContent('#sample-detail .run-output') ?? '', /null/);

    // comparison: RLVR vs CodeRL+
    await page.selectOption('#compare-select', 'rlvr');
    await page.waitForSelector('#comparison:not([hidden]) #comparison-table tbody tr');
    const passRow = await page.$$eval('#comparison-table tbody tr[data-key="code/pass_rate"] td', (tds) => tds.map((t) => t.textContent));
    assert.equal(passRow.length, 4);
    assert.ok(passRow[3]!.startsWith('-'), `rlvr minus coderlplus is negative: ${passRow[3]}`);
    await page.waitForFunction(`(document.querySelector('.chart[data-chart="pass"]')?.getAttribute('data-series') ?? '').includes('rlvr: code/pass_rate')`);
    assert.equal(await page.getAttribute('.chart[data-chart="pass"]', 'data-series'), 'coderlplus: code/pass_rate|coderlplus: val/pass@1|rlvr: code/pass_rate|rlvr: val/pass@1');
    assert.match(page.url(), /#run=coderlplus&compare=rlvr/);

    // live: a new step appended by the trainer appears at the next poll
    appendFileSync(path.join(runsDir, 'coderlplus', 'metrics.jsonl'), JSON.stringify({ step: 7, 'code/reward': 0.95, 'code/pass_rate': 0.95 }) + '\n');
    await page.waitForFunction(`document.querySelector('#runs-table tbody tr[data-run="coderlplus"] td:nth-child(3)')?.textContent === '0.9500'`, undefined, { timeout: 10_000 });

    assert.match((await page.textContent('#live-status')) ?? '', /^live · updated/, 'the update came through the event stream');
    await page.waitForFunction(`(document.querySelector('.chart[data-chart="reward"]')?.textContent ?? '').length > 0`);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = path.join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000);
    assert.deepEqual((page as Page & { jsErrors?: string[] }).jsErrors, []);
  });
});
