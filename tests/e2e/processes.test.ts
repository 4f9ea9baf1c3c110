/** What needs separate codex-wrap processes: concurrent starts sharing one grant, status of a live session, NODE_EXTRA_CA_CERTS. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import { runBinary, startBinary } from '../support/binary.js';
import { type FakeCodexReport, sha256, waitForFile, writeFakeCodex } from '../support/fake-codex.js';
import { oauthEnv, startIdp } from '../support/idp.js';
import { makeCa } from '../support/tls.js';
import { tempDir } from '../support/tmp.js';

let codex: { dir: string; bin: string };

/** A token endpoint on 127.0.0.1 over TLS, its certificate from a CA of its own: trusted only with that CA. */
async function tlsTokenEndpoint(token: string) {
  const ca = makeCa(await tempDir('cw-ca-'));
  const server = createHttpsServer({ key: ca.key, cert: ca.cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 60 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { ca, server, tokenUrl: `https://127.0.0.1:${(server.address() as { port: number }).port}/token` };
}
beforeAll(async () => {
  codex = await writeFakeCodex();
});

test('five codex-wrap processes started at the same moment make exactly one IdP request', async () => {
  const idp = await startIdp({ ttlSeconds: 60 });
  const home = await tempDir('cw-conc-');
  const env = {
    PATH: `${codex.dir}:${process.env.PATH}`,
    HOME: home,
    ...oauthEnv(idp, 'http://127.0.0.1:9/v1'),
    FAKE_CODEX_MODE: 'exit:0',
  };
  const results = await Promise.all([1, 2, 3, 4, 5].map(() => runBinary(['exec', 'x'], { env, cwd: home })));
  await idp.close();
  expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
  expect(idp.grants).toBe(1);
}, 60_000);

test('status shows a running session and forgets it when it ends; dead sessions are pruned', async () => {
  const home = await tempDir('cw-status-');
  const env = {
    PATH: `${codex.dir}:${process.env.PATH}`,
    HOME: home,
    MOCK_MODE: 'true',
    FAKE_CODEX_MODE: 'wait',
    FAKE_CODEX_REPORT: join(home, 'r.json'),
  };
  const sessions = join(home, '.local', 'state', 'codex-wrap', 'sessions');
  await mkdir(sessions, { recursive: true });
  await writeFile(join(sessions, '999999.json'), '{"pid":999999}'); // a session that died without cleaning up

  const { child, done } = startBinary(['exec', 'x'], { env, cwd: home });
  try {
    await waitForFile(join(home, 'r.json'));
    await waitForFile(join(sessions, `${child.pid}.json`)); // written once Codex has started (FIRST_WRITE_MS)
    const table = await runBinary(['status'], { env, cwd: home });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(
      /^PID +MODE +MODEL +GATEWAY +TOKEN EXPIRES +LAST REFRESH +REFRESHES +REQUESTS +ERRORS +CWD$/,
    );
    expect(table.stdout).toMatch(new RegExp(`^${child.pid} +mock +gpt-4-internal +- +in \\d+s +- +0 +0 +0 +${home}$`, 'm'));
    const json = JSON.parse((await runBinary(['status', '--json'], { env, cwd: home })).stdout);
    expect(json).toEqual([expect.objectContaining({ pid: child.pid, mode: 'mock', cwd: home, requestsProxied: 0 })]);
  } finally {
    child.kill('SIGTERM'); // also when an expectation failed: no session outlives the test
    await done;
  }
  const after = await runBinary(['status'], { env, cwd: home });
  expect(after.stdout).toBe('no codex-wrap session is running\n');
}, 60_000);

test('NODE_EXTRA_CA_CERTS is honoured, alone and together with CA_CERT_FILE', async () => {
  const { ca, server, tokenUrl } = await tlsTokenEndpoint('extra-ca-token');
  const other = makeCa(await tempDir('cw-ca2-'));
  const home = await tempDir('cw-extra-ca-');
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    LLM_API_BASE_URL: 'https://gw.example.com/v1',
    OAUTH_ENDPOINT: tokenUrl,
    OAUTH_CLIENT_ID: 'c',
    OAUTH_CLIENT_SECRET: 's3cret-value',
    NODE_EXTRA_CA_CERTS: ca.caFile,
  };
  const alone = await runBinary(['--no-cache', 'token'], { env, cwd: home });
  const both = await runBinary(['--no-cache', 'token'], { env: { ...env, CA_CERT_FILE: other.caFile }, cwd: home });
  const neither = await runBinary(['--no-cache', 'token'], { env: { ...env, NODE_EXTRA_CA_CERTS: '' }, cwd: home });
  server.close();
  expect([alone.stdout, both.stdout]).toEqual(['extra-ca-token\n', 'extra-ca-token\n']);
  expect(neither.code).toBe(5);
});

describe('NODE_EXTRA_CA_CERTS through the launcher (bin/codex-wrap.cjs run as a program)', () => {
  test('Node does not load it at start: codex-wrap reads it, and says so when it cannot', async () => {
    const home = await tempDir('cw-extra-ca-launcher-');
    const env = { PATH: process.env.PATH, HOME: home, MOCK_MODE: 'true', NODE_EXTRA_CA_CERTS: join(home, 'missing.pem') };
    const viaShebang = await runBinary(['token'], { env, cwd: home, shebang: true });
    expect(viaShebang.code).toBe(0);
    expect(viaShebang.stderr).not.toMatch(/Ignoring extra certs/);
    expect(viaShebang.stderr).toMatch(
      /^codex-wrap: warning: NODE_EXTRA_CA_CERTS=.*missing\.pem cannot be read: ENOENT; its certificates are not trusted$/m,
    );
    // Run by node itself, Node loads it at start, as it always does (and warns in its own words).
    const viaNode = await runBinary(['token'], { env, cwd: home });
    expect(viaNode.stderr).toMatch(/Ignoring extra certs/);
  });

  test('its certificates are trusted, and Codex gets the variable as it was', async () => {
    const { ca, server, tokenUrl } = await tlsTokenEndpoint('launcher-ca-token');
    const home = await tempDir('cw-extra-ca-launcher-');
    const env = {
      PATH: `${codex.dir}:${process.env.PATH}`,
      HOME: home,
      LLM_API_BASE_URL: 'http://127.0.0.1:9/v1',
      OAUTH_ENDPOINT: tokenUrl,
      OAUTH_CLIENT_ID: 'c',
      OAUTH_CLIENT_SECRET: 's3cret-value',
      NODE_EXTRA_CA_CERTS: ca.caFile,
      FAKE_CODEX_MODE: 'exit:0',
      FAKE_CODEX_REPORT: join(home, 'report.json'),
    };
    const session = await runBinary(['--no-cache', 'exec', 'x'], { env, cwd: home, shebang: true });
    server.close();
    expect(session.code).toBe(0);
    const report: FakeCodexReport = JSON.parse(await readFile(join(home, 'report.json'), 'utf8'));
    expect(report.envNames).toContain('NODE_EXTRA_CA_CERTS');
    expect(report.envNames).not.toContain('CODEX_WRAP_EXTRA_CA');
    expect(report.envHashes).toContain(sha256(ca.caFile));
  });
});
