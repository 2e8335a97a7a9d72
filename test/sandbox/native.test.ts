/**
 * Building the native fork-server loop (src/sandbox/native.ts): where it is cached, how
 * a missing or failing compiler is reported, and that concurrent builds are safe. Also
 * the immortal prelude heap (immortal.py), which only CPython 3.12/3.13 support.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoderlError } from '../../src/core/index.js';
import { findCCompiler, nativeCacheDir, nativeForkServer } from '../../src/sandbox/native.js';
import { SandboxPool } from '../../src/sandbox/index.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'coderl-native-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('nativeCacheDir', () => {
  test('CODERL_CACHE_DIR, else XDG_CACHE_HOME/coderl-plus, else ~/.cache/coderl-plus', () => {
    assert.equal(nativeCacheDir({ CODERL_CACHE_DIR: '/a/b', XDG_CACHE_HOME: '/x' }), '/a/b');
    assert.equal(nativeCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/coderl-plus');
    assert.equal(nativeCacheDir({}), path.join(os.homedir(), '.cache', 'coderl-plus'));
  });
});

describe('nativeForkServer', () => {
  test('builds once into the cache and then reuses the same file', () => {
    const env = { ...process.env, CODERL_CACHE_DIR: path.join(scratch, 'cache1') };
    const first = nativeForkServer(env);
    assert.match(path.basename(first), /^forkserver-[0-9a-f]{16}\.so$/);
    assert.equal(path.dirname(first), env.CODERL_CACHE_DIR);
    const mtime = statSync(first).mtimeMs;
    assert.equal(nativeForkServer(env), first);
    assert.equal(statSync(first).mtimeMs, mtime, 'not rebuilt');
    const symbols = execFileSync('nm', ['-D', '--defined-only', first]).toString();
    for (const name of ['coderl_serve', 'coderl_clean_scratch', 'coderl_child', 'coderl_error']) assert.match(symbols, new RegExp(`\\b${name}\\b`));
  });

  test('no C compiler: a clear error that says how to get one, and nothing is left behind', () => {
    const env = { ...process.env, CODERL_CACHE_DIR: path.join(scratch, 'cache2'), CC: path.join(scratch, 'no-such-cc') };
    assert.equal(findCCompiler(env), null);
    assert.throws(
      () => nativeForkServer(env),
      (err: unknown) => err instanceof CoderlError && err.code === 'CRL_ERR_SANDBOX_NATIVE_BUILD' && /apt-get install gcc/.test(err.message),
    );
  });

  test("a compiler that fails: its own output is in the error and no partial library is kept", () => {
    const cc = path.join(scratch, 'broken-cc');
    writeFileSync(cc, '#!/bin/sh\nif [ "$1" = --version ]; then echo fake; exit 0; fi\necho "fatal: out of cheese" >&2\nexit 1\n');
    chmodSync(cc, 0o755);
    const dir = path.join(scratch, 'cache3');
    const env = { ...process.env, CODERL_CACHE_DIR: dir, CC: cc };
    assert.throws(
      () => nativeForkServer(env),
      (err: unknown) => err instanceof CoderlError && err.code === 'CRL_ERR_SANDBOX_NATIVE_BUILD' && /out of cheese/.test(err.message),
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  test('concurrent builds from several processes end with one complete library', async () => {
    const dir = path.join(scratch, 'cache4');
    const script = `import { nativeForkServer } from ${JSON.stringify(path.resolve('src/sandbox/native.ts'))}; console.log(nativeForkServer());`;
    const runs = await Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<string>((resolve, reject) => {
            execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, CODERL_CACHE_DIR: dir } }, (err, out) =>
              err ? reject(err) : resolve(out.trim()),
            );
          }),
      ),
    );
    assert.equal(new Set(runs).size, 1);
    assert.deepEqual(readdirSync(dir), [path.basename(runs[0] as string)], 'no temporary files left');
  });
});

describe('the prelude heap is immortal in children (3.12/3.13)', () => {
  let pool: SandboxPool;
  before(async () => {
    pool = await SandboxPool.create({ slots: 1, uidBase: 63950 }, () => undefined);
  });
  after(async () => {
    await pool.close();
  });

  test('preimported objects carry the immortal count; a job\'s own objects count normally and are freed', async () => {
    const r = await pool.run({
      code: [
        'import sys, json, gc, weakref',
        'class Box: pass',
        'b = Box()',
        'r = weakref.ref(b)',
        'print(sys.getrefcount(json), sys.getrefcount(json.dumps), sys.getrefcount(b))',
        'del b',
        'gc.collect()',
        'print(r() is None)',
        'del sys.modules["json"]',
        'import json as again',
        'print(again.dumps([1]))',
      ].join('\n'),
    });
    assert.equal(r.status, 'ok', r.stderr);
    const [counts, freed, dumped] = r.stdout.trim().split('\n');
    const [jsonCount, dumpsCount, own] = (counts as string).split(' ').map(Number);
    const minor = pool.interpreter.version[1];
    if (minor === 12 || minor === 13) {
      assert.equal(jsonCount, 0xffffffff);
      assert.equal(dumpsCount, 0xffffffff);
    } else {
      assert.ok((jsonCount as number) < 1000, `3.${minor} has no immortal objects: ${jsonCount}`);
    }
    assert.equal(own, 2, 'an object the job made is an ordinary object');
    assert.equal(freed, 'True');
    assert.equal(dumped, '[1]', 'module machinery still works on immortal modules');
  });
});
