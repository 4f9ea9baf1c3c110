/**
 * Exit codes codex-wrap uses before Codex runs (README, "Exit codes"). Once Codex runs, its own code
 * is passed through, and a Codex killed by signal n gives 128+n.
 */
export const ExitCode = {
  ok: 0,
  /** Bad flags or settings: nothing was started. */
  usage: 2,
  /** CODEX_HOME or config.toml cannot be read, parsed or written. */
  codexConfig: 3,
  /** The IdP answered and refused (invalid_client, invalid_scope, ...). */
  auth: 4,
  /** The IdP could not be reached or gave no usable answer. */
  idpUnavailable: 5,
  /** codex-wrap was started inside another codex-wrap session. */
  nested: 6,
  /** A bug in codex-wrap. */
  internal: 70,
  /** The real codex executable was not found. */
  codexNotFound: 127,
} as const;

/** What each exit code means, for help and the README (a test checks the README against it). */
export const EXIT_MEANINGS: ReadonlyArray<[code: number, meaning: string]> = [
  [1, 'check: a line failed'],
  [ExitCode.usage, 'bad flags or settings'],
  [ExitCode.codexConfig, 'CODEX_HOME/config.toml'],
  [ExitCode.auth, 'IdP refused'],
  [ExitCode.idpUnavailable, 'IdP unreachable'],
  [ExitCode.nested, 'nested session'],
  [ExitCode.internal, 'internal error'],
  [126, 'codex not executable'],
  [ExitCode.codexNotFound, 'codex not found'],
];

/** An error the user can act on: what is wrong, what to do next, and the exit code. */
export class WrapError extends Error {
  readonly hint: string;
  readonly exitCode: number;
  /** Extra lines, e.g. every settings problem found in one pass. */
  readonly details: readonly string[];
  /** How long the other side asked us to wait before asking again (Retry-After), in ms. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    opts: { hint?: string; exitCode: number; cause?: unknown; details?: readonly string[]; retryAfterMs?: number },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'WrapError';
    this.hint = opts.hint ?? '';
    this.exitCode = opts.exitCode;
    this.details = opts.details ?? [];
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** What to print for a failure, and the exit code. Pure; the caller redacts and writes. */
export function describeFailure(err: unknown, debug: boolean): { text: string; exitCode: number } {
  const stack = debug ? debugDetails(err) : '';
  if (err instanceof WrapError) {
    const head = `codex-wrap: ${err.message}${err.hint ? ` — ${err.hint}` : ''}`;
    const lines = [head, ...err.details.map((d) => `  - ${d}`)];
    return { text: lines.join('\n') + stack, exitCode: err.exitCode };
  }
  const message = err instanceof Error ? err.message : String(err);
  return {
    text:
      `codex-wrap: internal error: ${message} — this is a bug in codex-wrap; please report it with the output of --debug` +
      (debug ? stack : ' (run with --debug for details)'),
    exitCode: ExitCode.internal,
  };
}

/** A cause that is not an Error (openid-client attaches the HTTP Response): its kind and status, never its content. */
function describeValue(value: unknown): string {
  if (typeof value !== 'object' || value === null) return String(value);
  const status = (value as { status?: unknown }).status;
  return `a ${value.constructor?.name ?? 'value'}${typeof status === 'number' ? ` (HTTP ${status})` : ''}`;
}

/** The stack and the chain of causes, for --debug. */
function debugDetails(err: unknown): string {
  const out: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    out.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : describeValue(e));
    e = e instanceof Error ? e.cause : undefined;
    if (e) out.push('caused by:');
  }
  return `\n${out.join('\n')}`;
}
