import { jest } from '@jest/globals';
import {
  backoffDelay,
  MAX_TIMER_MS,
  MIN_GRANT_INTERVAL_MS,
  refreshDelay,
  startRefresher,
  timerDelay,
  usableUntil,
} from '../../src/token/refresh.js';
import type { Token, TokenSource } from '../../src/token/source.js';

const tok = (value: string, issuedAt: number, lifetime: number): Token => ({ value, issuedAt, expiresAt: issuedAt + lifetime });

test.each([
  // token lifetime, interval, random → delay from issue
  ['interval comes first', 3600_000, 900_000, 0, 900_000],
  ['80% of the lifetime comes first', 600_000, 900_000, 0, 480_000],
  ['jitter makes it up to 10% earlier', 600_000, 900_000, 1, 432_000],
  ['a 2 s token', 2000, 900_000, 0.5, 1520],
])('refreshDelay: %s', (_n, lifetime, interval, random, want) => {
  expect(refreshDelay(tok('t', 1000, lifetime), 1000, interval, random)).toBe(want);
});

test('refreshDelay is never negative', () => expect(refreshDelay(tok('t', 0, 1000), 5000, 900_000, 0)).toBe(0));

test.each([
  [1, 1000],
  [2, 2000],
  [3, 4000],
  [7, 60_000],
  [20, 60_000],
])('backoffDelay(%p) = %p ms before jitter', (n, want) => expect(backoffDelay(n, 0)).toBe(want));

function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
    advance(ms: number) {
      t += ms;
      jest.advanceTimersByTime(ms);
    },
  };
}

/** A token source whose outcomes the test scripts, on a fake clock of its own. */
function scripted(lifetime = 10_000, failure: () => Error = () => new Error('IdP down')) {
  let n = 0;
  let failing = false;
  const calls: number[] = [];
  const clock = fakeClock();
  const source: TokenSource = {
    fetch: () => {
      calls.push(clock.now());
      if (failing) return Promise.reject(failure());
      n += 1;
      return Promise.resolve(tok(`t${n}`, clock.now(), lifetime));
    },
  };
  return {
    source,
    calls,
    clock,
    setFailing: (f: boolean) => {
      failing = f;
    },
  };
}

async function flush() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('startRefresher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  test('refreshes ahead of expiry, keeps the old token while the IdP is down, recovers', async () => {
    const s = scripted();
    const { clock } = s;
    const r = startRefresher({ source: s.source, initial: tok('t0', 0, 10_000), intervalMs: 900_000, clock, random: () => 0 });
    clock.advance(7999);
    await flush();
    expect(s.calls).toHaveLength(0);
    clock.advance(1);
    await flush();
    expect(s.calls).toEqual([8000]);
    expect(await r.token()).toBe('t1');

    s.setFailing(true);
    clock.advance(8000); // 16000: the next refresh fails
    await flush();
    expect(r.stats.failures).toBe(1);
    expect(await r.token()).toBe('t1'); // still valid: no failure seen by callers
    clock.advance(2000); // t1 expired at 18000; the floor holds the next grant until 21000
    await flush();
    await expect(r.token()).rejects.toThrow('IdP down');
    expect(s.calls).toEqual([8000, 16000]);
    clock.advance(3000); // 21000
    await flush();
    expect(s.calls).toEqual([8000, 16000, 21000]);

    s.setFailing(false);
    clock.advance(5000); // 26000: backoff (2 s) is shorter than the floor
    await flush();
    expect(s.calls).toEqual([8000, 16000, 21000, 26000]);
    await expect(r.token()).resolves.toBe('t2');
    r.stop();
  });

  test('concurrent callers share one grant (single-flight)', async () => {
    const s = scripted();
    const { clock } = s;
    const r = startRefresher({ source: s.source, initial: tok('t0', -20_000, 10_000), intervalMs: 900_000, clock, random: () => 0 });
    const all = await Promise.all([r.token(), r.token(), r.forceRefresh('t0'), r.token()]);
    expect(new Set(all)).toEqual(new Set(['t1']));
    expect(s.calls).toHaveLength(1);
    r.stop();
  });

  test('forceRefresh refreshes only when the rejected token is still current', async () => {
    const s = scripted();
    const { clock } = s;
    const r = startRefresher({ source: s.source, initial: tok('t0', -10_000, 100_000), intervalMs: 900_000, clock, random: () => 0 });
    expect(await r.forceRefresh('t0')).toBe('t1');
    expect(await r.forceRefresh('t0')).toBe('t1'); // t0 is no longer current: no new grant
    expect(s.calls).toHaveLength(1);
    r.stop();
  });

  test('stop() leaves no timer behind', () => {
    const s = scripted();
    const { clock } = s;
    const r = startRefresher({ source: s.source, initial: tok('t0', 0, 1000), intervalMs: 900_000, clock });
    expect(jest.getTimerCount()).toBe(1);
    r.stop();
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('never a flood of grants (issue #10)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Runs `seconds` of fake time with `perSecond` callers asking for a token each second. */
  async function load(r: ReturnType<typeof startRefresher>, clock: ReturnType<typeof fakeClock>, seconds: number, perSecond: number) {
    const outcomes: string[] = [];
    for (let t = 0; t < seconds * 10; t++) {
      clock.advance(100);
      await flush();
      const asks = Array.from({ length: perSecond / 10 }, () =>
        r.token().then(
          (v) => v,
          () => 'failed',
        ),
      );
      outcomes.push(...(await Promise.all(asks)));
    }
    return outcomes;
  }

  /** A refresher whose token expired long ago, in front of an IdP failing with `failure`. */
  function downWithExpiredToken(failure: () => Error) {
    const s = scripted(10_000, failure);
    s.setFailing(true);
    const r = startRefresher({
      source: s.source,
      initial: tok('t0', -60_000, 10_000),
      intervalMs: 900_000,
      clock: s.clock,
      random: () => 0,
    });
    return { s, r };
  }

  test.each([
    ['expires_in 0', 0],
    ['expires_in 0.5', 500],
  ])('%s: one grant per floor interval, and the token is served in between (said once)', async (_name, lifetime) => {
    const s = scripted(lifetime);
    const short: number[] = [];
    const r = startRefresher({
      source: s.source,
      initial: tok('t0', 0, lifetime),
      intervalMs: 900_000,
      clock: s.clock,
      random: () => 0,
      onShortLifetime: (ms) => short.push(ms),
    });
    const outcomes = await load(r, s.clock, 60, 100);
    expect(s.calls.length).toBeLessThanOrEqual(60 / (MIN_GRANT_INTERVAL_MS / 1000) + 1);
    expect(s.calls.every((t, i) => i === 0 || t - s.calls[i - 1] >= MIN_GRANT_INTERVAL_MS)).toBe(true);
    expect(outcomes.filter((o) => o === 'failed')).toEqual([]);
    expect(short).toEqual([lifetime]);
    r.stop();
  });

  test('IdP down with the token expired: 100 callers a second make at most one request per floor, in flight one at a time', async () => {
    const { s, r } = downWithExpiredToken(() => new Error('IdP down'));
    const outcomes = await load(r, s.clock, 30, 100);
    expect(outcomes.every((o) => o === 'failed')).toBe(true);
    expect(s.calls.length).toBeLessThanOrEqual(30 / (MIN_GRANT_INTERVAL_MS / 1000) + 1);
    r.stop();
  });

  test("the IdP's Retry-After holds the next request back", async () => {
    const { s, r } = downWithExpiredToken(() => Object.assign(new Error('429'), { retryAfterMs: 30_000 }));
    await load(r, s.clock, 29, 10);
    expect(s.calls).toEqual([100]);
    await load(r, s.clock, 2, 10);
    expect(s.calls).toHaveLength(2);
    r.stop();
  });

  test('an interval beyond what a timer holds is capped, not fired at once', () => {
    const s = scripted();
    const delays: number[] = [];
    const clock = { ...s.clock, setTimeout: (_fn: () => void, ms: number) => delays.push(ms) };
    const r = startRefresher({ source: s.source, initial: tok('t0', 0, 1e13), intervalMs: 3e12, clock, random: () => 0 });
    expect(delays).toEqual([MAX_TIMER_MS]);
    r.stop();
  });
});

test.each([
  [5000, 0, 0, 5000],
  [0, 0, 5000, 5000],
  [1e13, 0, 0, 2 ** 31 - 1],
  [-5, 10, 0, 0],
])('timerDelay(%p, now %p, notBefore %p) = %p', (want, now, notBefore, delay) => expect(timerDelay(want, now, notBefore)).toBe(delay));

test.each([
  [tok('a', 0, 0), 5000],
  [tok('a', 1000, 500), 6000],
  [tok('a', 0, 60_000), 60_000],
])('usableUntil(%j) = %p', (token, want) => expect(usableUntil(token)).toBe(want));
