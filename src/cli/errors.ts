/**
 * The CLI's single error path (shadcn handle-error.ts): coderl errors and zod errors
 * become one readable line on stderr and an exit code; anything else is a bug and
 * keeps its stack.
 */
import { ZodError } from 'zod';
import { isCoderlError } from '../core/index.js';

export function formatError(err: unknown): { message: string; exitCode: number } {
  if (isCoderlError(err)) return { message: `coderl: ${err.code}: ${err.message}`, exitCode: 2 };
  if (err instanceof ZodError) {
    const lines = err.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    return { message: `coderl: invalid options:\n${lines.join('\n')}`, exitCode: 2 };
  }
  return { message: `coderl: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`, exitCode: 1 };
}
