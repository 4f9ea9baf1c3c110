import { cacheFile, distrust, isUsable } from '../../src/token/cache.js';

test.each([
  ['usable', { value: 'a', issuedAt: 0, expiresAt: 100_000 }, 10_000, undefined, true],
  ['due for refresh (past 80%)', { value: 'a', issuedAt: 0, expiresAt: 100_000 }, 81_000, undefined, false],
  ['expired', { value: 'a', issuedAt: 0, expiresAt: 100_000 }, 100_000, undefined, false],
  ['the token the gateway rejected', { value: 'a', issuedAt: 0, expiresAt: 100_000 }, 10_000, 'a', false],
  ['none', undefined, 0, undefined, false],
])('isUsable: %s', (_n, token, now, avoid, want) => expect(isUsable(token, now, 900_000, avoid)).toBe(want));

test.each([
  [{ isFile: () => true, uid: 1, mode: 0o100600 }, 1, undefined],
  [{ isFile: () => true, uid: 2, mode: 0o100600 }, 1, 'it belongs to another user'],
  [{ isFile: () => true, uid: 1, mode: 0o100640 }, 1, 'other users may read it'],
])('distrust %#', (st, uid, want) => expect(distrust(st, uid)).toBe(want));

test('cache files are keyed by endpoint, client, scope and audience', () => {
  const base = { endpoint: new URL('https://idp/token'), clientId: 'c', scope: 's', audience: 'a' };
  const names = [
    base,
    { ...base, clientId: 'd' },
    { ...base, scope: 't' },
    { ...base, audience: 'b' },
    { ...base, endpoint: new URL('https://idp2/token') },
  ].map((k) => cacheFile('/c', k));
  expect(new Set(names).size).toBe(5);
  expect(cacheFile('/c', base)).toBe(cacheFile('/c', { ...base }));
});
