/**
 * A real OAuth server on 127.0.0.1 for tests and the demo: oidc-provider issuing opaque
 * client-credentials tokens with a chosen lifetime. It counts token requests, can validate the
 * tokens it issued, and can be taken down and brought back to simulate an outage.
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Store = Map<string, { payload: Record<string, unknown>; expiresAt: number }>;

/** The smallest oidc-provider adapter: an in-memory map per model, of one provider only. */
function memoryAdapter() {
  const stores = new Map<string, Store>();
  return class MemoryAdapter {
    private store: Store;
    constructor(name: string) {
      this.store = stores.get(name) ?? new Map();
      stores.set(name, this.store);
    }
    async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
      this.store.set(id, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    }
    async find(id: string) {
      const e = this.store.get(id);
      return e && e.expiresAt > Date.now() ? e.payload : undefined;
    }
    async findByUid() {
      return undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const e = this.store.get(id);
      if (e) e.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      this.store.delete(id);
    }
    async revokeByGrantId() {}
  };
}

export interface Idp {
  issuer: string;
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  /** Token requests answered so far (successful or not). */
  readonly grants: number;
  /** When each token request arrived (epoch ms). */
  readonly grantTimes: readonly number[];
  /** True if `token` was issued here and has not expired. */
  isValid(token: string): Promise<boolean>;
  /** While down, the token endpoint answers 503. */
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startIdp(
  o: { ttlSeconds?: number; authMethod?: 'client_secret_basic' | 'client_secret_post'; scopes?: string[] } = {},
): Promise<Idp> {
  const clientId = 'codex-wrap-test';
  const clientSecret = `s3cret-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  let handler: http.RequestListener = () => {};
  const grantTimes: number[] = [];
  let down = false;
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/token')) {
      grantTimes.push(Date.now());
      if (down) {
        res.writeHead(503, { 'content-type': 'text/html' });
        res.end('<html>down for maintenance</html>');
        return;
      }
    }
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  // oidc-provider warns about Node 20 (it supports it) and about its dev adapter (replaced below).
  const warn = console.warn;
  console.warn = () => {};
  const provider = await import('oidc-provider')
    .then(
      ({ default: Provider }) =>
        new Provider(issuer, {
          adapter: memoryAdapter(),
          clients: [
            {
              client_id: clientId,
              client_secret: clientSecret,
              grant_types: ['client_credentials'],
              redirect_uris: [],
              response_types: [],
              token_endpoint_auth_method: o.authMethod ?? 'client_secret_basic',
              scope: (o.scopes ?? ['llm']).join(' '),
              id_token_signed_response_alg: 'ES256',
            },
          ],
          jwks: { keys: [{ ...key, kid: 'test', use: 'sig', alg: 'ES256' }] },
          features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
          scopes: o.scopes ?? ['llm'],
          ttl: { ClientCredentials: o.ttlSeconds ?? 60 },
        }),
    )
    .finally(() => {
      console.warn = warn;
    });
  handler = provider.callback();
  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    clientId,
    clientSecret,
    get grants() {
      return grantTimes.length;
    },
    grantTimes,
    async isValid(token) {
      const found = await provider.ClientCredentials.find(token);
      return Boolean(found && !found.isExpired);
    },
    setDown(d) {
      down = d;
    },
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** The settings that point codex-wrap at this IdP and a gateway. */
export function oauthEnv(idp: Idp, gateway: string): Record<string, string> {
  return {
    LLM_API_BASE_URL: gateway,
    OAUTH_ENDPOINT: idp.tokenEndpoint,
    OAUTH_CLIENT_ID: idp.clientId,
    OAUTH_CLIENT_SECRET: idp.clientSecret,
    OAUTH_SCOPE: 'llm',
  };
}

export interface Scripted {
  url: string;
  /** What each request carried. */
  seen: Array<{ body: string; authorization?: string }>;
  close(): Promise<void>;
}

/**
 * A token endpoint that answers what `answer` says for the n-th request (from 1): a JSON body, or
 * text (as text/plain or the given type). For the IdP behaviours oidc-provider does not have.
 */
export async function startScriptedIdp(
  answer: (
    n: number,
    request: { body: string; authorization?: string },
  ) => { status: number; body: unknown; type?: string /** How long it thinks first. */; delayMs?: number },
): Promise<Scripted> {
  const seen: Scripted['seen'] = [];
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    const request = { body, authorization: req.headers.authorization };
    seen.push(request);
    const a = answer(seen.length, request);
    if (a.delayMs) await new Promise((r) => setTimeout(r, a.delayMs));
    const text = typeof a.body === 'string';
    res.writeHead(a.status, { 'content-type': a.type ?? (text ? 'text/plain' : 'application/json') });
    res.end(text ? a.body : JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth2/token`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
