import { shellQuote } from '../../src/commands/print-config.js';
import { WrapError } from '../../src/errors.js';
import { isExempt, proxyFor } from '../../src/net.js';
import { formatSessions } from '../../src/session/state.js';
import { parseArgs } from '../../src/settings/args.js';
import { cacheDir, configDir, sessionsDir } from '../../src/settings/paths.js';
import { cacheFile, distrust, isUsable } from '../../src/token/cache.js';
import { jwtClaims } from '../../src/token/source.js';
import { colorLevel, createSpinner } from '../../src/ui.js';

test.each([
  [['status'], 'status', false, []],
  [['status', '--json'], 'status', true, []],
  [['check', '--json'], 'check', true, []],
  [['--no-cache', 'token'], 'token', false, []],
  [['print-config'], 'print-config', false, []],
  [['--', 'status'], 'run', false, ['status']],
  [['exec', 'status'], 'run', false, ['exec', 'status']],
  [['-m', 'o3', 'token'], 'run', false, ['-m', 'o3', 'token']],
])('parseArgs(%j) → %s', (argv, command, json, codexArgs) => {
  const p = parseArgs(argv, {});
  expect([p.command, p.json, p.codexArgs]).toEqual([command, json, codexArgs]);
});

test.each([[['token', '--json']], [['status', 'x']]])('%j is refused', (argv) => expect(() => parseArgs(argv, {})).toThrow(WrapError));

test.each([
  ['https://idp.corp/token', { HTTPS_PROXY: 'http://p:3128' }, 'http://p:3128'],
  ['https://idp.corp/token', { https_proxy: 'http://lower:1' }, 'http://lower:1'],
  ['http://idp.corp/token', { HTTPS_PROXY: 'http://p:3128' }, undefined],
  ['http://idp.corp/token', { HTTP_PROXY: 'http://p:80' }, 'http://p:80'],
  ['https://idp.corp/token', { HTTPS_PROXY: 'http://p', NO_PROXY: 'corp' }, undefined],
  ['https://idp.corp/token', { HTTPS_PROXY: 'http://p', NO_PROXY: '.corp' }, undefined],
  ['https://idp.corp/token', { HTTPS_PROXY: 'http://p', NO_PROXY: 'other.corp,x' }, 'http://p'],
  ['https://idp.corp:8443/token', { HTTPS_PROXY: 'http://p', NO_PROXY: 'idp.corp:443' }, 'http://p'],
  ['https://idp.corp:8443/token', { HTTPS_PROXY: 'http://p', NO_PROXY: 'idp.corp:8443' }, undefined],
  ['https://127.0.0.1:1/t', { HTTPS_PROXY: 'http://p', NO_PROXY: '*' }, undefined],
  ['https://[::1]:1/t', { HTTPS_PROXY: 'http://p', no_proxy: '::1' }, undefined],
])('proxyFor(%s, %j) = %p', (url, env, want) => expect(proxyFor(new URL(url), env)).toBe(want));

test('isExempt without NO_PROXY', () => expect(isExempt(new URL('https://x'), undefined)).toBe(false));

test.each([
  ['plain', 'plain'],
  ['model="x"', `'model="x"'`],
  ["it's", `'it'\\''s'`],
  ['http://127.0.0.1:1/v1', 'http://127.0.0.1:1/v1'],
  ['', "''"],
])('shellQuote(%p) = %s', (arg, want) => expect(shellQuote(arg)).toBe(want));

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

test('XDG directories', () => {
  expect(configDir({}, '/h')).toBe('/h/.config/codex-wrap');
  expect(cacheDir({ XDG_CACHE_HOME: '/x' }, '/h')).toBe('/x/codex-wrap');
  expect(cacheDir({ XDG_CACHE_HOME: 'relative' }, '/h')).toBe('/h/.cache/codex-wrap');
  expect(sessionsDir({}, '/h')).toBe('/h/.local/state/codex-wrap/sessions');
});

test('jwtClaims decodes a JWT and ignores an opaque token', () => {
  const jwt = `e30.${Buffer.from('{"sub":"svc","aud":"llm"}').toString('base64url')}.sig`;
  expect(jwtClaims(jwt)).toEqual({ sub: 'svc', aud: 'llm' });
  expect(jwtClaims('opaque-token')).toBeUndefined();
});

test('formatSessions', () => {
  expect(formatSessions([], 0)).toBe('no codex-wrap session is running\n');
  const out = formatSessions(
    [
      {
        pid: 42,
        cwd: '/w',
        mode: 'proxy',
        startedAt: 0,
        tokenExpiresAt: 90_000,
        lastRefreshAt: 5000,
        lastRefreshOutcome: 'ok',
        refreshes: 3,
        requestsProxied: 17,
        upstreamErrors: 1,
      },
    ],
    10_000,
  );
  expect(out.split('\n')[1]).toMatch(/^42 +proxy +in 80s +5s ago ok +3 +17 +1 +\/w$/);
});

test.each([
  [{}, true, 1],
  [{}, false, 0],
  [{ NO_COLOR: '1' }, true, 0],
  [{ NO_COLOR: '' }, true, 1],
  [{ FORCE_COLOR: '1' }, false, 1],
  [{ FORCE_COLOR: '0' }, true, 0],
  [{ FORCE_COLOR: '1', NO_COLOR: '1' }, false, 1],
  [{ TERM: 'dumb' }, true, 0],
])('colorLevel(%j, tty=%p) = %p', (env, tty, want) => expect(colorLevel(env, tty)).toBe(want));

test('the spinner writes nothing unless enabled, and erases itself', () => {
  const out: string[] = [];
  const off = createSpinner((s) => out.push(s), false);
  off.start('x');
  off.stop();
  expect(out).toEqual([]);
  const on = createSpinner((s) => out.push(s), true);
  on.start('getting a token…');
  on.stop();
  expect(out[0]).toMatch(/^\r. getting a token…$/);
  expect(out.at(-1)).toBe('\r\x1b[2K');
});
