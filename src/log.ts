/** Stderr logging with secrets redacted, in every form a secret travels in (issue #8). */

export interface Logger {
  /** Shown always: at most one short line before Codex takes the terminal. */
  info(message: string): void;
  warn(message: string): void;
  /** Shown with --verbose / DEBUG=codex-wrap. */
  verbose(message: string): void;
  /**
   * Registers a value that must never be printed (client secret, tokens, session key). With `user`,
   * also the HTTP Basic credentials `user:value` it is sent as.
   */
  secret(value: string | undefined, user?: string): void;
  redact(text: string): string;
  /** Sends every later line to `write` instead (a log file while Codex owns the terminal); returns the way back. */
  redirect(write: (line: string) => void): () => void;
}

const MIN_SECRET_LENGTH = 4;

/** application/x-www-form-urlencoded, as OAuth clients encode credentials (RFC 6749 §2.3.1). Pure. */
export function formEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * The forms a secret can be echoed in: raw, percent-encoded (URL and form encoding, upper and
 * lower case hex), and, given the user, the base64 of `user:secret` in HTTP Basic auth. Pure.
 */
export function secretForms(value: string, user?: string): string[] {
  const encoded = [value, encodeURIComponent(value), formEncode(value), new URLSearchParams({ v: value }).toString().slice(2)];
  const forms = new Set(encoded.flatMap((e) => [e, e.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())]));
  if (user !== undefined) {
    for (const [u, v] of [
      [user, value],
      [user, formEncode(value)],
      [formEncode(user), formEncode(value)],
    ]) {
      forms.add(Buffer.from(`${u}:${v}`).toString('base64'));
    }
  }
  return [...forms];
}

/** Replaces every occurrence of each secret with a marker. Pure. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  // Longest first, so that a form holding another (base64 of id:secret) goes whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (s.length >= MIN_SECRET_LENGTH) out = out.split(s).join('[redacted]');
  }
  return out;
}

export function createLogger(opts: { write: (line: string) => void; verbose: boolean; now?: () => number }): Logger {
  const secrets = new Set<string>();
  // Their forms are worked out when text is first redacted: a session that prints nothing before
  // Codex starts does not spend its start-up on them (issue #12).
  const pending: Array<[string, string | undefined]> = [];
  const known = () => {
    for (const [value, user] of pending.splice(0)) for (const form of secretForms(value, user)) secrets.add(form);
    return secrets;
  };
  const started = (opts.now ?? Date.now)();
  let sink = opts.write;
  const emit = (line: string) => sink(`${redact(line, known())}\n`);
  return {
    info: (m) => emit(`codex-wrap: ${m}`),
    warn: (m) => emit(`codex-wrap: warning: ${m}`),
    verbose: (m) => {
      if (!opts.verbose) return;
      const ms = (opts.now ?? Date.now)() - started;
      emit(`codex-wrap [${String(ms).padStart(5)} ms] ${m}`);
    },
    secret: (v, user) => {
      if (v) pending.push([v, user]);
    },
    redact: (t) => redact(t, known()),
    redirect(write) {
      const previous = sink;
      sink = write;
      return () => {
        sink = previous;
      };
    },
  };
}
