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

export function createOAuthTokenSource(
  oauth: OAuthSettings,
  deps: { now: () => number; fallbackLifetimeMs: number; fetch?: typeof fetch },
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
      config.timeout = GRANT_TIMEOUT_SECONDS;
      // Plain http only reaches here for loopback IdPs or in MOCK_MODE (settings.ts checks).
      if (oauth.endpoint.protocol === 'http:' && isLoopback(oauth.endpoint)) client.allowInsecureRequests(config);
      if (deps.fetch) config[client.customFetch] = deps.fetch as never;
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
        throw describeGrantError(err, oauth.endpoint);
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

/**
 * Turns whatever the grant threw into a one-line WrapError. Reads only named fields: the error
 * objects can hold the request, and so the secret. The IdP's own description is kept whole: it is
 * redacted where it is printed, and a cut would leave part of an echoed secret unrecognisable. Pure.
 */
export function describeGrantError(err: unknown, endpoint: URL): WrapError {
  const where = endpoint.origin + endpoint.pathname;
  const code = errorField(err, 'code');
  const cause = errorField(err, 'cause');
  // A 401 with WWW-Authenticate carries the OAuth error in its challenge, not in the body.
  const challenge = code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE' && Array.isArray(cause) ? errorField(cause[0], 'parameters') : undefined;
  const oauthError = errorField(challenge ?? err, 'error');
  if (typeof oauthError === 'string') {
    const desc = errorField(challenge ?? err, 'error_description');
    const status = errorField(err, 'status');
    return new WrapError(
      `the IdP refused the token request: ${oauthError}${typeof desc === 'string' ? ` (${desc})` : ''}` +
        `${typeof status === 'number' ? `, HTTP ${status}` : ''}`,
      { hint: REFUSALS[oauthError] ?? 'check the OAUTH_* settings with your IdP admin', exitCode: ExitCode.auth, cause: err },
    );
  }
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    const status = errorField(cause, 'status');
    return new WrapError(`the token endpoint ${where} answered HTTP ${String(status ?? '?')} without an OAuth error`, {
      hint: 'check that OAUTH_ENDPOINT is the token endpoint (not the issuer or a login page)',
      exitCode: ExitCode.idpUnavailable,
      cause: err,
    });
  }
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON' || code === 'OAUTH_PARSE_ERROR' || code === 'OAUTH_INVALID_RESPONSE') {
    return new WrapError(`the token endpoint ${where} did not answer with an OAuth token response (HTML or non-JSON)`, {
      hint: 'check that OAUTH_ENDPOINT is the token endpoint, and any HTTPS proxy in between',
      exitCode: ExitCode.idpUnavailable,
      cause: err,
    });
  }
  const name = errorField(err, 'name');
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new WrapError(`the token endpoint ${where} did not answer within ${GRANT_TIMEOUT_SECONDS} s`, {
      hint: 'check the network path to the IdP (VPN, HTTPS_PROXY) and try again',
      exitCode: ExitCode.idpUnavailable,
      cause: err,
    });
  }
  const sys = systemCode(err);
  if (sys && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(sys)) {
    return new WrapError(`the TLS certificate of ${where} is not trusted (${sys})`, {
      hint: "set CA_CERT_FILE to your company's CA certificates (PEM); they are added to the system roots",
      exitCode: ExitCode.idpUnavailable,
      cause: err,
    });
  }
  if (sys !== undefined || name === 'TypeError') {
    return new WrapError(`cannot reach the token endpoint ${where}${sys ? ` (${sys})` : ''}`, {
      hint: 'check OAUTH_ENDPOINT, your network or VPN, and HTTPS_PROXY',
      exitCode: ExitCode.idpUnavailable,
      cause: err,
    });
  }
  return new WrapError(`the token request to ${where} failed: ${err instanceof Error ? err.message : String(err)}`, {
    hint: 'run with --debug for details',
    exitCode: ExitCode.idpUnavailable,
    cause: err,
  });
}
