/**
 * The one catalogue of coderl errors (fastify lib/errors.js style): every code is defined
 * once as CRL_ERR_<AREA>_<WHAT> with a message template and an HTTP status, and
 * docs/errors.md lists them all (a test keeps the two in sync).
 *
 * Only broken systems and bad input throw. Expected outcomes of running a program
 * (timeout, runtime error, ...) are values, never errors.
 */

export interface ErrorSpec {
  /** message template; `%s` placeholders are filled in order */
  readonly message: string;
  readonly statusCode: number;
}

export const ERROR_CATALOGUE = {
  /** Config */
  CRL_ERR_CONFIG_INVALID: { message: 'invalid configuration: %s', statusCode: 400 },
  /** Input files and rows */
  CRL_ERR_INPUT_INVALID: { message: 'invalid input: %s', statusCode: 400 },
  CRL_ERR_INPUT_NOT_FOUND: { message: 'input not found: %s', statusCode: 404 },
  /** Tokenizers (src/tokenizers) */
  CRL_ERR_TOKENIZER_INVALID: { message: 'unusable tokenizer %s: %s', statusCode: 400 },
  CRL_ERR_TOKENIZER_TEMPLATE: { message: 'chat template of %s failed: %s', statusCode: 400 },
  /** Sandbox */
  CRL_ERR_SANDBOX_NO_PYTHON: { message: 'no usable Python interpreter: %s', statusCode: 500 },
  CRL_ERR_SANDBOX_UNSAFE_REFUSED: { message: 'refusing to run untrusted code without isolation: %s', statusCode: 500 },
  CRL_ERR_SANDBOX_NATIVE_BUILD: { message: 'cannot build the sandbox fork-server: %s', statusCode: 500 },
  CRL_ERR_SANDBOX_START_FAILED: { message: 'sandbox slot %s failed to start: %s', statusCode: 500 },
  CRL_ERR_SANDBOX_POOL_CLOSED: { message: 'the sandbox pool is closed', statusCode: 503 },
  CRL_ERR_SANDBOX_PROTOCOL: { message: 'sandbox protocol error in slot %s: %s', statusCode: 500 },
  /** Judge and rewards */
  CRL_ERR_JUDGE_FAILED: { message: 'judging failed: %s', statusCode: 500 },
  /** Evaluation */
  CRL_ERR_EVAL_ENDPOINT: { message: 'model endpoint %s failed: %s', statusCode: 502 },
  CRL_ERR_EVAL_BACKEND_UNAVAILABLE: { message: 'generation backend not available: %s', statusCode: 501 },
  CRL_ERR_EVAL_RUN_MISMATCH: { message: 'output directory %s holds a different run: %s', statusCode: 409 },
  /** RL maths (src/rl) */
  CRL_ERR_RL_INVALID_ARGUMENT: { message: 'invalid RL argument: %s', statusCode: 400 },
  /** Synthetic curriculum (src/curriculum) */
  CRL_ERR_CURRICULUM_VERIFY_FAILED: { message: 'curriculum verification failed: %s', statusCode: 500 },
  /** Policy engines (src/engines) */
  CRL_ERR_ENGINE_STATE: { message: 'engine not usable: %s', statusCode: 409 },
  CRL_ERR_ENGINE_CHECKPOINT: { message: 'bad engine checkpoint %s: %s', statusCode: 400 },
  CRL_ERR_ENGINE_WORKER: { message: 'engine worker failed: %s', statusCode: 500 },
  /** HTTP service (src/server) */
  CRL_ERR_SERVER_UNAUTHORIZED: { message: 'unauthorized: %s', statusCode: 401 },
  CRL_ERR_SERVER_BODY_TOO_LARGE: { message: 'request body too large: %s', statusCode: 413 },
  CRL_ERR_SERVER_OVERLOADED: { message: 'server overloaded: %s', statusCode: 429 },
  CRL_ERR_SERVER_SHUTTING_DOWN: { message: 'server shutting down: %s', statusCode: 503 },
  CRL_ERR_SERVER_ROUTE_NOT_FOUND: { message: 'no route %s', statusCode: 404 },
  CRL_ERR_SERVER_INTERNAL: { message: 'internal error: %s', statusCode: 500 },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Base class of every error coderl throws on purpose. */
export class CoderlError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, args: readonly (string | number)[] = [], options?: { cause?: unknown }) {
    const spec = ERROR_CATALOGUE[code];
    let i = 0;
    const message = spec.message.replace(/%s/g, () => String(args[i++] ?? ''));
    super(message, options);
    this.name = 'CoderlError';
    this.code = code;
    this.statusCode = spec.statusCode;
  }
}

export function isCoderlError(err: unknown): err is CoderlError {
  return err instanceof CoderlError;
}
