/**
 * The reference's variable capture, reproduced textually so its quirks carry over.
 *
 * The reference (CodeExecutor in the CodeRL+ recipe) appends a block of Python to the
 * program that collects module-level names and prints them as JSON to stderr after a
 * `___V___` marker. When the code mentions `if __name__` and `__main__`, the block is
 * instead indented by four spaces and inserted after the last non-blank, non-comment
 * line, which is usually inside the main block; when that line is not (top-level code
 * after the block, a one-line `if`), the result does not compile and the run fails,
 * exactly as in the reference. A program that exits early (sys.exit) never reaches the
 * block: its output is kept and it has no variables.
 */
import { pySplitlines, pyStrip } from './pystring.js';

/** Byte-exact copy of the reference's _CAPTURE_TEMPLATE (trailing spaces included). */
export const REFERENCE_CAPTURE_TEMPLATE = `
# Get variables
__v__ = {k: v for k, v in locals().items() 
         if not k.startswith('_') 
         and not callable(v)
         and type(v).__module__ in ('builtins', '__main__')
         and type(v).__name__ in ('int', 'float', 'str', 'bool', 'list', 'dict', 'tuple', 'set', 'NoneType')}

# Convert sets to lists for JSON
for k, v in __v__.items():
    if isinstance(v, set):
        __v__[k] = list(v)

import sys, json
print("___V___", file=sys.stderr)
print(json.dumps(__v__), file=sys.stderr)
`;

export const REFERENCE_MARKER = '___V___';

/** What the reference appends to a program without a main block. The fork-server gets it
 * at start-up and compiles it once (child.py ReferenceBlock). */
export const REFERENCE_SUFFIX = `\n\n${REFERENCE_CAPTURE_TEMPLATE}`;

/** The reference's `has_main` test: a plain substring check, not a parse. */
export function hasMainBlock(code: string): boolean {
  return code.includes('if __name__') && code.includes('__main__');
}

/** The program the reference actually runs for `code` (CodeExecutor.execute_code). */
export function withReferenceCapture(code: string): string {
  if (!hasMainBlock(code)) return code + REFERENCE_SUFFIX;
  const lines = pySplitlines(code);
  let insertAt = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    const stripped = pyStrip(lines[i] as string);
    if (stripped && !stripped.startsWith('#')) {
      insertAt = i + 1;
      break;
    }
  }
  const captureLines = pySplitlines(REFERENCE_CAPTURE_TEMPLATE).map((line) => '    ' + line);
  lines.splice(insertAt, 0, ...captureLines);
  return lines.join('\n');
}

export interface ReferenceCaptureParse {
  /** the JSON text after the marker, as the reference would json.loads it ('' if none) */
  variablesJson: string;
  /** stderr with the capture's output removed (the part before the first marker), which is
   * also all the reference reports as the error */
  stderr: string;
  /** everything after the marker (the capture's own output or its traceback) */
  afterMarker: string;
}

/** Split the reference capture out of stderr the way the reference parses it. */
export function parseReferenceStderr(stderr: string): ReferenceCaptureParse {
  const idx = stderr.indexOf(REFERENCE_MARKER);
  if (idx === -1) return { variablesJson: '', stderr, afterMarker: '' };
  const after = pyStrip(stderr.slice(idx + REFERENCE_MARKER.length));
  return { variablesJson: after.split('\n')[0] ?? '', stderr: stderr.slice(0, idx), afterMarker: after };
}
