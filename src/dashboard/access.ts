/**
 * Who may use the dashboard. A page on 127.0.0.1 is reachable by every web site the user visits,
 * so each request must come from the browser that used the one-time login link. Pure: the server
 * hands in what it read from the request and does what the decision says.
 */
import { sameBytes } from '../crypto.js';

export const COOKIE = 'codex_wrap_dashboard';

export interface Request {
  method: string;
  /** The path with its query, as in the request line. */
  url: string;
  host?: string;
  origin?: string;
  /** `Sec-Fetch-Site`, which current browsers send with every request. */
  fetchSite?: string;
  cookie?: string;
}

export interface Keys {
  port: number;
  /** The one-time login token in the printed URL; undefined once it was used. */
  loginToken?: string;
  /** The value of the session cookie the login set; undefined before the login. */
  cookie?: string;
}

export type Decision =
  | { kind: 'allow' }
  /** The login link: set the cookie and send the browser to `/` (the token leaves the address bar). */
  | { kind: 'login' }
  | { kind: 'refuse'; status: 400 | 401 | 403 | 405; message: string };

const same = (a: string, b: string) => sameBytes(Buffer.from(a), Buffer.from(b));

export const ownHosts = (port: number) => [`127.0.0.1:${port}`, `localhost:${port}`];

/** The value of one cookie in a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** The decision for one request; a state-changing method also needs the dashboard's own Origin. */
export function decide(req: Request, keys: Keys): Decision {
  // DNS rebinding: a hostile name resolved to 127.0.0.1 sends its own name as Host.
  if (!ownHosts(keys.port).includes((req.host ?? '').toLowerCase())) {
    return { kind: 'refuse', status: 400, message: 'wrong Host: open the dashboard at the address codex-wrap printed' };
  }
  const cookie = cookieValue(req.cookie, COOKIE);
  const signedIn = keys.cookie !== undefined && cookie !== undefined && same(cookie, keys.cookie);
  const url = new URL(req.url, 'http://x');
  const token = url.searchParams.get('token');
  if (req.method === 'GET' && token !== null && url.pathname === '/') {
    if (keys.loginToken !== undefined && same(token, keys.loginToken)) return { kind: 'login' };
    if (signedIn) return { kind: 'login' };
    return {
      kind: 'refuse',
      status: 403,
      message: 'this login link is not valid (it works once): restart codex-wrap dashboard for a new one',
    };
  }
  if (!signedIn) {
    return {
      kind: 'refuse',
      status: 401,
      message: 'not signed in: open the link codex-wrap dashboard printed (it holds a one-time token)',
    };
  }
  if (req.method === 'GET' || req.method === 'HEAD') return { kind: 'allow' };
  if (req.method !== 'POST') return { kind: 'refuse', status: 405, message: `${req.method} is not used here` };
  const origins = ownHosts(keys.port).map((h) => `http://${h}`);
  if (!origins.includes(req.origin ?? '') || (req.fetchSite !== undefined && req.fetchSite !== 'same-origin')) {
    return { kind: 'refuse', status: 403, message: 'cross-origin request refused' };
  }
  return { kind: 'allow' };
}

/** Headers of every answer: nothing loads from elsewhere, nothing frames the page, nothing is cached. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

export const sessionCookie = (value: string) => `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/`;
