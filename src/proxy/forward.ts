/**
 * The auth proxy's decisions — who may use it, which paths it serves, what a forwarded request
 * looks like — as pure functions, and the per-session key they check (newSessionKey, random).
 */
import { randomBytes, sameBytes } from '../crypto.js';

export const BASE_PATH = '/v1';

export function newSessionKey(): string {
  return `cwk_${randomBytes(32).toString('base64url')}`;
}

/**
 * The check of an Authorization header against the session key, in constant time for a header of
 * the key's length (the length says nothing: every key is as long). Pure.
 */
export function keyCheck(key: string): (header: string | undefined) => boolean {
  const want = Buffer.from(`Bearer ${key}`);
  return (header) => {
    if (header === undefined || header.length !== want.length) return false;
    const given = Buffer.from(header);
    return sameBytes(given, want);
  };
}

export const isAuthorized = (header: string | undefined, key: string): boolean => keyCheck(key)(header);

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  // The proxy answers 100-continue itself (Node's server does); undici refuses to send it on.
  'expect',
]);

/** Headers minus hop-by-hop ones (RFC 9110 §7.6.1, including those named in Connection) and `drop`. Pure. */
export function forwardHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  drop: readonly string[] = [],
): Record<string, string | string[]> {
  const connection = headers.connection;
  const named = connection
    ? String(connection)
        .split(',')
        .map((h) => h.trim().toLowerCase())
    : [];
  const out: Record<string, string | string[]> = {};
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined || HOP_BY_HOP.has(k) || named.includes(k) || drop.includes(k)) continue;
    out[k] = v;
  }
  return out;
}

const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** The index of the first (step 1) or last (step -1) byte that is not JSON whitespace; the length when none is. */
function edge(bytes: Buffer, step: 1 | -1): number {
  let i = step === 1 ? 0 : bytes.length - 1;
  while (i >= 0 && i < bytes.length && isSpace(bytes[i])) i += step;
  return i < 0 ? bytes.length : i;
}

/**
 * Adds `max_output_tokens` to a Responses request that has none (Codex has no setting for it).
 * The key is spliced in after the opening brace, so every other byte of the body stays as Codex
 * sent it (and no re-serialisation is paid on the hot path). Returns the body unchanged when it is
 * not a JSON object or already sets it. Pure.
 */
export function withMaxTokens(body: Buffer, maxTokens: number): Buffer {
  if (maxTokens <= 0) return body;
  // Codex's requests, without parsing them (issue #12: a 40 KB body took ~0.1 ms to parse): an
  // object whose bytes never name the key. A body that is not JSON stays not JSON either way.
  const open = edge(body, 1);
  const close = edge(body, -1);
  if (body[open] === 0x7b && body[close] === 0x7d && !body.includes('max_output_tokens')) {
    const empty = edge(body.subarray(open + 1, close), 1) === close - open - 1;
    return Buffer.concat([
      body.subarray(0, open + 1),
      Buffer.from(`"max_output_tokens":${maxTokens}${empty ? '' : ','}`),
      body.subarray(open + 1),
    ]);
  }
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return body;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || 'max_output_tokens' in parsed) return body;
  const brace = text.indexOf('{');
  const rest = Object.keys(parsed).length > 0 ? ',' : '';
  return Buffer.from(`${text.slice(0, brace + 1)}"max_output_tokens":${maxTokens}${rest}${text.slice(brace + 1)}`);
}

/** /v1, or /v1/ and segments of unreserved characters without dots. */
const PLAIN_PATH = new RegExp(`^${BASE_PATH}(/[\\w~-]+)*$`);

/**
 * The request target confined to the proxy's base path: dot segments (also percent-encoded) are
 * resolved, and anything that would leave /v1 — or hides a slash in an encoded form the gateway
 * might decode — is undefined, to be refused before a token is attached (issue #8). Pure.
 */
export function confinedPath(target: string): string | undefined {
  const [rawPath, query] = splitOnce(target, '?');
  // What Codex sends (/v1/responses): nothing to decode or resolve.
  if (PLAIN_PATH.test(rawPath)) return target;
  if (!rawPath.startsWith('/') || rawPath.includes('\\')) return undefined;
  const out: string[] = [];
  for (const segment of rawPath.split('/').slice(1)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
    if (/[/\\\0]/.test(decoded)) return undefined;
    if (decoded === '.') continue;
    if (decoded === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    out.push(segment);
  }
  // A trailing dot segment leaves a directory, as in RFC 3986 §5.2.4.
  if (/\/\.{1,2}$/.test(rawPath.replace(/%2e/gi, '.'))) out.push('');
  const path = `/${out.join('/')}`;
  if (path !== BASE_PATH && !path.startsWith(`${BASE_PATH}/`)) return undefined;
  return query === undefined ? path : `${path}?${query}`;
}

const PLAIN_TAIL = /^[\w~./-]*$/;
const PLAIN_QUERY = /^[\w~.=&%+-]*$/;

/**
 * The path and query to request from the gateway for a proxied path: the gateway's base path plus
 * what follows /v1 (as upstreamUrl has it, without building a URL for the common case). Pure.
 */
export function upstreamPath(base: URL, path: string): string {
  const [tail, query] = splitOnce(path.slice(BASE_PATH.length), '?');
  if (PLAIN_TAIL.test(tail) && (query === undefined || PLAIN_QUERY.test(query))) {
    return `${base.pathname.replace(/\/+$/, '')}${tail}${query === undefined ? base.search : `?${query}`}`;
  }
  const url = upstreamUrl(base, path);
  return url.pathname + url.search;
}

/** The upstream URL for a proxied path: the gateway base plus what follows /v1. Pure. */
export function upstreamUrl(base: URL, path: string): URL {
  const rest = path.slice(BASE_PATH.length);
  const [pathname, query] = splitOnce(rest, '?');
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/+$/, '')}${pathname}`;
  if (query !== undefined) url.search = `?${query}`;
  else url.search = base.search;
  return url;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
