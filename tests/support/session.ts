/** Wires a real token source, refresher and proxy the way main.ts does, for proxy tests and the bench. */
import type { Clock } from '../../src/deps.js';
import { createNet } from '../../src/net.js';
import { startProxy } from '../../src/proxy/server.js';
import type { SessionState } from '../../src/session/state.js';
import { startRefresher } from '../../src/token/refresh.js';
import { createOAuthTokenSource } from '../../src/token/source.js';
import type { Idp } from './idp.js';

export const realClock: Clock = {
  now: Date.now,
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
  clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
};

/** A clock the test moves: `advance` runs the timers that fall due, in order. Servers keep real time. */
export function manualClock(start = Date.now()): Clock & { advance(ms: number): void } {
  let now = start;
  let next = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn, ms) {
      next += 1;
      timers.set(next, { at: now + ms, fn });
      return next;
    },
    clearTimeout: (handle) => void timers.delete(handle as number),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  };
}

/** A manualClock that also records the delay of every timer set on it: a test counts the wake-ups it would cost. */
export function countingClock(): ReturnType<typeof manualClock> & { timers: number[] } {
  const clock = manualClock();
  const timers: number[] = [];
  return {
    ...clock,
    timers,
    setTimeout: (fn, ms) => {
      timers.push(ms);
      return clock.setTimeout(fn, ms);
    },
  };
}

export async function startSession(
  idp: Idp,
  upstream: string | undefined,
  o: { maxTokens?: number; intervalMs?: number; clock?: Clock; headersTimeoutMs?: number; rehearse?: boolean } = {},
) {
  const clock = o.clock ?? realClock;
  const source = createOAuthTokenSource(
    {
      endpoint: new URL(idp.tokenEndpoint),
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      authMethod: 'client_secret_basic',
      scope: 'llm',
    },
    { now: clock.now, fallbackLifetimeMs: 60_000 },
  );
  const refresher = startRefresher({ source, initial: await source.fetch(), intervalMs: o.intervalMs ?? 900_000, clock });
  const key = 'cwk_test-session-key-0123456789abcdef';
  const net = createNet({});
  const proxy = await startProxy({
    net,
    upstream: upstream ? new URL(upstream) : undefined,
    sessionKey: key,
    tokens: refresher,
    maxTokens: o.maxTokens ?? 0,
    headersTimeoutMs: o.headersTimeoutMs,
    rehearse: o.rehearse,
  });
  return {
    refresher,
    proxy,
    key,
    post: (path: string, body: unknown, init: RequestInit = {}) =>
      fetch(`${proxy.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        ...init,
      }),
    async close() {
      refresher.stop();
      await proxy.close();
      await net.close();
    },
  };
}

/** A session's state as `status` reads it, with `over` changed. */
export const sessionState = (over: Partial<SessionState> = {}): SessionState => ({
  pid: 4242,
  cwd: '/w',
  mode: 'proxy',
  startedAt: 1,
  tokenExpiresAt: 2,
  refreshes: 0,
  requestsProxied: 0,
  upstreamErrors: 0,
  ...over,
});
