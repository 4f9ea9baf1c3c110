import { childEnv, codexArgs, exitCodeOf, isInteractive, shouldForward } from '../../src/codex/child.js';
import { providerTable } from '../../src/codex/config.js';

test.each([
  [[], true],
  [['fix the bug'], true],
  [['-m', 'o3', 'fix it'], true],
  [['-c', 'model="x"'], true],
  [['--', 'exec'], true],
  [['exec', 'hi'], false],
  [['e', 'hi'], false],
  [['-m', 'exec', 'review'], false],
  [['-c', 'a=b', 'resume', '--last'], false],
  [['login'], false],
  [['--help'], false],
  [['-V'], false],
])('isInteractive(%j) = %p', (args, want) => expect(isInteractive(args)).toBe(want));

test('session overrides come first and the user args follow verbatim', () => {
  const user = ['exec', '-c', 'model="mine"', '--json', 'a "quoted" prompt', '--', '-x'];
  const args = codexArgs({ userArgs: user, model: 'gpt-4-internal', proxyBaseUrl: 'http://127.0.0.1:5/v1' });
  expect(args.slice(-user.length)).toEqual(user);
  expect(args.slice(0, -user.length)).toEqual([
    '-c',
    'model="gpt-4-internal"',
    '-c',
    'model_provider="codex-wrap"',
    '-c',
    'model_providers.codex-wrap.base_url="http://127.0.0.1:5/v1"',
  ]);
});

test.each([
  [[], ['--no-daemon']],
  [['hello'], ['--no-daemon', 'hello']],
  [
    ['--no-daemon', 'hello'],
    ['--no-daemon', 'hello'],
  ],
  [
    ['exec', 'hello'],
    ['exec', 'hello'],
  ],
])('the TUI gets --no-daemon once: %j', (user, tail) => {
  expect(codexArgs({ userArgs: user, model: 'm' }).slice(4)).toEqual(tail);
});

test('a provider without config.toml goes on the command line, with the proxy as its one base_url', () => {
  const args = codexArgs({
    userArgs: ['exec', 'x'],
    model: 'm',
    provider: providerTable('http://unused/v1'),
    proxyBaseUrl: 'http://127.0.0.1:7/v1',
  });
  expect(args).toContain('model_providers.codex-wrap.env_key="CUSTOM_LLM_API_KEY"');
  expect(args).toContain('model_providers.codex-wrap.wire_api="responses"');
  expect(args.filter((a) => a.includes('base_url'))).toEqual(['model_providers.codex-wrap.base_url="http://127.0.0.1:7/v1"']);
});

test('the child env has the key and the marker, and no secret under any name', () => {
  const env = childEnv(
    { PATH: '/bin', HOME: '/h', OAUTH_CLIENT_SECRET: 's1', MY_COPY: 's1', TOKEN_COPY: 'tok', KEEP: 'k' },
    'session-key',
    ['s1', 'tok'],
  );
  expect(env).toEqual({ PATH: '/bin', HOME: '/h', KEEP: 'k', CUSTOM_LLM_API_KEY: 'session-key', CODEX_WRAP_SESSION: '1' });
});

test('a stale CUSTOM_LLM_API_KEY of the parent is replaced', () => {
  expect(childEnv({ CUSTOM_LLM_API_KEY: 'old' }, 'new', []).CUSTOM_LLM_API_KEY).toBe('new');
});

test.each([
  [{ exitCode: 0 }, 0],
  [{ exitCode: 3 }, 3],
  [{ signal: 'SIGINT' }, 130],
  [{ signal: 'SIGTERM' }, 143],
  [{ signal: 'SIGKILL' }, 137],
  [{}, 1],
])('exitCodeOf(%j) = %p', (result, code) => expect(exitCodeOf(result)).toBe(code));

test.each([
  ['SIGINT', true, false],
  ['SIGINT', false, true],
  ['SIGHUP', true, false],
  ['SIGQUIT', false, true],
  ['SIGTERM', true, true],
  ['SIGTERM', false, true],
] as const)('shouldForward(%s, fromTerminal=%p) = %p', (sig, tty, want) => expect(shouldForward(sig, tty)).toBe(want));
