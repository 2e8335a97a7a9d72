/**
 * The benchmark extractors: how each reference harness turns a model response into the
 * program or answer it scores. Each function reproduces one upstream function exactly
 * (named in its comment); Python's `str.strip()` is `pyStrip` so Unicode whitespace is
 * treated the same way.
 */
import { pyStrip } from '../sandbox/index.js';

function findAll(re: RegExp, s: string): string[] {
  return [...s.matchAll(re)].map((m) => m[1] as string);
}

/**
 * CODERLPLUS benchmark_evaluation `match_code` (HumanEval and LeetCode): the last
 * ```python block that contains `def `, else the last such block; then the same over
 * plain ``` blocks; else the text before the first fence. Blocks keep their leading
 * newline (the pattern is ```python(.*?)```).
 */
export function matchCode(s: string): string {
  for (const re of [/```python([\s\S]*?)```/g, /```([\s\S]*?)```/g]) {
    const blocks = findAll(re, s);
    if (blocks.length > 0) {
      for (let i = blocks.length - 1; i >= 0; i--) if ((blocks[i] as string).includes('def ')) return blocks[i] as string;
      return blocks[blocks.length - 1] as string;
    }
  }
  return s.split('```')[0] as string;
}

/**
 * CODERLPLUS evaluate_leetcode.py: `"```python\n" + match_code(out) + "\n```"`, wrapped in
 * `class Solution:` (every line indented 4 spaces) when that text is absent, then
 * `extract_python_code`: the first ```python\n(.*?)\n``` block (the whole text if that
 * fails), or without a python fence the text before the first top-level def/class/if/#/print.
 */
export function leetcodeProgram(response: string): string {
  let completion = '```python\n' + matchCode(response) + '\n```';
  if (!completion.includes('class Solution:')) {
    const bare = completion.replaceAll('```python', '').replaceAll('```', '');
    completion = '```python\n' + 'class Solution:\n' + bare.split('\n').map((l) => '    ' + l).join('\n') + '\n```';
  }
  return extractPythonCode(completion);
}

/** DeepSeek-Coder LeetCode `extract_python_code` (with its try/except fallback to the text itself). */
export function extractPythonCode(generation: string): string {
  const g = generation.replaceAll('[PYTHON]', '```python').replaceAll('[/PYTHON]', '```');
  if (g.includes('```python')) {
    const m = /```python\n([\s\S]*?)\n```/.exec(g);
    return m ? (m[1] as string) : generation; // IndexError in the reference → except: the raw output
  }
  return g.split(/\ndef|\nclass|\nif|\n#|\nprint/)[0] as string;
}

/** LiveCodeBench `extract_code` for chat styles: the lines between the first two lines containing ```. */
export function lcbExtractCode(output: string): string {
  const lines = output.split('\n');
  const idx: number[] = [];
  lines.forEach((l, i) => {
    if (l.includes('```')) idx.push(i);
  });
  if (idx.length < 2) return '';
  return lines.slice((idx[0] as number) + 1, idx[1] as number).join('\n');
}

/** LiveCodeBench `extract_test_output_code`: the rewards' implementation (one copy). */
export { extractTestOutputCode as lcbExtractTestOutput } from '../rewards/test-output.js';

const ANSWER_PATTERNS = [
  /(?:the\s+(?:final\s+)?(?:answer|output|result)\s+is\s*:?\s*)([^\n]+)/i,
  /(?:therefore,?\s+the\s+(?:answer|output|result)\s+is\s*:?\s*)([^\n]+)/i,
  /(?:so,?\s+the\s+(?:answer|output|result)\s+is\s*:?\s*)([^\n]+)/i,
  /(?:answer\s*:?\s*)([^\n]+)/i,
  /(?:output\s*:?\s*)([^\n]+)/i,
  /(?:result\s*:?\s*)([^\n]+)/i,
];

/**
 * CODERLPLUS evaluate_code_execution.py `extract_answer` (the paper's "code reasoning"):
 * the FIRST `\boxed{...}` (no nested braces); else, scanning lines from the end, an
 * "answer/output/result is ..." phrase (one surrounding quote or trailing period
 * dropped); else a [...] list in the last 5 lines; else the last number in the last 3
 * lines; else the last non-empty line not starting with Let/I/We/The function/Step;
 * else the last line.
 */
export function extractBoxedAnswer(output: string): string {
  const boxed = /\\boxed\{([^}]*)\}/.exec(output);
  if (boxed) return boxed[1] as string;
  const lines = pyStrip(output).split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    for (const re of ANSWER_PATTERNS) {
      const m = re.exec(line);
      if (m) return pyStrip(m[1] as string).replace(/^["'`]|["'`.]$/g, '');
    }
  }
  const last5 = lines.slice(-5);
  for (let i = last5.length - 1; i >= 0; i--) {
    const m = /(\[.*?\])/.exec(last5[i] as string);
    if (m) return m[1] as string;
  }
  const last3 = lines.slice(-3);
  for (let i = last3.length - 1; i >= 0; i--) {
    const nums = findAll(/\b(-?\d+(?:\.\d+)?)\b/g, last3[i] as string);
    if (nums.length > 0) return nums[nums.length - 1] as string;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = pyStrip(lines[i] as string);
    if (line && !['Let', 'I', 'We', 'The function', 'Step'].some((p) => line.startsWith(p))) return line;
  }
  return pyStrip(lines[lines.length - 1] as string);
}

/** Text up to the first stop sequence, as a server honouring `stop` returns it. */
export function cutAtStop(text: string, stops: readonly string[]): string {
  let end = text.length;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}

/** CRUXEval OutputPrediction.postprocess_generation (after the [/ANSWER] stop word). */
export function cruxOutputAnswer(generation: string, cot: boolean): string {
  let g = cutAtStop(generation, ['[/ANSWER]']);
  if (cot && g.includes('[ANSWER]')) g = pyStrip(g.split('[ANSWER]')[1] as string);
  if (g.includes('==')) g = pyStrip(g.split('==')[1] as string);
  return pyStrip(g);
}

/** CRUXEval InputPrediction.postprocess_generation: the call `f(...)` left of `==`, without `assert`. */
export function cruxInputAnswer(generation: string, cot: boolean): string {
  let g = cutAtStop(generation, ['[/ANSWER]']);
  if (cot && g.includes('[ANSWER]')) g = pyStrip(g.split('[ANSWER]')[1] as string);
  if (g.includes('==')) g = pyStrip(g.split('==')[0] as string);
  if (g.includes('assert')) g = pyStrip(g.split('assert')[1] as string);
  return pyStrip(g);
}
