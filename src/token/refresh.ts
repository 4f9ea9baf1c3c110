/**
 * Keeps a current token: refreshes ahead of expiry, keeps serving the old token while the IdP is
 * down, retries with backoff, and lets concurrent callers share one grant (OAUTH-NOTES.md).
 */
import type { Clock } from '../deps.js';
import type { Token, TokenSource } from './source.js';

const EARLY = 0.8;
/**
 * The least time between two grants, whatever the token's lifetime, the IdP's errors or the
 * number of proxied requests (issue #10: expires_in 0 made a grant every 1–3 ms).
 */
export const MIN_GRANT_INTERVAL_MS = 5000;
/** The longest delay a timer holds (setTimeout fires at once beyond it). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
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

/** A delay a timer can hold, and not before `notBefore`. Pure. */
export function timerDelay(wantMs: number, now: number, notBefore: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(wantMs, notBefore - now, 0));
}

/**
 * Until when a token is served. A token that lives less than the floor between grants is served
 * for the floor (the gateway decides: a 401 asks for a new one as soon as the floor allows). Pure.
 */
export function usableUntil(token: Token): number {
  return Math.max(token.expiresAt, token.issuedAt + MIN_GRANT_INTERVAL_MS);
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

/** What an IdP error asks: how long to wait before the next request (Retry-After on 429/503). */
const retryAfterOf = (err: unknown): number => {
  const ms = (err as { retryAfterMs?: unknown })?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : 0;
};

export function startRefresher(options: {
  source: TokenSource;
  initial: Token;
  intervalMs: number;
  clock: Clock;
  random?: () => number;
  onRefresh?: (token: Token) => void;
  onError?: (err: unknown, failures: number) => void;
  /** Said once: the IdP's tokens live less than the floor between grants. */
  onShortLifetime?: (lifetimeMs: number) => void;
}): Refresher {
  const { clock } = options;
  const random = options.random ?? Math.random;
  const stats: RefreshStats = { refreshes: 0, failures: 0 };
  let token = options.initial;
  let inflight: Promise<Token> | undefined;
  let timer: unknown;
  let failuresInARow = 0;
  let stopped = false;
  /** No grant before this (epoch ms): the floor after the last one, or the IdP's Retry-After. */
  let notBefore = token.issuedAt + MIN_GRANT_INTERVAL_MS;
  let lastError: unknown;
  let saidShort = false;

  const schedule = (ms: number) => {
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = stopped ? undefined : clock.setTimeout(() => void refresh().catch(() => {}), timerDelay(ms, clock.now(), notBefore));
  };
  const noteLifetime = (fresh: Token) => {
    const lifetime = fresh.expiresAt - fresh.issuedAt;
    if (lifetime >= MIN_GRANT_INTERVAL_MS || saidShort) return;
    saidShort = true;
    options.onShortLifetime?.(lifetime);
  };

  // Single-flight: every caller during a grant gets the same promise, and within the floor every
  // caller gets the last outcome without a new request. A refresh asks for a token other than the
  // one held: a cache must not hand the same one back (it would be due again at once).
  const refresh = (): Promise<Token> => {
    if (inflight) return inflight;
    const now = clock.now();
    if (now < notBefore) {
      const wait = Math.ceil((notBefore - now) / 1000);
      return Promise.reject(lastError ?? new Error(`the IdP was asked less than ${MIN_GRANT_INTERVAL_MS / 1000} s ago; next in ${wait} s`));
    }
    notBefore = now + MIN_GRANT_INTERVAL_MS;
    inflight = options.source
      .fetch({ avoid: token.value })
      .then(
        (fresh) => {
          token = fresh;
          lastError = undefined;
          failuresInARow = 0;
          stats.refreshes += 1;
          stats.lastRefreshAt = clock.now();
          stats.lastOutcome = 'ok';
          noteLifetime(fresh);
          options.onRefresh?.(fresh);
          schedule(refreshDelay(fresh, clock.now(), options.intervalMs, random()));
          return fresh;
        },
        (err: unknown) => {
          lastError = err;
          notBefore = Math.max(notBefore, clock.now() + retryAfterOf(err));
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

  noteLifetime(token);
  schedule(refreshDelay(token, clock.now(), options.intervalMs, random()));

  return {
    async token() {
      if (clock.now() < usableUntil(token)) return token.value;
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
