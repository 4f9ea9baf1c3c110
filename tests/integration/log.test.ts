/**
 * A secret never reaches output in any form it travels in (issue #8): raw, percent-encoded (basic
 * auth and form encoding) and base64 of `id:secret`, from an IdP that echoes the request, from
 * validation, and from the proxy's error answer to Codex.
 */
import { formEncode } from '../../src/log.js';
import { startScriptedIdp } from '../support/idp.js';
import { type Env, useWorld } from '../support/world.js';

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
const echoingIdp = (first?: unknown) =>
  startScriptedIdp((n, request) =>
    n === 1 && first
      ? { status: 200, body: first }
      : { status: 400, body: { error: 'invalid_client', error_description: `received ${request.authorization ?? ''} ${request.body}` } },
  );

const w = useWorld();
/** Settings for one run against the scripted IdP, the world's gateway behind it. */
const run = (args: string[], idpUrl: string, extra: Env = {}) =>
  w.run(
    args,
    { LLM_API_BASE_URL: w.gateway.baseUrl, OAUTH_ENDPOINT: idpUrl, OAUTH_CLIENT_ID: CLIENT_ID, OAUTH_CLIENT_SECRET: SECRET, ...extra },
    { bare: true },
  );
const expectNoSecret = (text: string) => {
  for (const form of FORMS) expect(text).not.toContain(form);
  expect(text).not.toContain('SUPERSECRET');
};

test.each(['client_secret_basic', 'client_secret_post'])(
  'an IdP echoing a %s request: stderr and check --json are redacted',
  async (method) => {
    const idp = await echoingIdp();
    const session = await run(['--no-cache', 'exec', 'x'], idp.url, { OAUTH_AUTH_METHOD: method });
    const check = await run(['check', '--json'], idp.url, { OAUTH_AUTH_METHOD: method });
    await idp.close();
    expect(session.code).toBe(4);
    expect(session.stderr).toContain('invalid_client (received ');
    expect(session.stderr).toContain('[redacted]');
    expect(check.stdout).toContain('[redacted]');
    for (const out of [session.stdout, session.stderr, check.stdout, check.stderr]) expectNoSecret(out);
  },
);

test('a setting whose bad value is the secret is not echoed (run and check)', async () => {
  const idp = await echoingIdp();
  const session = await run(['exec', 'x'], idp.url, { OAUTH_AUTH_METHOD: SECRET });
  const check = await run(['check'], idp.url, { OAUTH_AUTH_METHOD: SECRET });
  await idp.close();
  expect(session.code).toBe(2);
  expect(session.stderr).toContain(
    'OAUTH_AUTH_METHOD (from the environment) must be client_secret_basic or client_secret_post, not "[redacted]"',
  );
  expect(check.code).toBe(1);
  for (const out of [session.stderr, check.stdout]) expectNoSecret(out);
});

test("the proxy's 503 to Codex, when the refresh fails with an echo, carries no secret", async () => {
  const idp = await echoingIdp({ access_token: 'first-token-0123456789', token_type: 'Bearer', expires_in: 1 });
  // Codex asks after its first token (1 s, served for the 5 s floor) has expired; the refresh is refused with an echo.
  const r = await run(['--no-cache', 'exec', 'x'], idp.url, { FAKE_CODEX_MODE: 'request:hi', FAKE_CODEX_DELAY_MS: '5500' });
  await idp.close();
  const rep = await w.readReport();
  expect(r.code).toBe(1);
  expect(rep.answer?.status).toBe(503);
  expect(rep.answer?.text).toContain('no valid access token');
  expect(rep.answer?.text).toContain('[redacted]');
  expectNoSecret(rep.answer?.text ?? '');
  expect(w.gateway.requests).toHaveLength(0);
});
