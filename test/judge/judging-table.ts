/**
 * Parity table for judging: programs, tests, and the LiveCodeBench grader's result list
 * (`true` pass, `false` call-based wrong answer, -1 process died / global timeout, -2 stdin
 * wrong answer, -3 timeout, -4 runtime error) derived from the reference code path, with the
 * reasoning; plus what the `lenient` preset gives. `status` is the judge status where it is
 * not 'judged'. Reward-hacking rows are marked [hack].
 */
import type { ReferenceResult } from '../../src/judge/index.js';

export interface JudgingRow {
  name: string;
  code: string;
  inputs: unknown[];
  outputs: unknown[];
  fnName?: string | null;
  reference: ReferenceResult[] | { status: string };
  lenient: ReferenceResult[] | { status: string };
  why: string;
  options?: { timeoutMs?: number; globalTimeoutMs?: number; maxOutputBytes?: number };
}

const ab = 'a, b = map(int, input().split())\nprint(a + b)\n';

export const JUDGING_TABLE: JudgingRow[] = [
  { name: 'stdin correct', code: ab, inputs: ['1 2\n', '3 4\n'], outputs: ['3\n', '7\n'], reference: [true, true], lenient: [true, true], why: 'both outputs equal line by line' },
  { name: 'stdin wrong answer stops at first failure', code: 'print(3)', inputs: ['1 2', '3 4', '5 6'], outputs: ['3', '7', '11'], reference: [true, -2], lenient: [true, -2], why: 'test 2 prints 3 != 7; the list stops there (-2 = stdin WA)' },
  { name: 'whitespace and blank lines around output', code: 'print("  5  ")\nprint()\nprint()', inputs: [''], outputs: ['5'], reference: [true], lenient: [true], why: 'whole output stripped, each line stripped' },
  { name: 'decimal tokens equal as Decimals', code: 'print("1.50 2e1")', inputs: [''], outputs: ['1.5 20'], reference: [true], lenient: [true], why: 'line texts differ; Decimal("1.50") == Decimal("1.5"), Decimal("2e1") == 20' },
  { name: 'floats: no tolerance in reference', code: 'print(1/3)', inputs: [''], outputs: ['0.333333333'], reference: [-2], lenient: [true], why: '0.3333333333333333 != 0.333333333 as Decimals [false negative]; lenient: within 1e-6' },
  { name: 'extra output line', code: 'print(1)\nprint(2)', inputs: [''], outputs: ['1'], reference: [-2], lenient: [-2], why: 'line counts differ' },
  { name: 'runtime error', code: 'print(1 // 0)', inputs: [''], outputs: ['1'], reference: [-4], lenient: [-4], why: 'ZeroDivisionError in the test → -4' },
  { name: 'per-test timeout', code: 'while True:\n    pass', inputs: ['', ''], outputs: ['1', '1'], reference: [-3], lenient: [-3], why: 'SIGALRM after the per-test limit raises TimeoutException → -3', options: { timeoutMs: 1000 } },
  { name: 'syntax error', code: 'def f(:\n  pass', inputs: [''], outputs: [''], reference: { status: 'syntax_error' }, lenient: { status: 'syntax_error' }, why: 'ast.parse fails in compute_score: reward 0 before any test' },
  { name: '__main__ guard as the last statement', code: 'def main():\n    print(int(input()) * 2)\n\nif __name__ == "__main__":\n    main()\n', inputs: ['4'], outputs: ['8'], reference: [true], lenient: [true], why: 'clean_if_name unwraps a trailing `if __name__ == \'__main__\'` block' },
  { name: '__main__ guard not last', code: 'def main():\n    print(int(input()) * 2)\n\nif __name__ == "__main__":\n    main()\nx = 1\n', inputs: ['4'], outputs: ['8'], reference: [-2], lenient: [true], why: 'not unwrapped; the module is named tmp_sol so the guarded block never runs → empty output [false negative]' },
  { name: 'sys.stdout.buffer', code: 'import sys\nsys.stdout.buffer.write(b"5\\n")', inputs: [''], outputs: ['5'], reference: [-4], lenient: [true], why: 'stdout is a StringIO without .buffer → AttributeError [false negative]' },
  { name: 'open(0).read()', code: 'print(sum(map(int, open(0).read().split())))', inputs: ['2 3'], outputs: ['5'], reference: [-2], lenient: [true], why: 'the grader process has /dev/null on fd 0 and the prelude binds the real open → reads "" → prints 0 [false negative]' },
  { name: 'from sys import stdin', code: 'from sys import stdin\nprint(int(stdin.readline()) + 1)', inputs: ['4'], outputs: ['5'], reference: [true], lenient: [true], why: 'the import is hoisted and binds the original stdin at module load, but the reference patches read/readline/readlines on that object (mock enters patch("sys.stdin.readline") before patch("sys.stdin")) → "4"' },
  { name: 'prelude-bound stdin (no import)', code: 'print(int(stdin.readline()) + 1)', inputs: ['4'], outputs: ['5'], reference: [true], lenient: [true], why: 'the prelude\'s `from sys import *` binds the original stdin, whose readline the reference patches during the call; lenient rebinds it to the test input' },
  { name: 'sys.stdin.readline at call time', code: 'import sys\ninput = sys.stdin.readline\nprint(int(input()) + 1)', inputs: ['4'], outputs: ['5'], reference: [true], lenient: [true], why: 'the assignment runs inside wrapped_function while sys.stdin is the test StringIO' },
  { name: '`global` of a top-level name', code: 'count = 0\ndef inc():\n    global count\n    count += 1\ninc()\nprint(count)', inputs: [''], outputs: ['1'], reference: [-4], lenient: [true], why: 'top-level names become locals of wrapped_function; `global count` finds no module global → NameError [false negative]' },
  { name: 'class Solution in a stdin program', code: 'class Solution:\n    pass\nprint(int(input()) + 1)', inputs: ['1'], outputs: ['2'], reference: [-4], lenient: [true], why: '"class Solution" in code makes compile_code call tmp_sol.Solution(), which lives inside wrapped_function → AttributeError → [-4]' },
  { name: '[hack] exit(0) before printing', code: 'exit(0)\nprint(5)', inputs: [''], outputs: ['5'], reference: [-2], lenient: [-2], why: 'SystemExit is swallowed as a normal end; the captured output is empty → wrong answer' },
  { name: 'print then exit(0)', code: 'print(5)\nexit(0)\nprint(6)', inputs: [''], outputs: ['5'], reference: [true], lenient: [true], why: 'output so far is kept after SystemExit' },
  { name: '[hack] printing nothing', code: 'pass', inputs: ['', ''], outputs: ['1', ''], reference: [-2], lenient: [-2], why: 'empty output vs "1" → mismatch; it only "passes" tests whose expected output is empty' },
  { name: '[hack] printing nothing, empty expected', code: 'pass', inputs: [''], outputs: [''], reference: [true], lenient: [true], why: 'strip("") splits into [""] on both sides: equal (a dataset flaw, not a grader bug)' },
  { name: '[hack] huge output', code: 'import sys\nsys.stdout.write("7" * 3000000)', inputs: [''], outputs: ['7'], reference: [-2], lenient: [-2], why: 'reference compares it: not equal → WA; lenient stops the child at the 1 MB output cap (output_limit, counted -2)', options: { maxOutputBytes: 1 << 20 } },
  { name: '[hack] prefix-only output', code: 'print("1 2")', inputs: [''], outputs: ['1 2 3'], reference: [-2], lenient: [-2], why: 'token lists of different length are not equal Decimal lists' },
  { name: '[hack] reading test files', code: 'import os\nprint(open("expected_output.txt").read())', inputs: [''], outputs: ['42'], reference: [-4], lenient: [-4], why: 'no test files exist in the sandbox → FileNotFoundError' },
  { name: '[hack] searching memory for the expected output', code: 'import gc\nprint(any(isinstance(o, str) and "SECRET_42" in o for o in gc.get_objects()))', inputs: [''], outputs: ['SECRET_42'], reference: [-2], lenient: [-2], why: 'expected outputs never enter the sandbox: the program prints False' },
  { name: 'quit() is None in the reference', code: 'print(1)\nquit()', inputs: [''], outputs: ['1'], reference: [-4], lenient: [true], why: 'reliability_guard sets builtins.quit = None → TypeError' },
  { name: 'os.system is None in the reference', code: 'import os\nos.system("true")\nprint(1)', inputs: [''], outputs: ['1'], reference: [-4], lenient: [true], why: 'reliability_guard disables os.system → TypeError' },
  { name: 'big int over 4300 digits', code: 'print(10 ** 5000)', inputs: [''], outputs: ['1' + '0'.repeat(5000)], reference: [true], lenient: [true], why: 'the reference raises the int→str limit to 50000 digits' },
  { name: 'big int over 50000 digits', code: 'print(10 ** 60000)', inputs: [''], outputs: ['1' + '0'.repeat(60000)], reference: [-4], lenient: [true], why: 'str(int) beyond 50000 digits raises ValueError [false negative]' },
  { name: 'non-string expected output', code: 'print(1)\nprint(2)', inputs: [['x']], outputs: [['1', '2']], reference: { status: 'grader_error' }, lenient: [true], why: 'gt_out.strip() on a list raises inside grade_stdio → the grader answers [-4]; lenient joins the lines' },
  { name: 'no tests', code: 'print(1)', inputs: [], outputs: [], reference: [], lenient: [], why: 'an empty result list: sum([]) == len([]), so binary reward 1' },
  { name: '[hack] catching the timeout', code: 'while True:\n    try:\n        while True:\n            pass\n    except Exception:\n        pass', inputs: [''], outputs: ['1'], reference: [-1], lenient: [-3], why: 'TimeoutException is an Exception: caught, the loop goes on until the global limit kills the process → [-1]*n; lenient kills the child', options: { timeoutMs: 1000, globalTimeoutMs: 3000 } },
  { name: '[hack] os._exit after printing', code: 'import os\nprint(5)\nos._exit(0)', inputs: [''], outputs: ['5'], reference: [-1], lenient: [-2], why: 'kills the reference grading process → [-1]; as a script the unflushed output is lost' },
  { name: 'call: class Solution', code: 'class Solution:\n    def add(self, a, b):\n        return a + b\n', inputs: ['1\n2', '[1]\n[2]'], outputs: ['3', '[1, 2]'], fnName: 'add', reference: [true, true], lenient: [true, true], why: 'newline-separated JSON args, Python ==' },
  { name: 'call: top-level function', code: 'def add(a, b):\n    return a + b\n', inputs: ['1\n2'], outputs: ['3'], fnName: 'add', reference: [true], lenient: [true], why: 'convert_function_to_class_method wraps it in class Solution' },
  { name: 'call: function missing', code: 'def other(a, b):\n    return a + b\n', inputs: ['1\n2'], outputs: ['3'], fnName: 'add', reference: { status: 'no_function' }, lenient: [-4], why: 'no top-level `add` to wrap → compute_score returns False' },
  { name: 'call: a prelude name is not the solution', code: 'def other(a, b):\n    return a - b\n', inputs: ['1\n2'], outputs: ['3'], fnName: 'add', reference: { status: 'no_function' }, lenient: [-4], why: 'the prelude star-imports operator.add; only functions the program defines count (lenient looks them up by origin)' },
  { name: 'call: fn_name null without class Solution', code: 'print(1)', inputs: ['1'], outputs: ['1'], fnName: null, reference: { status: 'no_function' }, lenient: [true], why: '"fn_name" key present → conversion attempted with None → fails' },
  { name: 'call: tuple result counts as list', code: 'class Solution:\n    def f(self, x):\n        return (x, x)\n', inputs: ['1'], outputs: ['[1, 1]'], fnName: 'f', reference: [true], lenient: [true], why: 'a top-level tuple is converted to a list' },
  { name: 'call: nested tuple', code: 'class Solution:\n    def f(self, x):\n        return [(x, x)]\n', inputs: ['1'], outputs: ['[[1, 1]]'], fnName: 'f', reference: [false], lenient: [true], why: 'only the top level is converted; [(1, 1)] != [[1, 1]]' },
  { name: 'call: float without tolerance', code: 'class Solution:\n    def f(self, x):\n        return 0.1 + 0.2\n', inputs: ['1'], outputs: ['0.3'], fnName: 'f', reference: [false], lenient: [true], why: '0.30000000000000004 != 0.3 under Python == [false negative]' },
  { name: 'call: 1 == 1.0 and True == 1', code: 'class Solution:\n    def f(self, x):\n        return [1, True]\n', inputs: ['1'], outputs: ['[1.0, 1]'], fnName: 'f', reference: [true], lenient: [true], why: 'Python ==' },
  { name: 'call: instance shared across tests', code: 'class Solution:\n    def __init__(self):\n        self.calls = 0\n    def f(self, x):\n        self.calls += 1\n        return self.calls\n', inputs: ['0', '0'], outputs: ['1', '1'], fnName: 'f', reference: [true, false], lenient: [true, true], why: 'the reference builds Solution() once; lenient builds a fresh one per test' },
  { name: 'call: exception', code: 'class Solution:\n    def f(self, x):\n        return [][x]\n', inputs: ['1'], outputs: ['1'], fnName: 'f', reference: [-4], lenient: [-4], why: 'IndexError → -4' },
  { name: 'call: exit() inside the method', code: 'class Solution:\n    def f(self, x):\n        exit(0)\n', inputs: ['1', '2'], outputs: ['1', '2'], fnName: 'f', reference: [-1, -1], lenient: [-4], why: 'SystemExit escapes every handler and kills the grading process → [-1]*n' },
  { name: 'call: expected int over 50000 digits', code: 'class Solution:\n    def f(self, x):\n        return 10 ** 60000\n', inputs: ['1'], outputs: ['1' + '0'.repeat(60000)], fnName: 'f', reference: { status: 'grader_error' }, lenient: [true], why: 'json.loads of the expected output hits the 50000-digit limit inside the grader → [-4]' },
  { name: '[hack] call: object equal to everything', code: 'class A:\n    def __eq__(self, o):\n        return True\nclass Solution:\n    def f(self, x):\n        return A()\n', inputs: ['1'], outputs: ['5'], fnName: 'f', reference: [false], lenient: [false], why: 'DEVIATION: the reference would call A.__eq__ and pass; here the value is compared outside the sandbox and an opaque object equals nothing' },
];
