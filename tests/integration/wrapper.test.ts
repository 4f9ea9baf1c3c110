import { chmod, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type FakeCodexReport, sha256, writeFakeCodex } from '../support/fake-codex.js';
import { type Idp, oauthEnv, startIdp } from '../support/idp.js';
import { runMain, tempDir } from '../support/run-main.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

let idp: Idp;
let upstream: Upstream;
let codex: { dir: string; bin: string };
let home: string;
let project: string;
let report: string;

beforeAll(async () => {
  codex = await writeFakeCodex();
});
beforeEach(async () => {
  idp = await startIdp({ ttlSeconds: 60 });
  upstream = await startUpstream({ validate: (t) => idp.isValid(t) });
  home = await tempDir('cw-home-');
  project = await tempDir('cw-project-');
  report = join(home, 'report.json');
});
afterEach(async () => {
  await upstream.close();
  await idp.close();
});

function env(extra: Record<string, string | undefined> = {}) {
  return {
    PATH: `${codex.dir}:/usr/bin:/bin`,
    HOME: home,
    FAKE_CODEX_REPORT: report,
    ...oauthEnv(idp, upstream.baseUrl),
    ...extra,
  };
}
/** A token endpoint that answers one fixed thing and records what it was sent. */
async function scriptedIdp(status: number, body: unknown) {
  const seen: Array<{ body: string; authorization?: string }> = [];
  const server = http.createServer(async (req, res) => {
    let text = '';
    for await (const c of req) text += c;
    seen.push({ body: text, authorization: req.headers.authorization });
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const readReport = async (): Promise<FakeCodexReport> => JSON.parse(await readFile(report, 'utf8'));

test('proxy mode: Codex gets the session key, not the token; the answer comes from the gateway; config.toml keeps the real URL', async () => {
  const r = await runMain(['--verbose', 'exec', '--json', 'say hi'], {
    env: env({ FAKE_CODEX_MODE: 'request:say hi' }),
    cwd: project,
    home,
  });
  expect(r.stderr).toContain('codex exited with 0');
  expect(r.code).toBe(0);
  const rep = await readReport();
  expect(rep.cwd).toBe(project);
  expect(rep.keySet).toBe(true);
  expect(rep.argv.slice(-3)).toEqual(['exec', '--json', 'say hi']);
  expect(rep.argv).toContain('model_provider="codex-wrap"');
  expect(rep.argv).not.toContain('--no-daemon');
  const token = upstream.requests[0].authorization?.replace('Bearer ', '') as string;
  expect(await idp.isValid(token)).toBe(true);
  expect(rep.envHashes).not.toContain(sha256(token));
  expect(rep.envHashes).not.toContain(sha256(idp.clientSecret));
  expect(rep.envNames).not.toContain('OAUTH_CLIENT_SECRET');
  const config = await readFile(join(home, '.codex', 'config.toml'), 'utf8');
  expect(config).toContain(`base_url = "${upstream.baseUrl}"`);
  expect(config.match(/127\.0\.0\.1:\d+/g)).toEqual([new URL(upstream.baseUrl).host]);
  expect(config).not.toContain(token);
  for (const out of [r.stdout, r.stderr]) {
    expect(out).not.toContain(token);
    expect(out).not.toContain(idp.clientSecret);
  }
});

test('direct mode: the IdP token is the key, and the wrapper says it will not be refreshed', async () => {
  const r = await runMain(['--no-proxy', 'exec', 'x'], {
    env: env({ FAKE_CODEX_MODE: 'request:direct', FAKE_CODEX_BASE_URL: upstream.baseUrl }),
    cwd: project,
    home,
  });
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(
    /^codex-wrap: direct mode \(PROXY_MODE=false\): the token expires at \d\d:\d\d:\d\d UTC and is not refreshed inside Codex\n$/,
  );
  const rep = await readReport();
  const token = upstream.requests[0].authorization?.replace('Bearer ', '') as string;
  expect(rep.envHashes).toContain(sha256(token));
  expect(rep.envHashes).not.toContain(sha256(idp.clientSecret));
});

test('MOCK_MODE needs no IdP and no gateway; every argument reaches Codex verbatim; its exit code is ours', async () => {
  const args = ['-m', 'o3', '-c', 'x="a b"', 'it\'s "quoted"', '--', '--weird'];
  const r = await runMain(['--mock', ...args], {
    env: { PATH: env().PATH, HOME: home, FAKE_CODEX_REPORT: report, FAKE_CODEX_MODE: 'exit:3' },
    cwd: project,
    home,
  });
  expect(r.code).toBe(3);
  expect(r.stderr).toBe('');
  const rep = await readReport();
  expect(rep.argv.slice(-args.length)).toEqual(args);
  expect(rep.argv).toContain('--no-daemon');
  expect(idp.grants).toBe(0);
});

test("settings come from --env-file; the project's own .env is not read", async () => {
  await writeFile(join(project, '.env'), `LLM_MODEL_NAME=from-project\n`);
  await writeFile(join(project, 'ci.env'), `MOCK_MODE=true\nLLM_MODEL_NAME=from-env-file\n`);
  const base = { PATH: env().PATH, HOME: home, FAKE_CODEX_REPORT: report };
  const r = await runMain(['--env-file', 'ci.env', 'exec', 'x'], { env: base, cwd: project, home });
  expect(r.code).toBe(0);
  expect((await readReport()).argv).toContain('model="from-env-file"');
  await runMain(['--mock', 'exec', 'x'], { env: base, cwd: project, home });
  expect((await readReport()).argv).toContain('model="gpt-4-internal"');
});

test('a `codex` on PATH that is codex-wrap itself is skipped for the real one further on', async () => {
  const { mkdir, symlink } = await import('node:fs/promises');
  const self = join(home, 'self', 'codex-wrap.js');
  await mkdir(join(home, 'self'));
  await writeFile(self, '');
  await mkdir(join(home, 'linked'));
  await symlink(self, join(home, 'linked', 'codex'));
  await chmod(self, 0o755);
  const r = await runMain(['--mock', 'exec', 'x'], {
    env: { PATH: `${join(home, 'linked')}:${codex.dir}:/usr/bin:/bin`, HOME: home, FAKE_CODEX_REPORT: report },
    cwd: project,
    home,
    self: [self],
  });
  expect(r.code).toBe(0);
  expect((await readReport()).argv).toContain('x');
});

test('a Codex killed by a signal gives 128+n', async () => {
  const r = await runMain(['exec', 'x'], { env: env({ FAKE_CODEX_MODE: 'signal:SIGTERM' }), cwd: project, home });
  expect(r.code).toBe(143);
});

describe('failures: one line, a hint, the documented exit code, no secret', () => {
  const oneLine = (stderr: string) => {
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  };

  test('a wrong client secret: 4', async () => {
    const r = await runMain(['exec', 'x'], { env: env({ OAUTH_CLIENT_SECRET: 'wrong-secret-value' }), cwd: project, home });
    expect(r.code).toBe(4);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/the IdP refused the token request: invalid_client.* — check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET/);
    expect(r.stderr).not.toContain('wrong-secret-value');
  });

  test('an invalid scope: 4 (an IdP that says so; oidc-provider drops unknown scopes instead)', async () => {
    const { url, close, seen } = await scriptedIdp(400, { error: 'invalid_scope', error_description: 'scope admin is not allowed' });
    const r = await runMain(['exec', 'x'], { env: env({ OAUTH_ENDPOINT: url, OAUTH_SCOPE: 'admin' }), cwd: project, home });
    await close();
    expect(r.code).toBe(4);
    oneLine(r.stderr);
    expect(r.stderr).toContain('invalid_scope (scope admin is not allowed), HTTP 400 — check OAUTH_SCOPE');
    expect(seen[0].body).toContain('scope=admin');
  });

  test('an IdP error page (HTTP 500): 5', async () => {
    const { url, close } = await scriptedIdp(500, 'oops');
    const r = await runMain(['exec', 'x'], { env: env({ OAUTH_ENDPOINT: url }), cwd: project, home });
    await close();
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/answered HTTP 500 without an OAuth error — check that OAUTH_ENDPOINT is the token endpoint/);
  });

  test('an unreachable IdP: 5', async () => {
    await idp.close();
    const r = await runMain(['exec', 'x'], { env: env(), cwd: project, home });
    idp = await startIdp();
    expect(r.code).toBe(5);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/cannot reach the token endpoint http:\/\/127\.0\.0\.1:\d+\/token \(ECONNREFUSED\) — check OAUTH_ENDPOINT/);
  });

  test('an HTML page instead of a token endpoint: 5', async () => {
    const html = http.createServer((_q, s) => {
      s.writeHead(200, { 'content-type': 'text/html' });
      s.end('<html>login</html>');
    });
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(html.address() as AddressInfo).port}/token`;
    const r = await runMain(['exec', 'x'], { env: env({ OAUTH_ENDPOINT: url }), cwd: project, home });
    html.close();
    expect(r.code).toBe(5);
    oneLine(r.stderr);
    expect(r.stderr).toContain('did not answer with an OAuth token response');
  });

  test('bad settings: 2, every problem listed at once, nothing started', async () => {
    const r = await runMain(['exec', 'x'], {
      env: env({ MAX_TOKENS: 'lots', LLM_API_BASE_URL: 'http://gw.example.com/v1', OAUTH_CLIENT_ID: '' }),
      cwd: project,
      home,
    });
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(
      'codex-wrap: 3 settings are not usable — fix the settings below (flags, environment or your settings files; see codex-wrap --help)',
    );
    expect(r.stderr).toContain('MAX_TOKENS');
    expect(r.stderr).toContain('LLM_API_BASE_URL');
    expect(r.stderr).toContain('OAUTH_CLIENT_ID');
    expect(idp.grants).toBe(0);
  });

  test('a bad wrapper flag: 2', async () => {
    const r = await runMain(['--env-file'], { env: env(), cwd: project, home });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("codex-wrap: option '--env-file <file>' argument missing — see codex-wrap --help\n");
  });

  test('codex not found: 127 with the install command', async () => {
    const r = await runMain(['exec', 'x'], { env: env({ PATH: '/usr/bin:/bin' }), cwd: project, home });
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('npm install -g @openai/codex');
    expect(idp.grants).toBe(0);
  });

  test('nested inside a codex-wrap session: 6', async () => {
    const r = await runMain(['exec', 'x'], { env: env({ CODEX_WRAP_SESSION: '1' }), cwd: project, home });
    expect(r.code).toBe(6);
  });

  test("a config.toml that does not parse: 3, and the user's file is untouched", async () => {
    const codexHome = join(home, '.codex');
    await runMain(['--mock', 'exec', 'x'], { env: { PATH: env().PATH, HOME: home }, cwd: project, home });
    const broken = 'model = "o3"\n[projects\n';
    await writeFile(join(codexHome, 'config.toml'), broken);
    const r = await runMain(['exec', 'x'], { env: env(), cwd: project, home });
    expect(r.code).toBe(3);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/config\.toml is not valid TOML at line 2.*left untouched/);
    expect(await readFile(join(codexHome, 'config.toml'), 'utf8')).toBe(broken);
  });

  test('a config.toml that cannot be written: 3', async () => {
    const codexHome = join(home, 'ro');
    await runMain(['--mock', '--codex-home', codexHome, 'exec', 'x'], { env: { PATH: env().PATH, HOME: home }, cwd: project, home });
    await chmod(codexHome, 0o500);
    const r = await runMain(['--codex-home', codexHome, 'exec', 'x'], { env: env(), cwd: project, home });
    await chmod(codexHome, 0o700);
    // root ignores directory permissions; then the write succeeds, which is also an outcome without loss.
    if (process.getuid?.() === 0) expect([0, 3]).toContain(r.code);
    else expect(r.code).toBe(3);
  });
});

test('OAUTH_AUTH_METHOD=client_secret_post sends the credentials in the body; audience and scope are sent', async () => {
  const { url, close, seen } = await scriptedIdp(200, { access_token: 'scripted-token-1', token_type: 'Bearer', expires_in: 60 });
  const r = await runMain(['exec', 'x'], {
    env: env({ OAUTH_ENDPOINT: url, OAUTH_AUTH_METHOD: 'client_secret_post', OAUTH_AUDIENCE: 'https://llm', FAKE_CODEX_MODE: 'exit:0' }),
    cwd: project,
    home,
  });
  await close();
  expect(r.code).toBe(0);
  expect(seen[0].authorization).toBeUndefined();
  const form = new URLSearchParams(seen[0].body);
  expect(form.get('client_secret')).toBe(idp.clientSecret);
  expect(form.get('audience')).toBe('https://llm');
  expect(form.get('scope')).toBe('llm');
});

test('config.toml: created 0600 in a new CODEX_HOME (0700), rewritten only when something changes', async () => {
  const { stat } = await import('node:fs/promises');
  const codexHome = join(home, 'fresh', 'codex');
  await runMain(['--codex-home', codexHome, 'exec', 'x'], { env: env(), cwd: project, home });
  const file = join(codexHome, 'config.toml');
  expect((await stat(codexHome)).mode & 0o777).toBe(0o700);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  const before = await stat(file);
  await new Promise((r) => setTimeout(r, 20));
  await runMain(['--codex-home', codexHome, 'exec', 'x'], { env: env(), cwd: project, home });
  expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
  expect((await stat(file)).ino).toBe(before.ino);
});
