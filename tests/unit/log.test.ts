import { describeFailure } from '../../src/errors.js';
import { createLogger, formEncode, redact, secretForms } from '../../src/log.js';
import { resolve, validate } from '../../src/settings/resolve.js';

test('redact and the logger never print a registered secret', () => {
  expect(redact('a s3cr3t b s3cr3t', ['s3cr3t'])).toBe('a [redacted] b [redacted]');
  const out: string[] = [];
  const log = createLogger({ write: (l) => out.push(l), verbose: true });
  log.secret('tok-123456');
  log.verbose('got tok-123456');
  log.info('x tok-123456');
  expect(out.join('')).not.toContain('tok-123456');
});

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
