/** A codex-wrap session through main(): the real OAuth server, the gateway, the fake codex. */
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { sha256 } from '../support/fake-codex.js';
import { type Scripted, startScriptedIdp } from '../support/idp.js';
import { runMain } from '../support/run-main.js';
import { startUpstream } from '../support/upstream.js';
import { type Env, useWorld } from '../support/world.js';

const w = useWorld();

test('proxy mode: Codex gets the session key, not the token; the answer comes from the gateway; the profile holds the real URL', async () => {
  const r = await w.run(['--verbose', 'exec', '--json', 'say hi'], { FAKE_CODEX_MODE: 'request:say hi' });
  expect(r.stderr).toContain('codex exited with 0');
  expect(r.code).toBe(0);
  const rep = await w.readReport();
  expect(rep.cwd).toBe(w.work);
  expect(rep.keySet).toBe(true);
  expect(rep.argv.slice(-3)).toEqual(['exec', '--json', 'say hi']);
  expect(rep.argv).toContain('model_provider="codex-wrap"');
  expect(rep.argv).not.toContain('--no-daemon');
  const token = w.gateway.requests[0].authorization?.replace('Bearer ', '') as string;
  expect(await w.idp.isValid(token)).toBe(true);
  expect(rep.envHashes).not.toContain(sha256(token));
  expect(rep.envHashes).not.toContain(sha256(w.idp.clientSecret));
  expect(rep.envNames).not.toContain('OAUTH_CLIENT_SECRET');
  expect(rep.argv.slice(0, 2)).toEqual(['-p', 'codex-wrap']);
  const config = await readFile(join(w.home, '.codex', 'codex-wrap.config.toml'), 'utf8');
  expect(config).toContain(`base_url = "${w.gateway.baseUrl}"`);
  expect(config.match(/127\.0\.0\.1:\d+/g)).toEqual([new URL(w.gateway.baseUrl).host]);
  expect(config).not.toContain(token);
  for (const out of [r.stdout, r.stderr]) {
    expect(out).not.toContain(token);
    expect(out).not.toContain(w.idp.clientSecret);
  }
});

test('direct mode: the IdP token is the key, and the wrapper says it will not be refreshed', async () => {
  const r = await w.run(['--no-proxy', 'exec', 'x'], { FAKE_CODEX_MODE: 'request:direct', FAKE_CODEX_BASE_URL: w.gateway.baseUrl });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(
    /^codex-wrap: direct mode \(PROXY_MODE=false\): the token expires at \d\d:\d\d:\d\d UTC and is not refreshed inside Codex\n$/,
  );
  const rep = await w.readReport();
  const token = w.gateway.requests[0].authorization?.replace('Bearer ', '') as string;
  expect(rep.envHashes).toContain(sha256(token));
  expect(rep.envHashes).not.toContain(sha256(w.idp.clientSecret));
});

test('MOCK_MODE needs no IdP and no gateway; every argument reaches Codex verbatim; its exit code is ours', async () => {
  const args = ['-m', 'o3', '-c', 'x="a b"', 'it\'s "quoted"', '--', '--weird'];
  const r = await w.run(['--mock', ...args], { FAKE_CODEX_MODE: 'exit:3' }, { bare: true });
  expect(r.code).toBe(3);
  expect(r.stderr).toBe('');
  const rep = await w.readReport();
  expect(rep.argv.slice(-args.length)).toEqual(args);
  expect(rep.argv).toContain('--no-daemon');
  expect(w.idp.grants).toBe(0);
});

test("settings come from --env-file; the project's own .env is not read", async () => {
  await writeFile(join(w.work, '.env'), 'LLM_MODEL_NAME=from-project\n');
  await writeFile(join(w.work, 'ci.env'), 'MOCK_MODE=true\nLLM_MODEL_NAME=from-env-file\n');
  const r = await w.run(['--env-file', 'ci.env', 'exec', 'x'], {}, { bare: true });
  expect(r.code).toBe(0);
  expect((await w.readReport()).argv).toContain('model="from-env-file"');
  await w.run(['--mock', 'exec', 'x'], {}, { bare: true });
  expect((await w.readReport()).argv).toContain('model="gpt-4-internal"');
});

test('a `codex` on PATH that is codex-wrap itself is skipped for the real one further on', async () => {
  const self = join(w.home, 'self', 'codex-wrap.js');
  await mkdir(join(w.home, 'self'));
  await writeFile(self, '', { mode: 0o755 });
  await mkdir(join(w.home, 'linked'));
  await symlink(self, join(w.home, 'linked', 'codex'));
  const r = await runMain(['--mock', 'exec', 'x'], {
    env: w.env({ PATH: `${join(w.home, 'linked')}:${w.codexDir}:/usr/bin:/bin` }, { bare: true }),
    cwd: w.work,
    home: w.home,
    self: [self],
  });
  expect(r.code).toBe(0);
  expect((await w.readReport()).argv).toContain('x');
});

test('a Codex killed by a signal gives 128+n', async () => {
  const r = await w.run(['exec', 'x'], { FAKE_CODEX_MODE: 'signal:SIGTERM' });
  expect(r.code).toBe(143);
});

/** Starts something a failure case needs, and gives back the settings that point at it. */
type Arrange = () => Promise<{ env: Env; close?: () => Promise<void>; check?: () => void }>;
const scripted =
  (answer: Parameters<typeof startScriptedIdp>[0], check?: (idp: Scripted) => void): Arrange =>
  async () => {
    const idp = await startScriptedIdp(answer);
    return { env: { OAUTH_ENDPOINT: idp.url }, close: idp.close, check: () => check?.(idp) };
  };
const htmlLogin: Arrange = async () => {
  const server = http.createServer((_q, s) => {
    s.writeHead(200, { 'content-type': 'text/html' });
    s.end('<html>login</html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  return { env: { OAUTH_ENDPOINT: url }, close: () => new Promise<void>((r) => server.close(() => r())) };
};
const idpDown: Arrange = async () => {
  await w.idp.close();
  return { env: {}, close: () => w.restartIdp(60) };
};
const brokenConfig: Arrange = async () => {
  await mkdir(join(w.home, '.codex'));
  await writeFile(join(w.home, '.codex', 'codex-wrap.config.toml'), 'model = "o3"\n[projects\n');
  return { env: {} };
};
const unwritableHome: Arrange = async () => {
  // A file where CODEX_HOME's parent should be: not writable for anyone, root included.
  await writeFile(join(w.home, 'not-a-dir'), '');
  return { env: { CODEX_HOME: join(w.home, 'not-a-dir', 'codex') } };
};

describe('failures: one line, a hint, the documented exit code, no secret', () => {
  test.each<[string, Arrange | Env, string[], number, RegExp]>([
    [
      'a wrong client secret',
      { OAUTH_CLIENT_SECRET: 'wrong-secret-value' },
      ['exec', 'x'],
      4,
      /^codex-wrap: the IdP refused the token request: invalid_client.* — check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET/,
    ],
    [
      'an invalid scope (an IdP that says so; oidc-provider drops unknown scopes instead)',
      scripted(
        () => ({ status: 400, body: { error: 'invalid_scope', error_description: 'scope admin is not allowed' } }),
        (idp) => expect(idp.seen[0].body).toContain('scope=admin'),
      ),
      ['--oauth-scope', 'admin', 'exec', 'x'],
      4,
      /invalid_scope \(scope admin is not allowed\), HTTP 400 — check OAUTH_SCOPE/,
    ],
    [
      'an IdP error page (HTTP 500)',
      scripted(() => ({ status: 500, body: 'oops' })),
      ['exec', 'x'],
      5,
      /answered HTTP 500 without an OAuth error — check that OAUTH_ENDPOINT is the token endpoint/,
    ],
    [
      'an unreachable IdP',
      idpDown,
      ['exec', 'x'],
      5,
      /cannot reach the token endpoint http:\/\/127\.0\.0\.1:\d+\/token \(ECONNREFUSED\) — check OAUTH_ENDPOINT/,
    ],
    ['an HTML page instead of a token endpoint', htmlLogin, ['exec', 'x'], 5, /did not answer with JSON \(an HTML page or other text\)/],
    ['a bad wrapper flag', {}, ['--env-file'], 2, /^codex-wrap: --env-file needs a value: --env-file <file> — see codex-wrap --help\n$/],
    ['codex not found', { PATH: '/usr/bin:/bin' }, ['exec', 'x'], 127, /npm install -g @openai\/codex/],
    ['nested inside a codex-wrap session', { CODEX_WRAP_SESSION: '1' }, ['exec', 'x'], 6, /already running here/],
    [
      'a profile file that does not parse',
      brokenConfig,
      ['exec', 'x'],
      3,
      /codex-wrap\.config\.toml is not valid TOML at line 2.*left untouched/,
    ],
    ['a CODEX_HOME that cannot be created', unwritableHome, ['exec', 'x'], 3, /cannot create CODEX_HOME .*not-a-dir\/codex: .*ENOTDIR/],
  ])('%s', async (_name, arrange, args, code, message) => {
    const setup = typeof arrange === 'function' ? await arrange() : { env: arrange };
    const r = await w.run(args, setup.env).finally(() => setup.close?.());
    expect(r.code).toBe(code);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).not.toContain(w.idp.clientSecret);
    expect(r.stderr).not.toContain('wrong-secret-value');
    setup.check?.();
    // Nothing is started for bad input: no token is asked for.
    if ([2, 6, 127].includes(code)) expect(w.idp.grants).toBe(0);
  });

  test('a profile file that does not parse is left untouched', async () => {
    const broken = 'model = "o3"\n[projects\n';
    await mkdir(join(w.home, '.codex'));
    await writeFile(join(w.home, '.codex', 'codex-wrap.config.toml'), broken);
    expect((await w.run(['exec', 'x'])).code).toBe(3);
    expect(await readFile(join(w.home, '.codex', 'codex-wrap.config.toml'), 'utf8')).toBe(broken);
  });

  test('bad settings: 2, every problem listed at once, nothing started', async () => {
    const r = await w.run(['exec', 'x'], { MAX_TOKENS: 'lots', LLM_API_BASE_URL: 'http://gw.example.com/v1', OAUTH_CLIENT_ID: '' });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'codex-wrap: 3 settings are not usable — fix the settings below (flags, environment or your settings files; see codex-wrap --help)',
    );
    for (const key of ['MAX_TOKENS', 'LLM_API_BASE_URL', 'OAUTH_CLIENT_ID']) expect(r.stderr).toContain(key);
    expect(w.idp.grants).toBe(0);
  });
});

describe('a grant while Codex starts: `exec` (no terminal UI) only', () => {
  /** An IdP that thinks `ms` before it answers; `answeredAt` is when it did. */
  const slowIdp = async (ms: number, answer: { status: number; body: unknown }) => {
    let answeredAt = 0;
    const idp = await startScriptedIdp(() => {
      answeredAt = Date.now() + ms;
      return { ...answer, delayMs: ms };
    });
    return { url: idp.url, close: idp.close, answeredAt: () => answeredAt };
  };
  const token = { status: 200, body: { access_token: 'slow-token', token_type: 'Bearer', expires_in: 60 } };

  test('exec: Codex starts before the IdP answers; its first request waits at the proxy for the token', async () => {
    const idp = await slowIdp(1500, token);
    const gateway = await startUpstream(); // takes any token: this one is the scripted IdP's
    const r = await w.run(['exec', 'x'], { OAUTH_ENDPOINT: idp.url, LLM_API_BASE_URL: gateway.baseUrl, FAKE_CODEX_MODE: 'request:hi' });
    await idp.close();
    await gateway.close();
    expect(r.code).toBe(0);
    expect((await w.readReport()).startedAt).toBeLessThan(idp.answeredAt() - 500);
    expect(gateway.requests.map((q) => q.authorization)).toEqual(['Bearer slow-token']);
  });

  test('exec: a grant refused while Codex runs ends Codex, then says why, with the documented exit code', async () => {
    const idp = await slowIdp(1000, { status: 401, body: { error: 'invalid_client' } });
    const r = await w.run(['exec', 'x'], { OAUTH_ENDPOINT: idp.url, FAKE_CODEX_MODE: 'wait' });
    await idp.close();
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^codex-wrap: the IdP refused the token request: invalid_client[^\n]*\n$/);
    const report = await w.readReport();
    expect(report.signals).toEqual(['SIGTERM']);
    expect(report.startedAt).toBeLessThan(idp.answeredAt());
  });

  test('a terminal session (Codex’s TUI) gets its token before Codex starts, as before', async () => {
    const idp = await slowIdp(300, token);
    const r = await w.run([], { OAUTH_ENDPOINT: idp.url, FAKE_CODEX_MODE: 'exit:0' });
    await idp.close();
    expect(r.code).toBe(0);
    expect((await w.readReport()).startedAt).toBeGreaterThanOrEqual(idp.answeredAt());
  });
});

test('OAUTH_AUTH_METHOD=client_secret_post sends the credentials in the body; audience and scope are sent', async () => {
  const idp = await startScriptedIdp(() => ({
    status: 200,
    body: { access_token: 'scripted-token-1', token_type: 'Bearer', expires_in: 60 },
  }));
  const r = await w.run(['exec', 'x'], {
    OAUTH_ENDPOINT: idp.url,
    OAUTH_AUTH_METHOD: 'client_secret_post',
    OAUTH_AUDIENCE: 'https://llm',
    FAKE_CODEX_MODE: 'exit:0',
  });
  await idp.close();
  expect(r.code).toBe(0);
  expect(idp.seen[0].authorization).toBeUndefined();
  const form = new URLSearchParams(idp.seen[0].body);
  expect(form.get('client_secret')).toBe(w.idp.clientSecret);
  expect(form.get('audience')).toBe('https://llm');
  expect(form.get('scope')).toBe('llm');
});

test('the profile: created 0600 in a new CODEX_HOME (0700), rewritten only when something changes; config.toml never created', async () => {
  const codexHome = join(w.home, 'fresh', 'codex');
  await w.run(['--codex-home', codexHome, 'exec', 'x']);
  const file = join(codexHome, 'codex-wrap.config.toml');
  expect((await stat(codexHome)).mode & 0o777).toBe(0o700);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  const before = await stat(file);
  await new Promise((r) => setTimeout(r, 20));
  await w.run(['--codex-home', codexHome, 'exec', 'x']);
  expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
  expect((await stat(file)).ino).toBe(before.ino);
  await expect(stat(join(codexHome, 'config.toml'))).rejects.toThrow('ENOENT');
});
