/** The pure decisions behind issue #8: redaction forms, path confinement, files codex-wrap leaves alone. */
import { untouchable } from '../../src/codex/config.js';
import { describeProjectKeys } from '../../src/commands/allow.js';
import { describeFailure, WrapError } from '../../src/errors.js';
import { createLogger, formEncode, secretForms } from '../../src/log.js';
import { confinedPath } from '../../src/proxy/forward.js';
import { printable } from '../../src/session/state.js';
import { resolve, validate } from '../../src/settings/resolve.js';
import { runSecretCommand } from '../../src/settings/secret-command.js';
import { exposedSecret } from '../../src/settings/sources.js';

describe('redaction covers every form a secret travels in', () => {
  const secret = 'hunter2 very-secret/+=~';
  test.each([
    ['raw', secret],
    ['percent-encoded', encodeURIComponent(secret)],
    ['percent-encoded, lower-case hex', encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase())],
    ['form-encoded (RFC 6749 §2.3.1)', formEncode(secret)],
    ['URLSearchParams', new URLSearchParams({ s: secret }).toString().slice(2)],
    ['base64 of id:secret', Buffer.from(`the-client:${secret}`).toString('base64')],
    ['base64 of form-encoded id:secret', Buffer.from(`the-client:${formEncode(secret)}`).toString('base64')],
  ])('%s', (_name, form) => {
    expect(secretForms(secret, 'the-client')).toContain(form);
    const log = createLogger({ write: () => {}, verbose: false });
    log.secret(secret, 'the-client');
    expect(log.redact(`before ${form} after`)).toBe('before [redacted] after');
  });

  test('formEncode encodes what OAuth clients encode', () => {
    expect(formEncode("a-b_c.d!e~f*g'h(i)j k")).toBe('a%2Db%5Fc%2Ed%21e%7Ef%2Ag%27h%28i%29j+k');
  });

  test('the client secret is never echoed: a problem that quotes it is printed redacted', () => {
    const value = 'hunter2-very-secret';
    const log = createLogger({ write: () => {}, verbose: false });
    log.secret(value);
    const r = resolve([
      { kind: 'env', label: 'the environment', values: { MOCK_MODE: 'false', OAUTH_AUTH_METHOD: value, OAUTH_CLIENT_SECRET: value } },
    ]);
    let printed = '';
    try {
      validate(r, { home: '/h', trustProject: false });
    } catch (err) {
      printed = log.redact(describeFailure(err, false).text);
    }
    expect(printed).toContain(
      'OAUTH_AUTH_METHOD (from the environment) must be client_secret_basic or client_secret_post, not "[redacted]"',
    );
    expect(printed).not.toContain(value);
  });
});

test.each([
  ['/v1/responses', '/v1/responses'],
  ['/v1', '/v1'],
  ['/v1/models?x=1&y=/../z', '/v1/models?x=1&y=/../z'],
  ['/v1/a/./b/../responses', '/v1/a/responses'],
  ['/v1/a/%2E/responses', '/v1/a/responses'],
  ['/v1/a/..', '/v1/'],
  ['/v1/../v1/responses', '/v1/responses'],
  ['/v1/../../admin', undefined],
  ['/v1/%2e%2e/admin', undefined],
  ['/v1/..%2fadmin', undefined],
  ['/v1/x%5C..', undefined],
  ['/v1/%00', undefined],
  ['/v1/%E0%A4%A', undefined],
  ['/v2/responses', undefined],
  ['/v10/responses', undefined],
  ['/', undefined],
  ['http://evil/v1/responses', undefined],
  ['*', undefined],
])('confinedPath(%p) = %p', (target, want) => expect(confinedPath(target)).toBe(want));

test.each([
  [{ uid: 1, mode: 0o100600 }, 1, undefined],
  [{ uid: 1, mode: 0o100644 }, undefined, undefined],
  [{ uid: 2, mode: 0o100600 }, 1, '/c belongs to another user; codex-wrap will not change it'],
  [{ uid: 1, mode: 0o100444 }, 1, '/c is read-only (mode 0444); codex-wrap leaves it alone'],
  [{ uid: 1, mode: 0o100400 }, 1, '/c is read-only (mode 0400); codex-wrap leaves it alone'],
])('untouchable %#', (st, uid, want) => expect(untouchable(st, '/c', uid)).toBe(want));

test.each([
  ['plain', 'plain'],
  ['/tmp/\x1b]0;title\x07', '/tmp/\\x1b]0;title\\x07'],
  ['new\nline\ttab', 'new\\x0aline\\x09tab'],
  ['c1 \x9b control', 'c1 \\x9b control'],
  ['ünïcödé ✓', 'ünïcödé ✓'],
])('printable(%p)', (text, want) => expect(printable(text)).toBe(want));

test.each([
  [
    { OAUTH_CLIENT_SECRET: 's' },
    0o100644,
    'warning: /u holds OAUTH_CLIENT_SECRET and other users may read it (mode 0644) — run chmod 600 /u',
  ],
  [
    { OAUTH_CLIENT_SECRET: 's' },
    0o100640,
    'warning: /u holds OAUTH_CLIENT_SECRET and other users may read it (mode 0640) — run chmod 600 /u',
  ],
  [{ OAUTH_CLIENT_SECRET: 's' }, 0o100600, undefined],
  [{ LLM_MODEL_NAME: 'm' }, 0o100644, undefined],
])('exposedSecret %#', (values, mode, want) => expect(exposedSecret('/u', values, mode)).toBe(want));

test('allow lists what a project file sets, and what it would need', () => {
  expect(describeProjectKeys({ LLM_MODEL_NAME: 'm', CODEX_BIN: './x', OAUTH_CLIENT_SECRET_COMMAND: 'c', DATABASE_URL: 'x' })).toEqual([
    '  LLM_MODEL_NAME',
    '  CODEX_BIN — only with --trust-project-env (otherwise codex-wrap refuses to start)',
    '  OAUTH_CLIENT_SECRET_COMMAND — never from a project file (codex-wrap refuses to start)',
    '  DATABASE_URL — not a codex-wrap setting (ignored)',
  ]);
});

describe('runSecretCommand', () => {
  const run = (command: string, timeoutMs?: number) => runSecretCommand(command, { cwd: '/', env: { PATH: '/usr/bin:/bin' }, timeoutMs });
  test('trims its output', async () => expect(await run("printf '  s3cret \\n'")).toBe('s3cret'));
  test('is bounded in time: killed, exit 4, says so', async () => {
    const err = await run('sleep 5', 200).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WrapError);
    expect((err as WrapError).exitCode).toBe(4);
    expect((err as WrapError).message).toBe('OAUTH_CLIENT_SECRET_COMMAND did not finish within 200 ms');
  });
});
