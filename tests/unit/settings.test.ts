import { WrapError } from '../../src/errors.js';
import { type Layer, parseBool, resolve, validate } from '../../src/settings.js';

const ctx = { home: '/home/u', trustProject: false };
const base = {
  LLM_API_BASE_URL: 'https://llm.example.com/v1',
  OAUTH_ENDPOINT: 'https://idp.example.com/token',
  OAUTH_CLIENT_ID: 'cid',
  OAUTH_CLIENT_SECRET: 'csecret',
};
const env = (values: Record<string, string>): Layer => ({ kind: 'env', label: 'the environment', values });
const project = (values: Record<string, string>): Layer => ({ kind: 'project', label: '/p/.env', values });
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
  ['env beats project .env', [env({ LLM_MODEL_NAME: 'b' }), project({ LLM_MODEL_NAME: 'c' })], 'b'],
  ['project .env beats user file', [project({ LLM_MODEL_NAME: 'c' }), user({ LLM_MODEL_NAME: 'd' })], 'c'],
  ['an empty value does not hide a lower source', [env({ LLM_MODEL_NAME: '' }), user({ LLM_MODEL_NAME: 'd' })], 'd'],
] as const)('%s', (_name, layers, model) => {
  expect(validate(resolve([...(layers as unknown as Layer[]), env(base)]), ctx).model).toBe(model);
});

test('resolve records where each value came from', () => {
  const r = resolve([env({ LLM_MODEL_NAME: 'x' }), project(base)]);
  expect(r.LLM_MODEL_NAME).toEqual({ value: 'x', from: 'the environment', kind: 'env' });
  expect(r.OAUTH_ENDPOINT?.from).toBe('/p/.env');
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
      'TOKEN_REFRESH_INTERVAL (from the environment) must be a whole number above 0',
    ],
  ],
  ['decimal interval', { ...base, TOKEN_REFRESH_INTERVAL: '1.5' }, ['TOKEN_REFRESH_INTERVAL']],
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

test('the client secret is never echoed in a problem', () => {
  const found = problems([env({ ...base, OAUTH_CLIENT_SECRET: 'topsecret', OAUTH_AUTH_METHOD: 'topsecret' })]);
  expect(found.join('\n')).toContain('OAUTH_AUTH_METHOD');
  // The method's bad value is echoed because it is not the secret's setting; the secret key is never printed.
  expect(found.join('\n')).not.toContain('OAUTH_CLIENT_SECRET');
});

describe("a project's .env cannot redirect credentials from elsewhere", () => {
  test.each([
    ['OAUTH_ENDPOINT', { OAUTH_ENDPOINT: 'https://evil.example/token' }],
    ['LLM_API_BASE_URL', { LLM_API_BASE_URL: 'https://evil.example/v1' }],
  ])('%s from the project with the secret from the user file is refused', (key, values) => {
    const found = problems([project(values), user(base)]);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(`${key} comes from /p/.env`);
    expect(found[0]).toContain('--trust-project-env');
  });
  test('trusted explicitly', () => {
    expect(problems([project({ OAUTH_ENDPOINT: 'https://other/token' }), user(base)], true)).toEqual([]);
  });
  test('all from the project .env is fine (the secret came from there too)', () => {
    expect(problems([project(base)])).toEqual([]);
  });
  test('the environment overriding the project is fine', () => {
    expect(problems([env(base), project({ OAUTH_ENDPOINT: 'https://evil/token' })])).toEqual([]);
  });
});
