import { childEnv, codexArgs, codexEnv, exitCodeOf, isInteractive, isModelFree, shouldForward } from '../../src/codex/child.js';
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

const provider = providerTable('http://127.0.0.1:5/v1');
const pins = [
  '-c',
  'model="gpt-4-internal"',
  '-c',
  'model_provider="codex-wrap"',
  '-c',
  'model_providers.codex-wrap.name="Enterprise LLM (codex-wrap)"',
  '-c',
  'model_providers.codex-wrap.base_url="http://127.0.0.1:5/v1"',
  '-c',
  'model_providers.codex-wrap.env_key="CUSTOM_LLM_API_KEY"',
  '-c',
  'model_providers.codex-wrap.env_key_instructions="Start Codex through codex-wrap."',
  '-c',
  'model_providers.codex-wrap.wire_api="responses"',
];

test('our profile and the session pins come first, the whole provider with its address; the user args follow verbatim', () => {
  const user = ['exec', '-c', 'model="mine"', '--json', 'a "quoted" prompt', '--', '-x'];
  const args = codexArgs({ userArgs: user, model: 'gpt-4-internal', provider });
  expect(args).toEqual(['-p', 'codex-wrap', ...pins, ...user]);
});

test.each([
  [['-p', 'mine', 'exec', 'x']],
  [['--profile', 'mine', 'exec', 'x']],
  [['--profile=mine', 'exec', 'x']],
  [['-pmine', 'exec', 'hello']],
])("the user's own profile %j replaces ours: the pins alone carry the provider", (user) => {
  expect(codexArgs({ userArgs: user, model: 'gpt-4-internal', provider })).toEqual([...pins, ...user]);
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
  expect(codexArgs({ userArgs: user, model: 'gpt-4-internal', provider }).slice(2 + pins.length)).toEqual(tail);
});

test.each([
  [['--version'], true],
  [['-V'], true],
  [['exec', '--help'], true],
  [['-m', 'o3', 'resume', '-h'], true],
  [['completion', 'bash'], true],
  [['login', 'status'], true],
  [['-c', 'x=1', 'mcp', 'list'], true],
  [['features', 'list'], true],
  [['logout'], true],
  [['doctor'], true],
  [['help'], true],
  [['apply'], true],
  [['a'], true],
  [['migrate-rollouts'], true],
  [['cloud'], true],
  [[], false],
  [['exec', 'hi'], false],
  [['exec', 'login', 'help'], false],
  [['fix the login bug'], false],
  [['--', '--help'], false],
  [['exec', '--', '-h'], false],
  [['review'], false],
  [['resume', '--last'], false],
  [['mcp-server'], false],
  [['app-server'], false],
  [['-m', 'login'], false],
  [['something-new'], false],
])('isModelFree(%j) = %p', (args, want) => expect(isModelFree(args)).toBe(want));

test('the child env has the key and the marker, and no secret under any name', () => {
  const env = childEnv(
    { PATH: '/bin', HOME: '/h', OAUTH_CLIENT_SECRET: 's1', MY_COPY: 's1', TOKEN_COPY: 'tok', KEEP: 'k' },
    { key: 'session-key', secrets: ['s1', 'tok'] },
  );
  expect(env).toEqual({ PATH: '/bin', HOME: '/h', KEEP: 'k', CUSTOM_LLM_API_KEY: 'session-key', CODEX_WRAP_SESSION: '1' });
});

test('a stale CUSTOM_LLM_API_KEY of the parent is replaced; CODEX_HOME from the settings reaches Codex', () => {
  const env = childEnv({ CUSTOM_LLM_API_KEY: 'old', CODEX_HOME: '/env/home' }, { key: 'new', secrets: [], codexHome: '/settings/home' });
  expect([env.CUSTOM_LLM_API_KEY, env.CODEX_HOME]).toEqual(['new', '/settings/home']);
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

test('every setting marked secret stays out of Codex, plain or wrapped', () => {
  const parent = { PATH: '/bin', OAUTH_CLIENT_SECRET: 's', OAUTH_CLIENT_SECRET_COMMAND: 'echo s', OAUTH_CLIENT_ID: 'cid' };
  expect(codexEnv(parent)).toEqual({ PATH: '/bin', OAUTH_CLIENT_ID: 'cid' });
  expect(Object.keys(childEnv(parent, { key: 'k', secrets: [] })).sort()).toEqual([
    'CODEX_WRAP_SESSION',
    'CUSTOM_LLM_API_KEY',
    'OAUTH_CLIENT_ID',
    'PATH',
  ]);
});
