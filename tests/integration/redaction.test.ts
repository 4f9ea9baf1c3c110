/**
 * A secret never reaches output in any form it travels in (issue #8): raw, percent-encoded (basic
 * auth and form encoding) and base64 of `id:secret`, from an IdP that echoes the request, from
 * validation, and from the proxy's error answer to Codex.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { formEncode } from '../../src/log.js';
import { type FakeCodexReport, writeFakeCodex } from '../support/fake-codex.js';
import { runMain, tempDir } from '../support/run-main.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

const CLIENT_ID = 'cid';
const SECRET = 'SUPERSECRET-abc/+= x~(1)';
/** Every form of SECRET that an echo could carry; none may be printed. */
const FORMS = [
  SECRET,
  encodeURIComponent(SECRET),
  formEncode(SECRET),
  Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64'),
  Buffer.from(`${CLIENT_ID}:${formEncode(SECRET)}`).toString('base64'),
];

/** A token endpoint that echoes what it was sent in its error description; `first` answers the first request instead. */
async function echoingIdp(first?: unknown) {
  let count = 0;
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    count += 1;
    res.writeHead(count === 1 && first ? 200 : 400, { 'content-type': 'application/json' });
    const echo = { error: 'invalid_client', error_description: `received ${req.headers.authorization ?? ''} ${body}` };
    res.end(JSON.stringify(count === 1 && first ? first : echo));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let gateway: Upstream;
let home: string;
let codexDir: string;
beforeAll(async () => {
  codexDir = (await writeFakeCodex()).dir;
});
beforeEach(async () => {
  gateway = await startUpstream();
  home = await tempDir('cw-redact-');
});
afterEach(() => gateway.close());

const env = (idpUrl: string, extra: Record<string, string> = {}) => ({
  PATH: `${codexDir}:/usr/bin:/bin`,
  HOME: home,
  LLM_API_BASE_URL: gateway.baseUrl,
  OAUTH_ENDPOINT: idpUrl,
  OAUTH_CLIENT_ID: CLIENT_ID,
  OAUTH_CLIENT_SECRET: SECRET,
  FAKE_CODEX_REPORT: join(home, 'report.json'),
  ...extra,
});
const expectNoSecret = (text: string) => {
  for (const form of FORMS) expect(text).not.toContain(form);
  expect(text).not.toContain('SUPERSECRET');
};

test.each(['client_secret_basic', 'client_secret_post'])(
  'an IdP echoing a %s request: stderr and check --json are redacted',
  async (method) => {
    const idp = await echoingIdp();
    const run = await runMain(['--no-cache', 'exec', 'x'], { env: env(idp.url, { OAUTH_AUTH_METHOD: method }), cwd: home, home });
    const check = await runMain(['check', '--json'], { env: env(idp.url, { OAUTH_AUTH_METHOD: method }), cwd: home, home });
    await idp.close();
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('invalid_client (received ');
    expect(run.stderr).toContain('[redacted]');
    expect(check.stdout).toContain('[redacted]');
    for (const out of [run.stdout, run.stderr, check.stdout, check.stderr]) expectNoSecret(out);
  },
);

test('a setting whose bad value is the secret is not echoed (run and check)', async () => {
  const idp = await echoingIdp();
  const e = env(idp.url, { OAUTH_AUTH_METHOD: SECRET });
  const run = await runMain(['exec', 'x'], { env: e, cwd: home, home });
  const check = await runMain(['check'], { env: e, cwd: home, home });
  await idp.close();
  expect(run.code).toBe(2);
  expect(run.stderr).toContain(
    'OAUTH_AUTH_METHOD (from the environment) must be client_secret_basic or client_secret_post, not "[redacted]"',
  );
  expect(check.code).toBe(1);
  for (const out of [run.stderr, check.stdout]) expectNoSecret(out);
});

test("the proxy's 503 to Codex, when the refresh fails with an echo, carries no secret", async () => {
  const idp = await echoingIdp({ access_token: 'first-token-0123456789', token_type: 'Bearer', expires_in: 1 });
  // Codex asks after its first token (0.5 s counted) has expired; the refresh is refused with an echo.
  const r = await runMain(['--no-cache', 'exec', 'x'], {
    env: env(idp.url, { FAKE_CODEX_MODE: 'request:hi', FAKE_CODEX_DELAY_MS: '1500' }),
    cwd: home,
    home,
  });
  await idp.close();
  const rep: FakeCodexReport = JSON.parse(await readFile(join(home, 'report.json'), 'utf8'));
  expect(r.code).toBe(1);
  expect(rep.answer?.status).toBe(503);
  expect(rep.answer?.text).toContain('no valid access token');
  expect(rep.answer?.text).toContain('[redacted]');
  expectNoSecret(rep.answer?.text ?? '');
  expect(gateway.requests).toHaveLength(0);
});
