import { WrapError } from '../../src/errors.js';
import { type Layer, parseBool, resolve, validate } from '../../src/settings/resolve.js';

const ctx = { home: '/home/u', trustProject: false };
const base = {
  LLM_API_BASE_URL: 'https://llm.example.com/v1',
  OAUTH_ENDPOINT: 'https://idp.example.com/token',
  OAUTH_CLIENT_ID: 'cid',
  OAUTH_CLIENT_SECRET: 'csecret',
};
const env = (values: Record<string, string>): Layer => ({ kind: 'env', label: 'the environment', values });
const project = (values: Record<string, string>): Layer => ({ kind: 'project', label: '/p/.codex-wrap.env', values });
const user = (values: Record<string, string>): Layer => ({ kind: 'user', label: '~/.config/codex-wrap/.env', values });

function problems(layers: Layer[], trustProject = false): string[] {
  try {
    validate(resolve(layers), { ...ctx, trustProject });
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(WrapError);
    expect((err as WrapError).exitCode).toBe(2);
    return [...(err as WrapError).details];
  }
}

test('defaults fill what no source sets', () => {
  const s = validate(resolve([env(base)]), ctx);
  expect(s).toMatchObject({
    model: 'gpt-4-internal',
    maxTokens: 4096,
    refreshIntervalSec: 900,
    mock: false,
    proxy: true,
    codexHome: '/home/u/.codex',
  });
  expect(s.oauth?.authMethod).toBe('client_secret_basic');
});

test.each([
  ['flag beats env', [{ kind: 'flag', label: 'flag', values: { LLM_MODEL_NAME: 'a' } }, env({ LLM_MODEL_NAME: 'b' })], 'a'],
  ['env beats the project file', [env({ LLM_MODEL_NAME: 'b' }), project({ LLM_MODEL_NAME: 'c' })], 'b'],
  ['the project file beats the user file', [project({ LLM_MODEL_NAME: 'c' }), user({ LLM_MODEL_NAME: 'd' })], 'c'],
  ['an empty value does not hide a lower source', [env({ LLM_MODEL_NAME: '' }), user({ LLM_MODEL_NAME: 'd' })], 'd'],
] as const)('%s', (_name, layers, model) => {
  expect(validate(resolve([...(layers as unknown as Layer[]), env(base)]), ctx).model).toBe(model);
});

test('resolve records where each value came from', () => {
  const r = resolve([env({ LLM_MODEL_NAME: 'x' }), project(base)]);
  expect(r.LLM_MODEL_NAME).toEqual({ value: 'x', from: 'the environment', kind: 'env' });
  expect(r.OAUTH_ENDPOINT?.from).toBe('/p/.codex-wrap.env');
  expect(r.MAX_TOKENS?.from).toBe('default');
});

test.each([
  ['true', true],
  ['1', true],
  ['YES', true],
  ['false', false],
  ['0', false],
  ['no', false],
  ['on', undefined],
  ['', undefined],
  ['truthy', undefined],
])('parseBool(%p) = %p', (text, want) => expect(parseBool(text)).toBe(want));

test.each([
  [
    'missing OAuth settings outside MOCK_MODE',
    { LLM_API_BASE_URL: 'https://l/v1' },
    ['OAUTH_ENDPOINT is not set', 'OAUTH_CLIENT_ID is not set', 'OAUTH_CLIENT_SECRET is not set'],
  ],
  ['missing gateway', { ...base, LLM_API_BASE_URL: '' }, ['LLM_API_BASE_URL is not set']],
  ['not a URL', { ...base, LLM_API_BASE_URL: 'llm.example.com' }, ['LLM_API_BASE_URL (from the environment) is not a URL']],
  [
    'plain http to a remote host',
    { ...base, OAUTH_ENDPOINT: 'http://idp.example.com/token' },
    ['OAUTH_ENDPOINT (from the environment) must use https://'],
  ],
  ['ftp', { ...base, LLM_API_BASE_URL: 'ftp://x/v1' }, ['must be an https:// URL, not ftp:']],
  [
    'numbers',
    { ...base, MAX_TOKENS: '-1', TOKEN_REFRESH_INTERVAL: '0' },
    [
      'MAX_TOKENS (from the environment) must be a whole number',
      'TOKEN_REFRESH_INTERVAL (from the environment) must be a whole number from 1 to 2,147,483, not "0"',
    ],
  ],
  ['decimal interval', { ...base, TOKEN_REFRESH_INTERVAL: '1.5' }, ['TOKEN_REFRESH_INTERVAL']],
  [
    'numbers beyond their range',
    { ...base, MAX_TOKENS: '99999999999999999999999', TOKEN_REFRESH_INTERVAL: '2684355' },
    [
      'MAX_TOKENS (from the environment) must be a whole number from 0 to 10,000,000, not "99999999999999999999999"',
      'TOKEN_REFRESH_INTERVAL (from the environment) must be a whole number from 1 to 2,147,483, not "2684355"',
    ],
  ],
  [
    'bad boolean',
    { ...base, MOCK_MODE: 'on', PROXY_MODE: 'maybe' },
    ['MOCK_MODE (from the environment) must be true/false', 'PROXY_MODE (from the environment) must be true/false'],
  ],
  ['auth method', { ...base, OAUTH_AUTH_METHOD: 'private_key_jwt' }, ['OAUTH_AUTH_METHOD']],
  [
    'mock without gateway in direct mode',
    { MOCK_MODE: 'true', PROXY_MODE: 'false' },
    ['LLM_API_BASE_URL is not set', 'needs LLM_API_BASE_URL'],
  ],
])('reports %s, all at once', (_name, values, expected) => {
  const found = problems([env(values)]);
  expect(found).toHaveLength(expected.length);
  for (const [i, e] of expected.entries()) expect(found[i]).toContain(e);
});

test.each([
  ['loopback http is allowed', { ...base, OAUTH_ENDPOINT: 'http://127.0.0.1:8080/token', LLM_API_BASE_URL: 'http://localhost:9/v1' }],
  ['MOCK_MODE needs nothing else', { MOCK_MODE: 'true' }],
  ['MOCK_MODE allows plain http gateways', { MOCK_MODE: 'yes', LLM_API_BASE_URL: 'http://gw.internal/v1' }],
  ['MAX_TOKENS=0 turns injection off', { ...base, MAX_TOKENS: '0' }],
])('accepts: %s', (_name, values) => {
  expect(problems([env(values)])).toEqual([]);
});

test('no problem names a credential in a URL', () => {
  const found = problems([
    env({ ...base, LLM_API_BASE_URL: 'https://bob:hunter2-pw@llm.example.com/v1', OAUTH_ENDPOINT: 'https://:tok@idp/t' }),
  ]);
  expect(found).toEqual([
    'LLM_API_BASE_URL (from the environment) has a user name or password in it (https://…@llm.example.com) — codex-wrap sends only the IdP token; remove the credentials from the URL',
    'OAUTH_ENDPOINT (from the environment) has a user name or password in it (https://…@idp) — codex-wrap sends only the IdP token; remove the credentials from the URL',
  ]);
});

test.each([
  ['a blank model', { ...base, LLM_MODEL_NAME: '   ' }, 'LLM_MODEL_NAME (from the environment) is blank'],
  ['a blank secret', { ...base, OAUTH_CLIENT_SECRET: '  ' }, 'OAUTH_CLIENT_SECRET is blank'],
])('reports %s', (_name, values, want) => {
  expect(problems([env(values)])).toEqual([expect.stringContaining(want)]);
});

describe('MOCK_MODE never sends to the gateway of the user file', () => {
  test("the user file's gateway is ignored: the mock model answers", () => {
    const s = validate(resolve([env({ MOCK_MODE: 'true' }), user(base)]), ctx);
    expect(s.baseUrl).toBeUndefined();
  });
  test.each([
    ['the environment', [env({ MOCK_MODE: 'true', LLM_API_BASE_URL: 'http://gw/v1' })]],
    ['a flag', [{ kind: 'flag', label: 'flag', values: { MOCK_MODE: 'true', LLM_API_BASE_URL: 'http://gw/v1' } } as Layer]],
    ['--env-file', [{ kind: 'env-file', label: '/ci.env', values: { MOCK_MODE: 'true', LLM_API_BASE_URL: 'http://gw/v1' } } as Layer]],
  ])('a gateway named in %s is used', (_name, layers) => {
    expect(validate(resolve(layers), ctx).baseUrl?.href).toBe('http://gw/v1');
  });
  test('direct mode then needs a gateway named for the run', () => {
    expect(problems([env({ MOCK_MODE: 'true', PROXY_MODE: 'false' }), user(base)])).toEqual([
      'MOCK_MODE with PROXY_MODE=false needs LLM_API_BASE_URL from a flag, the environment or --env-file',
    ]);
  });
});

describe('what an approved project file may set (one table: SETTINGS)', () => {
  test.each(['LLM_MODEL_NAME', 'MAX_TOKENS', 'TOKEN_REFRESH_INTERVAL', 'MOCK_MODE'])('%s: yes', (key) => {
    const value = key === 'LLM_MODEL_NAME' ? 'm' : key === 'MOCK_MODE' ? 'false' : '7';
    expect(problems([project({ [key]: value }), user(base)])).toEqual([]);
  });
  test.each([
    'LLM_API_BASE_URL',
    'OAUTH_ENDPOINT',
    'OAUTH_CLIENT_ID',
    'OAUTH_CLIENT_SECRET',
    'OAUTH_SCOPE',
    'OAUTH_AUDIENCE',
    'OAUTH_AUTH_METHOD',
    'PROXY_MODE',
    'CODEX_HOME',
    'CODEX_BIN',
    'CA_CERT_FILE',
  ])('%s: only with --trust-project-env', (key) => {
    const values = {
      [key]:
        (base as Record<string, string>)[key] ??
        (key === 'PROXY_MODE' ? 'true' : key === 'OAUTH_AUTH_METHOD' ? 'client_secret_post' : '/x'),
    };
    const found = problems([project(values), user(base)]);
    expect(found).toEqual([
      `${key} comes from /p/.codex-wrap.env, a project file, which may not set it — remove it from that file, or pass --trust-project-env if you trust this directory`,
    ]);
    expect(problems([project(values), user(base)], true)).toEqual([]);
  });
  test('OAUTH_CLIENT_SECRET_COMMAND: never, not even trusted', () => {
    const found = problems([project({ OAUTH_CLIENT_SECRET_COMMAND: 'cat ~/.ssh/id_rsa' }), user(base)], true);
    expect(found).toEqual([expect.stringContaining('OAUTH_CLIENT_SECRET_COMMAND comes from /p/.codex-wrap.env')]);
    expect(found[0]).toContain('even with --trust-project-env');
  });
  test('the environment overriding the project file is fine', () => {
    expect(problems([env(base), project({ OAUTH_ENDPOINT: 'https://evil/token' })])).toEqual([]);
  });
});
