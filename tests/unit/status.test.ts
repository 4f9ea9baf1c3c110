import { formatSessions, printable } from '../../src/commands/status.js';

test('formatSessions', () => {
  expect(formatSessions([], 0)).toBe('no codex-wrap session is running\n');
  const out = formatSessions(
    [
      {
        pid: 42,
        cwd: '/w',
        mode: 'proxy',
        model: 'gpt-4-internal',
        gateway: 'llm.example.com',
        startedAt: 0,
        tokenExpiresAt: 90_000,
        lastRefreshAt: 5000,
        lastRefreshOutcome: 'ok',
        refreshes: 3,
        requestsProxied: 17,
        upstreamErrors: 1,
      },
      { pid: 43, cwd: '/v', mode: 'mock', startedAt: 0, tokenExpiresAt: 0, refreshes: 0, requestsProxied: 0, upstreamErrors: 0 },
    ],
    10_000,
  );
  expect(out.split('\n')[0]).toMatch(/^PID +MODE +MODEL +GATEWAY +TOKEN EXPIRES +LAST REFRESH +REFRESHES +REQUESTS +ERRORS +CWD$/);
  expect(out.split('\n')[1]).toMatch(/^42 +proxy +gpt-4-internal +llm\.example\.com +in 80s +5s ago ok +3 +17 +1 +\/w$/);
  expect(out.split('\n')[2]).toMatch(/^43 +mock +- +- +expired +- +0 +0 +0 +\/v$/); // a state file of an older codex-wrap: no model, no gateway
});

test.each([
  ['plain', 'plain'],
  ['/tmp/\x1b]0;title\x07', '/tmp/\\x1b]0;title\\x07'],
  ['new\nline\ttab', 'new\\x0aline\\x09tab'],
  ['c1 \x9b control', 'c1 \\x9b control'],
  ['ünïcödé ✓', 'ünïcödé ✓'],
])('printable(%p)', (text, want) => expect(printable(text)).toBe(want));
