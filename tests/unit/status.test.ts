import { formatSessions, printable } from '../../src/commands/status.js';

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
  ['plain', 'plain'],
  ['/tmp/\x1b]0;title\x07', '/tmp/\\x1b]0;title\\x07'],
  ['new\nline\ttab', 'new\\x0aline\\x09tab'],
  ['c1 \x9b control', 'c1 \\x9b control'],
  ['ünïcödé ✓', 'ünïcödé ✓'],
])('printable(%p)', (text, want) => expect(printable(text)).toBe(want));
