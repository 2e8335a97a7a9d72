/**
 * The error catalogue (src/core/errors.ts) and its documentation (docs/errors.md).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CoderlError, ERROR_CATALOGUE, isCoderlError, type ErrorCode } from '../../src/core/index.js';

const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];
const DOCS = new URL('../../docs/errors.md', import.meta.url);

/** Rows of the markdown table in docs/errors.md: code → status. */
function documentedCodes(): Array<{ code: string; status: number }> {
  const rows: Array<{ code: string; status: number }> = [];
  for (const line of readFileSync(DOCS, 'utf8').split('\n')) {
    if (!line.trim().startsWith('|')) continue;
    const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());
    if (cells[0] === 'code' || /^-+$/.test(cells[0] ?? '')) continue; // header and separator rows
    const code = /^`([^`]+)`$/.exec(cells[0] ?? '')?.[1];
    assert.ok(code, `unparseable row in docs/errors.md: ${line}`);
    rows.push({ code, status: Number(cells[1]) });
  }
  return rows;
}

describe('ERROR_CATALOGUE', () => {
  test('is not empty and every code is CRL_ERR_<AREA>_<WHAT>', () => {
    assert.ok(CODES.length >= 8);
    for (const code of CODES) assert.match(code, /^CRL_ERR_[A-Z]+_[A-Z_]+$/);
  });

  for (const code of CODES) {
    test(`${code}: code, status, message, class`, () => {
      const err = new CoderlError(code);
      assert.equal(err.code, code);
      assert.equal(err.statusCode, ERROR_CATALOGUE[code].statusCode);
      assert.ok(err.statusCode >= 400 && err.statusCode < 600, `status ${err.statusCode}`);
      assert.ok(err instanceof Error);
      assert.ok(err instanceof CoderlError);
      assert.ok(isCoderlError(err));
      assert.equal(err.name, 'CoderlError');
      assert.ok(!err.message.includes('%s'), 'every placeholder is filled (with "" when no argument)');
    });

    test(`${code}: %s placeholders are filled in order`, () => {
      const template: string = ERROR_CATALOGUE[code].message;
      const count = template.split('%s').length - 1;
      const args = Array.from({ length: count }, (_, i) => `<arg${i}>`);
      const err = new CoderlError(code, args);
      let expected = template;
      for (const a of args) expected = expected.replace('%s', a);
      assert.equal(err.message, expected);
      // in order: each argument appears after the previous one
      let at = -1;
      for (const a of args) {
        const next = err.message.indexOf(a);
        assert.ok(next > at, `${a} after the previous argument`);
        at = next;
      }
    });
  }

  test('numbers are stringified, extra arguments ignored, missing ones empty', () => {
    assert.equal(new CoderlError('CRL_ERR_SANDBOX_START_FAILED', ['slot3', 42]).message, 'sandbox slot slot3 failed to start: 42');
    assert.equal(new CoderlError('CRL_ERR_SANDBOX_START_FAILED', ['slot3']).message, 'sandbox slot slot3 failed to start: ');
    assert.equal(new CoderlError('CRL_ERR_INPUT_NOT_FOUND', ['a', 'b']).message, 'input not found: a');
    assert.equal(new CoderlError('CRL_ERR_SANDBOX_POOL_CLOSED', ['x']).message, 'the sandbox pool is closed');
  });

  test('an argument containing %s is not expanded again', () => {
    assert.equal(new CoderlError('CRL_ERR_SANDBOX_PROTOCOL', ['%s', 'why']).message, 'sandbox protocol error in slot %s: why');
    assert.equal(new CoderlError('CRL_ERR_INPUT_INVALID', ['$& $1 $$']).message, 'invalid input: $& $1 $$');
  });

  test('the cause is kept', () => {
    const cause = new Error('root cause');
    assert.equal(new CoderlError('CRL_ERR_CONFIG_INVALID', ['x'], { cause }).cause, cause);
  });

  test('isCoderlError rejects look-alikes', () => {
    assert.equal(isCoderlError(new Error('x')), false);
    assert.equal(isCoderlError({ code: 'CRL_ERR_INPUT_INVALID', statusCode: 400 }), false);
    assert.equal(isCoderlError(null), false);
  });
});

describe('docs/errors.md', () => {
  const rows = documentedCodes();

  test('lists exactly the catalogue codes: none missing, none stale, no duplicates', () => {
    const documented = rows.map((r) => r.code);
    assert.equal(new Set(documented).size, documented.length, 'duplicate rows');
    const missing = CODES.filter((c) => !documented.includes(c));
    const stale = documented.filter((c) => !(c in ERROR_CATALOGUE));
    assert.deepEqual(missing, [], 'codes missing from docs/errors.md');
    assert.deepEqual(stale, [], 'codes in docs/errors.md that no longer exist');
  });

  test('documents the same HTTP status as the catalogue', () => {
    for (const { code, status } of rows) {
      if (!(code in ERROR_CATALOGUE)) continue;
      assert.equal(status, ERROR_CATALOGUE[code as ErrorCode].statusCode, code);
    }
  });
});
