/**
 * Token sources: the client-credentials grant (openid-client, loaded only when a grant is needed,
 * which keeps start-up fast) and the fixed mock token of MOCK_MODE.
 */
import { ExitCode, WrapError } from '../errors.js';
import { loadOpenidClient } from '../lazy.js';
import type { OAuthSettings } from '../settings/resolve.js';
import { isLoopback } from '../settings/resolve.js';

export interface Token {
  value: string;
  /** Epoch ms. */
  issuedAt: number;
  /** Epoch ms. */
  expiresAt: number;
  /** The scope the IdP granted, when it says. */
  scope?: string;
}

export interface TokenSource {
  /** `avoid`: a token the gateway rejected; a cache must not hand it out again. */
  fetch(opts?: { avoid?: string }): Promise<Token>;
  /** A cache's token that fetch would return without a grant, if there is one. */
  peek?(): Promise<Token | undefined>;
}

export const MOCK_TOKEN = 'codex-wrap-mock-token';

/** A JWT's claims, or undefined for an opaque token. Pure. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** Seconds a JWT says it expires at, or undefined for an opaque token. Pure. */
export function jwtExp(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' ? exp : undefined;
}

/**
 * When a token expires: `expires_in` if sent, else a JWT's `exp` (RFC 6749 §5.1 only RECOMMENDS
 * expires_in), else one refresh interval from now. expires_in counts whole seconds from an `iat`
 * the IdP rounded down, so the token may die up to a second earlier: count one second less. Pure.
 */
export function expiryOf(value: string, expiresIn: number | undefined, now: number, fallbackMs: number): number {
  if (expiresIn !== undefined && Number.isFinite(expiresIn)) return now + Math.max(expiresIn / 2, expiresIn - 1) * 1000;
  const exp = jwtExp(value);
  if (exp !== undefined) return exp * 1000;
  return now + fallbackMs;
}

export function createMockTokenSource(now: () => number, lifetimeMs: number): TokenSource {
  return {
    fetch: async () => ({ value: MOCK_TOKEN, issuedAt: now(), expiresAt: now() + lifetimeMs }),
  };
}

const GRANT_TIMEOUT_SECONDS = 20;
/** No token response is near this size: an IdP sending more is broken (one sent an endless body). */
export const MAX_TOKEN_RESPONSE = 1024 * 1024;

/** A token response over MAX_TOKEN_RESPONSE. */
class TooLarge extends Error {
  readonly code = 'CODEX_WRAP_TOO_LARGE';
}

/** `fetch`, with the answer's body read whole but never beyond `max` bytes. */
export function cappedFetch(inner: typeof fetch, max: number): typeof fetch {
  return (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const res = await inner(input, init);
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = res.body?.getReader();
    for (;;) {
      const part = await reader?.read().catch((err: unknown) => {
        // Headers came, the body did not finish (a timeout or a dropped connection).
        throw Object.assign(new Error('the answer stopped arriving'), { code: 'CODEX_WRAP_PARTIAL', cause: err });
      });
      if (!part || part.done) break;
      size += part.value.byteLength;
      if (size > max) {
        await reader?.cancel().catch(() => {});
        throw new TooLarge(`the answer is larger than ${max} bytes`);
      }
      chunks.push(part.value);
    }
    const body = [101, 204, 205, 304].includes(res.status) ? null : Buffer.concat(chunks);
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  }) as typeof fetch;
}

export function createOAuthTokenSource(
  oauth: OAuthSettings,
  deps: { now: () => number; fallbackLifetimeMs: number; fetch?: typeof fetch; timeoutSeconds?: number },
): TokenSource {
  return {
    async fetch() {
      const client = await loadOpenidClient();
      const auth =
        oauth.authMethod === 'client_secret_post'
          ? client.ClientSecretPost(oauth.clientSecret)
          : client.ClientSecretBasic(oauth.clientSecret);
      const config = new client.Configuration(
        { issuer: oauth.endpoint.origin, token_endpoint: oauth.endpoint.href },
        oauth.clientId,
        undefined,
        auth,
      );
      config.timeout = deps.timeoutSeconds ?? GRANT_TIMEOUT_SECONDS;
      // Plain http only reaches here for loopback IdPs or in MOCK_MODE (settings.ts checks).
      if (oauth.endpoint.protocol === 'http:' && isLoopback(oauth.endpoint)) client.allowInsecureRequests(config);
      config[client.customFetch] = cappedFetch(deps.fetch ?? fetch, MAX_TOKEN_RESPONSE) as never;
      const params: Record<string, string> = {};
      if (oauth.scope) params.scope = oauth.scope;
      if (oauth.audience) params.audience = oauth.audience;
      try {
        const res = await client.clientCredentialsGrant(config, params);
        const now = deps.now();
        return {
          value: res.access_token,
          issuedAt: now,
          expiresAt: expiryOf(res.access_token, res.expiresIn(), now, deps.fallbackLifetimeMs),
          scope: typeof res.scope === 'string' ? res.scope : undefined,
        };
      } catch (err) {
        throw describeGrantError(err, oauth.endpoint, deps.now(), deps.timeoutSeconds);
      }
    },
  };
}

const REFUSALS: Record<string, string> = {
  invalid_client: 'check OAUTH_CLIENT_ID and OAUTH_CLIENT_SECRET, and OAUTH_AUTH_METHOD (client_secret_basic or client_secret_post)',
  unauthorized_client: 'ask the IdP admin to allow the client_credentials grant for this client',
  invalid_scope: 'check OAUTH_SCOPE against the scopes this client may request',
  invalid_target: 'check OAUTH_AUDIENCE against the resources this client may request',
  unsupported_grant_type: 'this IdP does not offer client_credentials at this endpoint; check OAUTH_ENDPOINT',
  invalid_request: 'check OAUTH_ENDPOINT, OAUTH_SCOPE and OAUTH_AUDIENCE',
};

/** A network error code (ECONNREFUSED, ENOTFOUND, ...) anywhere down the cause chain. */
function systemCode(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; e && depth < 6; depth++) {
    const code = errorField(e, 'code');
    if (typeof code === 'string' && (/^E[A-Z_]+$/.test(code) || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))) return code;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'connect timeout';
    e = errorField(e, 'cause');
  }
  return undefined;
}

function errorField(err: unknown, field: string): unknown {
  return err && typeof err === 'object' ? (err as Record<string, unknown>)[field] : undefined;
}

/** Retry-After (delta-seconds or an HTTP date) in ms from `now`; undefined when absent or unreadable. Pure. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The HTTP answer an openid-client error carries, if any. */
function responseOf(err: unknown): { status?: unknown; headers?: { get(name: string): string | null } } | undefined {
  for (const candidate of [errorField(err, 'response'), errorField(err, 'cause')]) {
    if (candidate && typeof candidate === 'object' && typeof (candidate as Response).headers?.get === 'function')
      return candidate as Response;
  }
  return undefined;
}

/** Whether an error or one of its causes matches (openid-client, the body read and fetch each wrap the one below). */
function inChain(err: unknown, matches: (e: unknown) => boolean): boolean {
  let e = err;
  for (let depth = 0; e && depth < 5; depth++) {
    if (matches(e)) return true;
    e = errorField(e, 'cause');
  }
  return false;
}
const timedOut = (err: unknown) =>
  inChain(err, (e) => errorField(e, 'code') === 'OAUTH_TIMEOUT' || errorField(e, 'name') === 'TimeoutError');
const hasCode = (err: unknown, code: string) => inChain(err, (e) => errorField(e, 'code') === code);

/**
 * Turns whatever the grant threw into a one-line WrapError. Reads only named fields: the error
 * objects can hold the request, and so the secret. The IdP's own description is kept whole: it is
 * redacted where it is printed, and a cut would leave part of an echoed secret unrecognisable. Pure.
 */
export function describeGrantError(err: unknown, endpoint: URL, now = Date.now(), timeoutSeconds = GRANT_TIMEOUT_SECONDS): WrapError {
  const retryAfterMs = parseRetryAfter(responseOf(err)?.headers?.get('retry-after'), now);
  const described = describe(err, endpoint, timeoutSeconds);
  return new WrapError(described.message, { ...described, retryAfterMs, cause: err });
}

function describe(err: unknown, endpoint: URL, timeoutSeconds: number): { message: string; hint: string; exitCode: number } {
  const where = endpoint.origin + endpoint.pathname;
  const code = errorField(err, 'code');
  const cause = errorField(err, 'cause');
  const unavailable = (message: string, hint: string) => ({ message, hint, exitCode: ExitCode.idpUnavailable });
  // A 401 with WWW-Authenticate carries the OAuth error in its challenge, not in the body.
  const challenge = code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE' && Array.isArray(cause) ? errorField(cause[0], 'parameters') : undefined;
  const oauthError = errorField(challenge ?? err, 'error');
  if (typeof oauthError === 'string') {
    const desc = errorField(challenge ?? err, 'error_description');
    const status = errorField(err, 'status');
    const message =
      `the IdP refused the token request: ${oauthError}${typeof desc === 'string' ? ` (${desc})` : ''}` +
      `${typeof status === 'number' ? `, HTTP ${status}` : ''}`;
    if (status === 429 || oauthError === 'slow_down' || oauthError === 'temporarily_unavailable') {
      return unavailable(message, 'the IdP asks to slow down; codex-wrap waits as long as it says before asking again');
    }
    return { message, hint: REFUSALS[oauthError] ?? 'check the OAUTH_* settings with your IdP admin', exitCode: ExitCode.auth };
  }
  if (timedOut(err)) {
    return unavailable(
      `the token endpoint ${where} did not ${hasCode(err, 'CODEX_WRAP_PARTIAL') ? 'finish its answer' : 'answer'} within ${timeoutSeconds} s`,
      'check the network path to the IdP (VPN, HTTPS_PROXY) and try again',
    );
  }
  if (hasCode(err, 'CODEX_WRAP_TOO_LARGE')) {
    return unavailable(
      `the token endpoint ${where} sent more than ${MAX_TOKEN_RESPONSE / 1024} KiB`,
      'check that OAUTH_ENDPOINT is the token endpoint',
    );
  }
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    const status = errorField(cause, 'status');
    if (status === 429 || status === 503) {
      return unavailable(
        `the token endpoint ${where} is busy (HTTP ${status})`,
        'codex-wrap waits as long as it asks (Retry-After), then tries again',
      );
    }
    return unavailable(
      `the token endpoint ${where} answered HTTP ${String(status ?? '?')} without an OAuth error`,
      'check that OAUTH_ENDPOINT is the token endpoint (not the issuer or a login page)',
    );
  }
  if (code === 'OAUTH_INVALID_RESPONSE') {
    const what = errorField(cause, 'message');
    return unavailable(
      `the token endpoint ${where} answered with an unusable token response${typeof what === 'string' ? `: ${what.replace(/^"response" body /, '')}` : ''}`,
      'ask your IdP admin: RFC 6749 §5.1 needs access_token and token_type, and expires_in (if sent) must not be negative',
    );
  }
  if (code === 'OAUTH_UNSUPPORTED_OPERATION') {
    return unavailable(
      `the token endpoint ${where} issued a token of a type codex-wrap cannot send (token_type is not Bearer)`,
      'ask your IdP admin for Bearer tokens for this client',
    );
  }
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_PARSE_ERROR') {
    return unavailable(
      `the token endpoint ${where} did not answer with JSON (an HTML page or other text)`,
      'check that OAUTH_ENDPOINT is the token endpoint, and any HTTPS proxy in between',
    );
  }
  const name = errorField(err, 'name');
  if (name === 'AbortError') {
    return unavailable(`the token request to ${where} was cancelled`, 'try again');
  }
  const sys = systemCode(err);
  if (sys && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(sys)) {
    return unavailable(
      `the TLS certificate of ${where} is not trusted (${sys})`,
      "set CA_CERT_FILE to your company's CA certificates (PEM); they are added to the system roots",
    );
  }
  if (sys !== undefined || name === 'TypeError') {
    return unavailable(
      `cannot reach the token endpoint ${where}${sys ? ` (${sys})` : ''}`,
      'check OAUTH_ENDPOINT, your network or VPN, and HTTPS_PROXY',
    );
  }
  return unavailable(
    `the token request to ${where} failed: ${err instanceof Error ? err.message : String(err)}`,
    'run with --debug for details',
  );
}
