/**
 * classifyOutcome (src/sandbox/result.ts): the run status from what the server observed.
 * The end-to-end statuses are in run.test.ts and security.test.ts; this pins the order
 * of the rules and the edge cases that are hard to provoke for real.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { describe, test } from 'node:test';
import type { ResultFrame } from '../../src/sandbox/protocol.js';
import { classifyOutcome } from '../../src/sandbox/result.js';

const { SIGKILL, SIGXCPU, SIGSEGV } = constants.signals;

function frame(over: Partial<ResultFrame> = {}): ResultFrame {
  return {
    id: 1, timedOut: false, outputLimited: false, stdoutTruncated: false, stderrTruncated: false, varsTruncated: false,
    exitCode: 0, signal: null, wallMs: 1, cpuMs: 1, maxRssKb: 1, ...over,
  };
}

const OK = Buffer.from('1');
const none = Buffer.alloc(0);
const text = (s: string) => Buffer.from(s, 'latin1');

describe('classifyOutcome', () => {
  const cases: Array<[string, Partial<ResultFrame>, Buffer, Buffer, string, string?]> = [
    ['exit 0', {}, OK, none, 'ok'],
    ['exit 1', { exitCode: 1 }, OK, text('Traceback...\nValueError: x\n'), 'runtime_error'],
    ['sys.exit(3)', { exitCode: 3 }, OK, none, 'runtime_error'],
    ['timeout beats a clean exit', { timedOut: true, exitCode: null, signal: SIGKILL }, OK, none, 'timeout'],
    ['timeout during setup keeps the setup reason', { timedOut: true, exitCode: null, signal: SIGKILL }, text('Esetresuid: EPERM'), none, 'timeout', 'setresuid: EPERM'],
    ['no setup byte: sandbox error', { exitCode: 125 }, none, none, 'sandbox_error', 'child exited during setup'],
    ['a setup error names its reason', { exitCode: 125 }, text('Esetrlimit(RLIMIT_AS): Invalid argument'), none, 'sandbox_error', 'setrlimit(RLIMIT_AS): Invalid argument'],
    ['sandbox error beats the output cap', { exitCode: 125, outputLimited: true }, none, none, 'sandbox_error', 'child exited during setup'],
    ['output cap beats the exit status', { outputLimited: true, exitCode: null, signal: SIGKILL }, OK, none, 'output_limit'],
    ['SIGXCPU is a timeout', { exitCode: null, signal: SIGXCPU }, OK, none, 'timeout'],
    ['SIGKILL after the CPU limit is a timeout', { exitCode: null, signal: SIGKILL, cpuMs: 7000 }, OK, none, 'timeout'],
    ['SIGKILL before the CPU limit is a runtime error', { exitCode: null, signal: SIGKILL, cpuMs: 6999 }, OK, none, 'runtime_error'],
    ['a crash signal is a runtime error', { exitCode: null, signal: SIGSEGV }, OK, none, 'runtime_error'],
    ['MemoryError on the last stderr line', { exitCode: 1 }, OK, text('Traceback\nMemoryError\n\n  '), 'memory'],
    ['MemoryError with a message', { exitCode: 1 }, OK, text('Traceback\nMemoryError: cannot allocate\n'), 'memory'],
    ['ENOMEM text on the last line', { exitCode: 1 }, OK, text('OSError: [Errno 12] Cannot allocate memory'), 'memory'],
    ['MemoryError not on the last line', { exitCode: 1 }, OK, text('MemoryError\nValueError: later\n'), 'runtime_error'],
    // Python's bytes.rstrip() strips ASCII whitespace only: a trailing NBSP (0xa0) stays, so the
    // last line is the NBSP, not the MemoryError line.
    ['rstrip is ASCII only', { exitCode: 1 }, OK, Buffer.concat([text('MemoryError\n'), Buffer.from([0xa0])]), 'runtime_error'],
    ['only the last 4 KiB are read', { exitCode: 1 }, OK, text('MemoryError' + 'x'.repeat(5000)), 'runtime_error'],
  ];
  for (const [name, over, setup, stderr, status, sandboxError] of cases) {
    test(name, () => {
      const got = classifyOutcome(frame(over), setup, stderr, 7);
      assert.equal(got.status, status);
      assert.equal(got.sandboxError, sandboxError);
    });
  }
});
