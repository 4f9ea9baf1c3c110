/** Stderr logging with secrets redacted. codex-wrap never writes to stdout except for `token`. */

export interface Logger {
  /** Shown always: at most one short line before Codex takes the terminal. */
  info(message: string): void;
  warn(message: string): void;
  /** Shown with --verbose / DEBUG=codex-wrap. */
  verbose(message: string): void;
  /** Registers a value that must never be printed (client secret, tokens, session key). */
  secret(value: string | undefined): void;
  redact(text: string): string;
}

const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret with a marker. Pure. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= MIN_SECRET_LENGTH) out = out.split(s).join('[redacted]');
  }
  return out;
}

export function createLogger(opts: { write: (line: string) => void; verbose: boolean; now?: () => number }): Logger {
  const secrets = new Set<string>();
  const started = (opts.now ?? Date.now)();
  const emit = (line: string) => opts.write(`${redact(line, secrets)}\n`);
  return {
    info: (m) => emit(`codex-wrap: ${m}`),
    warn: (m) => emit(`codex-wrap: warning: ${m}`),
    verbose: (m) => {
      if (!opts.verbose) return;
      const ms = (opts.now ?? Date.now)() - started;
      emit(`codex-wrap [${String(ms).padStart(5)} ms] ${m}`);
    },
    secret: (v) => {
      if (v) secrets.add(v);
    },
    redact: (t) => redact(t, secrets),
  };
}
