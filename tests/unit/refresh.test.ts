import { jest } from '@jest/globals';
import { backoffDelay, refreshDelay, startRefresher } from '../../src/token/refresh.js';
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
function scripted() {
  let n = 0;
  let failing = false;
  const calls: number[] = [];
  const clock = fakeClock();
  const source: TokenSource = {
    fetch: () => {
      calls.push(clock.now());
      if (failing) return Promise.reject(new Error('IdP down'));
      n += 1;
      return Promise.resolve(tok(`t${n}`, clock.now(), 10_000));
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
    clock.advance(8000); // the next refresh fails
    await flush();
    expect(r.stats.failures).toBe(1);
    expect(await r.token()).toBe('t1'); // still valid: no failure seen by callers
    clock.advance(1000); // backoff 1 s
    await flush();
    expect(r.stats.failures).toBe(2);
    clock.advance(1000); // t1 expired at 18000
    await flush();
    await expect(r.token()).rejects.toThrow('IdP down');

    s.setFailing(false);
    await expect(r.token()).resolves.toBe('t2');
    r.stop();
  });

  test('concurrent callers share one grant (single-flight)', async () => {
    const s = scripted();
    const { clock } = s;
    const r = startRefresher({ source: s.source, initial: tok('t0', 0, 1000), intervalMs: 900_000, clock, random: () => 0 });
    clock.advance(2000);
    const before = s.calls.length;
    const all = await Promise.all([r.token(), r.token(), r.forceRefresh('t0'), r.token()]);
    expect(new Set(all).size).toBe(1);
    expect(s.calls.length - before).toBeLessThanOrEqual(1);
    r.stop();
  });

  test('forceRefresh refreshes only when the rejected token is still current', async () => {
    const s = scripted();
    const { clock } = s;
    const r = startRefresher({ source: s.source, initial: tok('t0', 0, 100_000), intervalMs: 900_000, clock, random: () => 0 });
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
