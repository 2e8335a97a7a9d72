/**
 * Variable capture, end to end through the sandbox: the reference's module-level capture
 * with its exact filters and JSON encoding, the paper mode's typed function locals, the
 * trajectory mode, and type-fidelity round trips through the TypeScript value model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  decodeCapturedVariable,
  parsePythonJson,
  pyEq,
  pyRepr,
  pyDict,
  pyFloat,
  pyInt,
  pyList,
  pyNone,
  pySet,
  pyStrValue,
  pyTuple,
  pyTrue,
  pyFalse,
  pyFrozenset,
  toPythonLiteral,
  type PyValue,
  type SandboxPool,
  type SandboxResult,
} from '../../src/sandbox/index.js';
import { py, testPool } from './helpers.js';

let pool: SandboxPool;
before(async () => {
  pool = await testPool({ slots: 2, uidBase: 63200 });
});
after(async () => {
  await pool.close();
});

function typedVar(r: SandboxResult, name: string) {
  assert.ok(r.variables && name in r.variables, `no variable ${name} in ${JSON.stringify(Object.keys(r.variables ?? {}))}`);
  return decodeCapturedVariable(r.variables[name]);
}

describe('reference capture (SPEC §4)', () => {
  test('module names pass the exact type filter; sets and tuples become lists, dict keys strings', async () => {
    const r = await pool.run({
      capture: 'reference',
      code: py([
        'from collections import Counter, defaultdict, deque',
        'import math',
        'n = 3',
        'ratio = 2.0',
        'name = "abc"',
        'flag = True',
        'nothing = None',
        'items = [1, (2, 3)]',
        'pair = (4, 5)',
        'uniq = {7}',
        'table = {1: "a", 2.5: "b", None: "c", True: "d"}',
        'counts = Counter("aab")',
        'dd = defaultdict(int)',
        'dq = deque([1])',
        '_hidden = 1',
        'def helper(): pass',
        'class K: pass',
        'k = K()',
        'fn = len',
        'print(n)',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout, '3\n');
    assert.equal(r.stderr, '', 'the capture block must be cut out of stderr');
    // Python's dict order is first-assignment order; json.dumps keeps it, and so must we.
    assert.equal(
      r.variables_json,
      '{"n": 3, "ratio": 2.0, "name": "abc", "flag": true, "nothing": null, "items": [1, [2, 3]], ' +
        '"pair": [4, 5], "uniq": [7], "table": {"1": "d", "2.5": "b", "null": "c"}}',
    );
    assert.deepEqual(Object.keys(r.variables ?? {}), ['n', 'ratio', 'name', 'flag', 'nothing', 'items', 'pair', 'uniq', 'table']);
    // int vs float survives in the exact text
    const exact = parsePythonJson(r.variables_json as string);
    assert.equal(exact.kind, 'dict');
  });

  test('variables assigned in an if __name__ == "__main__" block are captured', async () => {
    const r = await pool.run({
      capture: 'reference',
      code: py(['def solve(x):', '    local = x * 2', '    return local', '', 'if __name__ == "__main__":', '    t = int(input())', '    ans = solve(t)', '    print(ans)', '# trailing comment']),
      stdin: '21\n',
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout, '42\n');
    assert.deepEqual(r.variables, { t: 21, ans: 42 });
  });

  test('def main() programs: function locals are NOT captured by the reference', async () => {
    const r = await pool.run({
      capture: 'reference',
      code: py(['def main():', '    total = 5', '    print(total)', 'main()']),
    });
    assert.equal(r.status, 'ok');
    assert.deepEqual(r.variables, {});
    assert.equal(r.variables_json, '{}');
  });

  test('sys.exit() keeps the output but yields no variables', async () => {
    const r = await pool.run({ capture: 'reference', code: 'import sys\nx = 1\nprint("bye")\nsys.exit()\n' });
    assert.equal(r.status, 'ok');
    assert.equal(r.stdout, 'bye\n');
    assert.deepEqual(r.variables, {});
    assert.equal(r.variables_json, '');
  });

  test('values JSON cannot encode make the run fail, as in the reference', async () => {
    const r = await pool.run({ capture: 'reference', code: 'bad = {(1, 2): 3}\nprint("ran")\n' });
    assert.equal(r.status, 'runtime_error');
    assert.equal(r.stdout, 'ran\n');
    assert.deepEqual(r.variables, {});
    // The reference reports only the stderr before its marker, which here is nothing.
    assert.equal(r.stderr, '');
    assert.match(r.capture_error ?? '', /TypeError: keys must be str, int, float, bool or None, not tuple/);
    const nested = await pool.run({ capture: 'reference', code: 'xs = [{1, 2}]\n' });
    assert.equal(nested.status, 'runtime_error', 'a set inside a list is not JSON');
  });

  test('NaN and infinity are written as Python json writes them', async () => {
    const r = await pool.run({ capture: 'reference', code: 'a = float("nan")\nb = float("inf")\nc = 10 ** 30\n' });
    assert.equal(r.status, 'ok');
    assert.equal(r.variables_json, '{"a": NaN, "b": Infinity, "c": 1000000000000000000000000000000}');
    assert.ok(Number.isNaN(r.variables?.a as number));
    assert.equal(r.variables?.b, Infinity);
  });

  test('the main-block quirk: code after the block breaks the inserted capture', async () => {
    // The reference indents its capture after the LAST code line, here a top-level print:
    // the program no longer compiles, so the reference sees an error and drops the sample.
    const r = await pool.run({
      capture: 'reference',
      code: py(['if __name__ == "__main__":', '    x = 1', 'print("after")']),
    });
    assert.equal(r.status, 'runtime_error');
    assert.match(r.stderr, /IndentationError|SyntaxError/);
  });

  test('exceptions keep variables out (capture never runs)', async () => {
    const r = await pool.run({ capture: 'reference', code: 'x = 1\nraise RuntimeError("no")\n' });
    assert.equal(r.status, 'runtime_error');
    assert.deepEqual(r.variables, {});
  });
});

describe('paper capture: typed globals and function locals', () => {
  test('def main() locals are keyed by qualified name with their types', async () => {
    const r = await pool.run({
      capture: 'paper',
      code: py([
        'def main():',
        '    n = int(input())',
        '    total = 0',
        '    for i in range(n):',
        '        total += i',
        '    avg = total / n',
        '    seen = {total, n}',
        '    print(total)',
        'main()',
      ]),
      stdin: '4\n',
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.deepEqual(Object.keys(r.variables ?? {}), ['main.n', 'main.total', 'main.i', 'main.avg', 'main.seen']);
    assert.ok(pyEq(typedVar(r, 'main.total').value, pyInt(6n)));
    const avg = typedVar(r, 'main.avg');
    assert.equal(avg.type, 'float');
    assert.equal(avg.repr, '1.5');
    assert.equal(typedVar(r, 'main.seen').type, 'set');
    assert.match(r.capture_backend ?? '', /monitoring|settrace/);
  });

  test('recursion: the outermost (last returning) call wins', async () => {
    const r = await pool.run({
      capture: 'paper',
      code: py(['def fact(n):', '    if n <= 1:', '        return 1', '    sub = fact(n - 1)', '    return n * sub', 'print(fact(5))']),
    });
    assert.equal(r.status, 'ok');
    assert.equal(typedVar(r, 'fact.n').repr, '5');
    assert.equal(typedVar(r, 'fact.sub').repr, '24');
  });

  // Past its first 64 returns a function is "hot": on 3.12+ its returns are recorded by the
  // native callback (src/sandbox/native/return_hook.c), not the Python one.
  test('hot functions: the last of many returns wins, in loops and deep recursion', async () => {
    const r = await pool.run({
      capture: 'paper',
      code: py([
        'def square(i):',
        '    sq = i * i',
        '    return sq',
        'def fib(n):',
        '    if n < 2:',
        '        return n',
        '    left = fib(n - 1)',
        '    return left + fib(n - 2)',
        'def sometimes(i):',
        '    seen = i',
        '    if i == 299:',
        '        raise KeyError(i)',
        '    return seen',
        'total = sum(square(i) for i in range(500)) + sum(sorted(range(200), key=lambda v: -v)[:1])',
        'for i in range(300):',
        '    try:',
        '        sometimes(i)',
        '    except KeyError:',
        '        pass',
        'print(total, fib(14))',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(r.stdout, `${(499 * 500 * 999) / 6 + 199} 377\n`);
    assert.equal(typedVar(r, 'square.i').repr, '499');
    assert.equal(typedVar(r, 'square.sq').repr, '249001');
    assert.equal(typedVar(r, 'fib.n').repr, '14', 'the outermost call returns last');
    assert.equal(typedVar(r, 'fib.left').repr, '233');
    assert.equal(typedVar(r, 'sometimes.seen').repr, '299', 'a raising last call is recorded at its unwind');
    assert.deepEqual(Object.keys(r.variables ?? {}).filter((k) => k.includes('lambda') || k.includes('genexpr')), []);
  });

  test('a hot function whose code object is new in the program run (exec) is still recorded', async () => {
    const r = await pool.run({
      capture: 'paper',
      code: py([
        'for _ in range(100):',
        '    ns = {}',
        '    exec("def helper(v):\\n    w = v + 1\\n    return w\\n", ns)',
        'def use(v):',
        '    u = v * 2',
        '    return u',
        'for k in range(100):',
        '    use(k)',
        'print(ns["helper"](1))',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(typedVar(r, 'use.u').repr, '198');
    assert.equal(typedVar(r, 'use.v').repr, '99');
    assert.ok(!('helper.w' in (r.variables ?? {})), 'exec-ed code is not the user file: not recorded');
  });

  test('mutation after the last assignment is seen; mutation after return is not', async () => {
    const r = await pool.run({
      capture: 'paper',
      code: py([
        'def build():',
        '    out = []',
        '    out.append(1)',
        '    out.append(2)',
        '    return out',
        'def main():',
        '    xs = build()',
        '    xs.append(99)',
        '    print(xs)',
        'main()',
      ]),
    });
    assert.equal(r.status, 'ok');
    assert.equal(typedVar(r, 'build.out').repr, '[1, 2]', 'value as it was when build returned');
    assert.equal(typedVar(r, 'main.xs').repr, '[1, 2, 99]');
  });

  test('methods, nested functions and functions that raise are captured', async () => {
    const r = await pool.run({
      capture: 'paper',
      code: py([
        'class Solution:',
        '    def twoSum(self, nums, target):',
        '        seen = {}',
        '        for i, v in enumerate(nums):',
        '            if target - v in seen:',
        '                return [seen[target - v], i]',
        '            seen[v] = i',
        'def outer():',
        '    k = 3',
        '    def inner(x):',
        '        y = x + k',
        '        return y',
        '    return inner(4)',
        'def fails():',
        '    z = "before"',
        '    raise ValueError(z)',
        'print(Solution().twoSum([2, 7, 11], 9), outer())',
        'try:',
        '    fails()',
        'except ValueError:',
        '    pass',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    assert.equal(typedVar(r, 'Solution.twoSum.seen').repr, '{2: 0}');
    assert.equal(typedVar(r, 'Solution.twoSum.nums').repr, '[2, 7, 11]');
    assert.equal(typedVar(r, 'outer.<locals>.inner.y').repr, '7');
    assert.equal(typedVar(r, 'fails.z').repr, "'before'");
  });

  test('cycles, huge values and big ints are bounded and marked', async () => {
    const r = await pool.run({
      capture: 'paper',
      code: py(['loop = [1]', 'loop.append(loop)', 'big = list(range(5000))', 'text = "a" * 20000', 'huge = 7 ** 100', 'giant = 3 ** 200000']),
    });
    assert.equal(r.status, 'ok', r.stderr);
    const loop = typedVar(r, 'loop');
    assert.equal(loop.repr, '[1, [...]]');
    assert.equal(pyRepr(loop.value), '[1, [...]]');
    const big = typedVar(r, 'big');
    assert.equal(big.truncated, true);
    assert.equal(big.value.kind === 'list' ? big.value.items.length : -1, 1000);
    assert.ok(big.repr.length <= 2000);
    assert.equal(typedVar(r, 'text').truncated, true);
    assert.equal(typedVar(r, 'huge').value.kind, 'int');
    assert.equal(pyRepr(typedVar(r, 'huge').value), (7n ** 100n).toString());
    const giant = typedVar(r, 'giant');
    assert.equal(giant.truncated, true);
    assert.match(giant.repr, /^<int with \d+ bits>$/);
  });

  test('collections types keep their class', async () => {
    const r = await pool.run({
      capture: 'paper',
      code: py([
        'from collections import Counter, defaultdict, deque, OrderedDict',
        'c = Counter("abracadabra")',
        'd = defaultdict(list)',
        'd["k"].append(1)',
        'q = deque([1, 2, 3], maxlen=5)',
        'o = OrderedDict(a=1)',
        'fz = frozenset({3})',
        'r = range(0, 10, 2)',
        'z = 1 - 2j',
        'b = b"\\x00hi"',
      ]),
    });
    assert.equal(r.status, 'ok', r.stderr);
    for (const name of ['c', 'd', 'q', 'o', 'fz', 'r', 'z', 'b']) {
      const v = typedVar(r, name);
      if (name === 'o' && pool.interpreter.version[1] < 12) {
        // The TS model prints the OrderedDict repr of 3.12 on; 3.11 still used the list-of-pairs form.
        assert.equal(v.repr, "OrderedDict([('a', 1)])");
        continue;
      }
      assert.equal(pyRepr(v.value), v.repr, `TS repr of ${name} differs from Python's`);
    }
    assert.equal(typedVar(r, 'c').type, 'Counter');
  });

  test('sys.exit inside main still reports the locals up to the exit', async () => {
    const r = await pool.run({ capture: 'paper', code: 'import sys\ndef main():\n    got = 3\n    sys.exit(0)\nmain()\n' });
    assert.equal(r.status, 'ok');
    assert.equal(typedVar(r, 'main.got').repr, '3');
  });

  test('a timeout yields no capture and says so', async () => {
    const r = await pool.run({ capture: 'paper', code: 'x = 1\nwhile True: pass', timeoutMs: 500 });
    assert.equal(r.status, 'timeout');
    assert.deepEqual(r.variables, {});
    assert.match(r.capture_error ?? '', /timeout/);
  });
});

/** The TS value model reproduces CPython 3.12 (its repr rules and its Unicode 15.0 table). */
function modelsThisPython(): boolean {
  const [major, minor] = pool.interpreter.version;
  return major === 3 && minor === 12;
}

/**
 * Code points whose printability (and so whose repr) differs between the Unicode tables of
 * Python 3.11 (14.0), 3.12 (15.0) and 3.13 (15.1): all outside the BMP but six.
 */
function reprVersionStable(v: PyValue): boolean {
  const unstable = (s: string) =>
    [...s].some((ch) => {
      const c = ch.codePointAt(0) as number;
      return c >= 0x10000 || c === 0xcf3 || c === 0xece || (c >= 0x2ffc && c <= 0x2fff) || c === 0x31ef;
    });
  switch (v.kind) {
    case 'str':
      return !unstable(v.value);
    case 'set':
    case 'frozenset':
    case 'list':
    case 'tuple':
      return v.items.every(reprVersionStable);
    case 'dict':
      return v.entries.every(([k, x]) => reprVersionStable(k) && reprVersionStable(x));
    default:
      return true;
  }
}

function containsSet(v: PyValue): boolean {
  switch (v.kind) {
    case 'set':
    case 'frozenset':
      return true;
    case 'list':
    case 'tuple':
      return v.items.some(containsSet);
    case 'dict':
      return v.entries.some(([k, x]) => containsSet(k) || containsSet(x));
    default:
      return false;
  }
}

describe('type fidelity round trips (TS value -> Python -> typed capture -> TS value)', () => {
  const leaf: fc.Arbitrary<PyValue> = fc.oneof(
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(pyInt),
    fc.double().map(pyFloat),
    fc.string({ unit: 'binary', maxLength: 8 }).map(pyStrValue),
    fc.constantFrom(pyNone, pyTrue, pyFalse),
  );
  const hashable: fc.Arbitrary<PyValue> = fc.oneof(
    fc.bigInt({ min: -1000n, max: 1000n }).map(pyInt),
    fc.string({ maxLength: 4 }).map(pyStrValue),
  );
  const value: fc.Arbitrary<PyValue> = fc.letrec<{ v: PyValue }>((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.array(tie('v'), { maxLength: 4 }).map(pyList),
      fc.array(tie('v'), { maxLength: 4 }).map(pyTuple),
      fc.uniqueArray(hashable, { maxLength: 4, selector: (v) => pyRepr(v) }).map(pySet),
      fc.uniqueArray(hashable, { maxLength: 3, selector: (v) => pyRepr(v) }).map(pyFrozenset),
      fc.uniqueArray(fc.tuple(hashable, tie('v')), { maxLength: 3, selector: ([k]) => pyRepr(k) }).map((es) => pyDict(es)),
    ),
  })).v;

  test('values survive with types, repr and == intact', async () => {
    const samples = fc.sample(value, { numRuns: 150, seed: 20261121 });
    const jobs = samples.map((v, i) => ({ id: String(i), capture: 'paper' as const, code: `value = ${toPythonLiteral(v)}\n` }));
    let checked = 0;
    for await (const r of pool.runMany(jobs)) {
      const original = samples[Number(r.id)] as PyValue;
      assert.equal(r.status, 'ok', `${toPythonLiteral(original)}: ${r.stderr}`);
      const captured = typedVar(r, 'value');
      // Set order follows element hashes in CPython, so only set-free values compare as text;
      // on another Python than 3.12, strings with characters whose Unicode data changed
      // between versions have a different repr by design (the model is 3.12's).
      const textComparable = modelsThisPython() || reprVersionStable(original);
      if (!containsSet(original) && textComparable) {
        assert.equal(captured.repr, pyRepr(original), 'Python repr vs TS repr of the original');
      }
      if (textComparable) assert.equal(pyRepr(captured.value), captured.repr, 'TS repr of the decoded value');
      const eq = pyEq(captured.value, original);
      const hasNan = /nan/.test(captured.repr);
      assert.equal(eq, !hasNan, `pyEq after round trip of ${captured.repr}`);
      checked++;
    }
    assert.equal(checked, samples.length);
  });

  test('hand-picked edge values', async () => {
    const cases = ['-0.0', '1e16', '1e-05', '0.1 + 0.2', '2 ** 53 + 1', '-(2 ** 64)', '(1,)', '()', 'set()', 'frozenset()', "{(1, 'a'): [None, True]}", "'quote\\'s \"both\"'", "'tab\\tnl\\n\\x00\\u200b'", 'float("inf")', '1.0', '[1, 1.0, True]'];
    const jobs = cases.map((c, i) => ({ id: String(i), capture: 'paper' as const, code: `value = ${c}\nprint(repr(value))\n` }));
    for await (const r of pool.runMany(jobs)) {
      assert.equal(r.status, 'ok', r.stderr);
      const captured = typedVar(r, 'value');
      assert.equal(captured.repr + '\n', r.stdout);
      assert.equal(pyRepr(captured.value), captured.repr, `case ${cases[Number(r.id)]}`);
    }
  });
});

describe('trajectory capture', () => {
  test('records per-line changes of user code, qualified like paper capture', async () => {
    const r = await pool.run({
      capture: 'trajectory',
      code: py(['def main():', '    acc = 0', '    for i in range(3):', '        acc += i', '    return acc', 'result = main()', 'print(result)']),
    });
    assert.equal(r.status, 'ok', r.stderr);
    const steps = r.trajectory ?? [];
    assert.ok(steps.length > 6);
    const accValues = steps.flatMap((s) => ('main.acc' in s.changes ? [decodeCapturedVariable(s.changes['main.acc']).repr] : []));
    assert.deepEqual(accValues, ['0', '1', '3']);
    const lines = steps.filter((s) => s.function === 'main').map((s) => s.line);
    assert.ok(lines.includes(4));
    assert.equal(r.trajectory_truncated, false);
    assert.equal(typedVar(r, 'main.acc').repr, '3');
    assert.equal(typedVar(r, 'result').repr, '3');
  });

  test('is bounded in steps', async () => {
    const r = await pool.run({ capture: 'trajectory', code: 'x = 0\nfor i in range(10000):\n    x += 1\nprint(x)', trajectoryMaxSteps: 50 });
    assert.equal(r.status, 'ok');
    assert.equal(r.stdout, '10000\n');
    assert.equal(r.trajectory?.length, 50);
    assert.equal(r.trajectory_truncated, true);
  });
});
