/**
 * Keeps a current token: refreshes ahead of expiry, keeps serving the old token while the IdP is
 * down, retries with backoff, and lets concurrent callers share one grant (OAUTH-NOTES.md).
 */
import type { Clock } from '../deps.js';
import type { Token, TokenSource } from './source.js';

const EARLY = 0.8;
const JITTER = 0.1;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 60_000;

/**
 * Milliseconds until the next refresh: the earlier of the interval and 80% of the token's lifetime,
 * up to 10% earlier still at random so that many wrappers do not hit the IdP together. Pure.
 */
export function refreshDelay(token: Token, now: number, intervalMs: number, random: number): number {
  const lifetime = Math.max(0, token.expiresAt - token.issuedAt);
  const ahead = Math.min(intervalMs, EARLY * lifetime);
  return Math.max(0, Math.round(token.issuedAt + ahead * (1 - JITTER * random) - now));
}

/** Exponential backoff after `failures` failed refreshes (1 s, 2 s, ... capped at 60 s), jittered. Pure. */
export function backoffDelay(failures: number, random: number): number {
  const full = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(full * (1 - JITTER * random));
}

export interface RefreshStats {
  refreshes: number;
  failures: number;
  lastRefreshAt?: number;
  /** How the last refresh ended, for status. */
  lastOutcome?: 'ok' | 'failed';
}

export interface Refresher {
  /** A valid token, refreshing first if the current one has expired; rejects if none can be had. */
  token(): Promise<string>;
  /** After the upstream rejected `rejected`: refresh once if it is still the current token. */
  forceRefresh(rejected: string): Promise<string>;
  current(): Token;
  readonly stats: RefreshStats;
  stop(): void;
}

export function startRefresher(options: {
  source: TokenSource;
  initial: Token;
  intervalMs: number;
  clock: Clock;
  random?: () => number;
  onRefresh?: (token: Token) => void;
  onError?: (err: unknown, failures: number) => void;
}): Refresher {
  const random = options.random ?? Math.random;
  const stats: RefreshStats = { refreshes: 0, failures: 0 };
  let token = options.initial;
  let inflight: Promise<Token> | undefined;
  let timer: unknown;
  let failuresInARow = 0;
  let stopped = false;

  const schedule = (ms: number) => {
    if (timer !== undefined) options.clock.clearTimeout(timer);
    timer = stopped ? undefined : options.clock.setTimeout(() => void refresh().catch(() => {}), ms);
  };

  // Single-flight: every caller during a grant gets the same promise. A refresh asks for a token
  // other than the one held: a cache must not hand the same one back (it would be due again at once).
  const refresh = (): Promise<Token> => {
    inflight ??= options.source
      .fetch({ avoid: token.value })
      .then(
        (fresh) => {
          token = fresh;
          failuresInARow = 0;
          stats.refreshes += 1;
          stats.lastRefreshAt = options.clock.now();
          stats.lastOutcome = 'ok';
          options.onRefresh?.(fresh);
          schedule(refreshDelay(fresh, options.clock.now(), options.intervalMs, random()));
          return fresh;
        },
        (err: unknown) => {
          failuresInARow += 1;
          stats.failures += 1;
          stats.lastOutcome = 'failed';
          options.onError?.(err, failuresInARow);
          schedule(backoffDelay(failuresInARow, random()));
          throw err;
        },
      )
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  schedule(refreshDelay(token, options.clock.now(), options.intervalMs, random()));

  return {
    async token() {
      if (options.clock.now() < token.expiresAt) return token.value;
      return (await refresh()).value;
    },
    async forceRefresh(rejected) {
      if (rejected !== token.value) return this.token();
      return (await refresh()).value;
    },
    current: () => token,
    stats,
    stop() {
      stopped = true;
      schedule(0);
    },
  };
}
