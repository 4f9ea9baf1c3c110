import { chmod, chown, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type FakeCodexReport, writeFakeCodex } from '../support/fake-codex.js';
import { type Idp, oauthEnv, startIdp } from '../support/idp.js';
import { runMain, tempDir } from '../support/run-main.js';
import { makeCa, startConnectProxy, type TestCa } from '../support/tls.js';
import { answer, startUpstream, type Upstream } from '../support/upstream.js';

let idp: Idp;
let gateway: Upstream;
let codex: { dir: string; bin: string };
let home: string;
let work: string;
beforeAll(async () => {
  codex = await writeFakeCodex();
});
beforeEach(async () => {
  idp = await startIdp({ ttlSeconds: 60 });
  gateway = await startUpstream({ validate: (t) => idp.isValid(t) });
  home = await tempDir('cw-op-home-');
  work = await tempDir('cw-op-work-');
});
afterEach(async () => {
  await gateway.close();
  await idp.close();
});

const env = (extra: Record<string, string | undefined> = {}) => ({
  PATH: `${codex.dir}:/usr/bin:/bin`,
  HOME: home,
  FAKE_CODEX_REPORT: join(home, 'report.json'),
  ...oauthEnv(idp, gateway.baseUrl),
  ...extra,
});
const run = (args: string[], extra: Record<string, string | undefined> = {}) => runMain(args, { env: env(extra), cwd: work, home });
const cacheFiles = async () =>
  (await readdir(join(home, '.cache', 'codex-wrap')).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));

describe('token cache', () => {
  test('a cached token means no IdP request; the file is 0600 in a 0700 dir and holds no secret', async () => {
    expect((await run(['exec', 'x'])).code).toBe(0);
    expect(idp.grants).toBe(1);
    const r = await run(['--verbose', 'exec', 'x']);
    expect(r.code).toBe(0);
    expect(idp.grants).toBe(1);
    expect(r.stderr).toContain('token: from the cache');
    const [file] = await cacheFiles();
    const dir = join(home, '.cache', 'codex-wrap');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, file), 'utf8')).not.toContain(idp.clientSecret);
  });

  test('--no-cache neither reads nor writes it', async () => {
    await run(['--no-cache', 'exec', 'x']);
    await run(['--no-cache', 'exec', 'x']);
    expect(idp.grants).toBe(2);
    expect(await cacheFiles()).toEqual([]);
  });

  test('another scope is another cache entry', async () => {
    await run(['exec', 'x']);
    await run(['exec', 'x'], { OAUTH_SCOPE: '' });
    expect(idp.grants).toBe(2);
    expect(await cacheFiles()).toHaveLength(2);
  });

  test.each([
    ['corrupt', async (f: string) => writeFile(f, '{not json', { mode: 0o600 }), 'not a token file'],
    ['readable by others', async (f: string) => chmod(f, 0o644), 'other users may read it'],
    ['owned by another user', async (f: string) => chown(f, 65534, 65534), 'it belongs to another user'],
  ])('a %s cache file is ignored with a note and replaced, never a crash', async (_name, spoil, note) => {
    if (note.includes('another user') && process.getuid?.() !== 0) return; // chown needs root
    await run(['exec', 'x']);
    const file = join(home, '.cache', 'codex-wrap', (await cacheFiles())[0]);
    await spoil(file);
    const r = await run(['--verbose', 'exec', 'x']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`token cache ignored: ${note}`);
    expect(idp.grants).toBe(2);
    const st = await stat(file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(process.getuid?.());
    expect(JSON.parse(await readFile(file, 'utf8')).value).toEqual(expect.any(String));
  });

  test("a running session's refreshes update the cache", async () => {
    await idp.close();
    idp = await startIdp({ ttlSeconds: 2 });
    const r = await run(['--verbose', 'exec', 'x'], { FAKE_CODEX_MODE: 'sleep:2.5' });
    expect(r.code).toBe(0);
    expect(idp.grants).toBeGreaterThanOrEqual(2);
    // Each refresh is a grant: the cache never hands the held token back (no refresh loop).
    const refreshes = r.stderr.split('\n').filter((l) => l.includes('token: refreshed')).length;
    expect(refreshes).toBe(idp.grants - 1);
    const cached = JSON.parse(await readFile(join(home, '.cache', 'codex-wrap', (await cacheFiles())[0]), 'utf8'));
    expect(await idp.isValid(cached.value)).toBe(true);
  });
});

describe('commands', () => {
  test('token prints the token and nothing else; under GitHub Actions it asks the runner to mask it', async () => {
    const r = await run(['token']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\S+\n$/);
    expect(await idp.isValid(r.stdout.trim())).toBe(true);
    expect(r.stderr).toBe('');
    const gh = await run(['token'], { GITHUB_ACTIONS: 'true' });
    expect(gh.stdout).toBe(r.stdout); // from the cache
    expect(gh.stderr).toBe(`::add-mask::${r.stdout}`);
  });

  test('`codex-wrap -- token` sends "token" to Codex as a prompt', async () => {
    await run(['--', 'token']);
    const rep: FakeCodexReport = JSON.parse(await readFile(join(home, 'report.json'), 'utf8'));
    expect(rep.argv.at(-1)).toBe('token');
  });

  test('print-config shows the file and the command line, and changes nothing on disk', async () => {
    const codexHome = join(home, '.codex');
    await mkdir(codexHome);
    const user = '# mine\napproval_policy = "never"\n';
    await writeFile(join(codexHome, 'config.toml'), user);
    const r = await run(['print-config']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`# ${codexHome}/config.toml would be updated:\n# mine\napproval_policy = "never"`);
    expect(r.stdout).toContain(`base_url = "${gateway.baseUrl}"`);
    expect(r.stdout).toMatch(
      /codex -c 'model="gpt-4-internal"' -c 'model_provider="codex-wrap"' -c 'model_providers\.codex-wrap\.base_url="http:\/\/127\.0\.0\.1:PORT\/v1"' --no-daemon\n$/,
    );
    expect(await readFile(join(codexHome, 'config.toml'), 'utf8')).toBe(user);
    expect(idp.grants).toBe(0);
  });

  test('check: every line passes on a healthy setup; JSON too; no secret shown', async () => {
    const r = await run(['check']);
    expect(r.code).toBe(0);
    for (const line of ['✓ settings', '✓ token', '✓ gateway', '✓ codex', '✓ CODEX_HOME']) expect(r.stdout).toContain(line);
    expect(r.stdout).toContain('OAUTH_CLIENT_SECRET = [redacted]  (the environment)');
    expect(r.stdout).toContain('LLM_MODEL_NAME = gpt-4-internal  (default)');
    expect(r.stdout).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/v1\/models → HTTP 200/);
    expect(r.stdout).not.toContain(idp.clientSecret);
    const token = gateway.requests[0].authorization?.replace('Bearer ', '') as string;
    expect(r.stdout).not.toContain(token);
    const j = await run(['check', '--json']);
    const parsed = JSON.parse(j.stdout);
    expect(parsed.ok).toBe(true);
    expect(parsed.checks.map((c: { name: string }) => c.name)).toEqual(['settings', 'token', 'gateway', 'codex', 'CODEX_HOME']);
  });

  test('check: a broken setup fails its line and exits 1', async () => {
    const bad = await run(['check'], { OAUTH_CLIENT_SECRET: 'wrong-wrong' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ token +the IdP refused the token request: invalid_client/);
    expect(bad.stdout).toContain('✗ gateway    not called: no token');
    const settings = await run(['check', '--json'], { MAX_TOKENS: 'many' });
    expect(settings.code).toBe(1);
    expect(JSON.parse(settings.stdout).checks[0]).toMatchObject({ name: 'settings', ok: false });
  });

  test('a command rejects arguments it does not take', async () => {
    const r = await run(['status', '--all']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('codex-wrap -- status');
  });
});

describe('corporate networks', () => {
  let ca: TestCa;
  beforeAll(async () => {
    ca = makeCa(await tempDir('cw-ca-'));
  });

  /** An HTTPS token endpoint and gateway with the test CA's certificate. */
  const issued = new Set<string>();
  async function startHttps() {
    const server = https.createServer({ key: ca.key, cert: ca.cert }, async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      if (req.url === '/token') {
        const token = `tls-token-${issued.size}`;
        issued.add(token);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 60 }));
        return;
      }
      if (!issued.has((req.headers.authorization ?? '').replace('Bearer ', ''))) {
        res.writeHead(401);
        res.end();
        return;
      }
      answer(req, res, body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { origin, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  test('through HTTPS_PROXY, trusting CA_CERT_FILE on top of the system roots: IdP and gateway both', async () => {
    const tls = await startHttps();
    const gw = await startHttps();
    const proxy = await startConnectProxy();
    const r = await run(['--no-cache', 'exec', 'x'], {
      OAUTH_ENDPOINT: `${tls.origin}/token`,
      LLM_API_BASE_URL: `${gw.origin}/v1`,
      HTTPS_PROXY: proxy.url,
      CA_CERT_FILE: ca.caFile,
      FAKE_CODEX_MODE: 'request:via proxy',
    });
    await proxy.close();
    await tls.close();
    await gw.close();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(await readFile(join(home, 'report.json'), 'utf8')).keySet).toBe(true);
    expect(proxy.tunnels).toEqual([new URL(tls.origin).host, new URL(gw.origin).host]);
  });

  test('NO_PROXY exempts a host', async () => {
    const tls = await startHttps();
    const proxy = await startConnectProxy();
    const r = await run(['--no-cache', 'token'], {
      OAUTH_ENDPOINT: `${tls.origin}/token`,
      HTTPS_PROXY: proxy.url,
      NO_PROXY: 'localhost,127.0.0.1',
      CA_CERT_FILE: ca.caFile,
    });
    await proxy.close();
    await tls.close();
    expect(r.code).toBe(0);
    expect(proxy.tunnels).toEqual([]);
  });

  test('without the CA: a one-line error that names the fix', async () => {
    const tls = await startHttps();
    const r = await run(['--no-cache', 'token'], { OAUTH_ENDPOINT: `${tls.origin}/token` });
    await tls.close();
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(
      /^codex-wrap: the TLS certificate of https:\/\/127\.0\.0\.1:\d+\/token is not trusted \(\w+\) — set CA_CERT_FILE/,
    );
  });

  test('direct mode hands Codex the same CA', async () => {
    const r = await run(['--no-proxy', 'exec', 'x'], { CA_CERT_FILE: ca.caFile });
    expect(r.code).toBe(0);
    const rep: FakeCodexReport = JSON.parse(await readFile(join(home, 'report.json'), 'utf8'));
    expect(rep.envNames).toEqual(expect.arrayContaining(['CODEX_CA_CERTIFICATE', 'SSL_CERT_FILE']));
  });

  test('an unreadable CA_CERT_FILE is a settings error', async () => {
    const r = await run(['exec', 'x'], { CA_CERT_FILE: '/nonexistent/ca.pem' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CA_CERT_FILE=/nonexistent/ca.pem cannot be read: ENOENT');
  });
});
