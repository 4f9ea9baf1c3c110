/**
 * The token cache: one file per (token endpoint, client id, scope, audience) under the XDG cache
 * dir (dir 0700, file 0600), never the client secret. A lock beside the file makes concurrent
 * starts share one grant. A file we cannot trust (corrupt, someone else's, readable by others) is
 * ignored and replaced; a directory we cannot trust (someone else's, a link) is not used at all.
 */
import { dirname, join } from 'node:path';
import { sha256 } from '../crypto.js';
import { privateDir, readRegular, writeAtomic } from '../files.js';
import { loadLockfile } from '../lazy.js';
import type { OAuthSettings } from '../settings/resolve.js';
import { refreshDelay } from './refresh.js';
import type { Token, TokenSource } from './source.js';

export function cacheFile(dir: string, oauth: Pick<OAuthSettings, 'endpoint' | 'clientId' | 'scope' | 'audience'>): string {
  const key = JSON.stringify([oauth.endpoint.href, oauth.clientId, oauth.scope ?? '', oauth.audience ?? '']);
  return join(dir, `token-${sha256(key).slice(0, 24)}.json`);
}

/** A cached token is used only while it is not yet due for refresh. Pure. */
export function isUsable(token: Token | undefined, now: number, intervalMs: number, avoid?: string): token is Token {
  return token !== undefined && token.value !== avoid && now < token.expiresAt && refreshDelay(token, now, intervalMs, 0) > 0;
}

/** Why a cache file cannot be trusted, or undefined if it can. Pure. */
export function distrust(st: { uid: number; mode: number }, uid: number | undefined): string | undefined {
  if (uid !== undefined && st.uid !== uid) return 'it belongs to another user';
  if ((st.mode & 0o077) !== 0) return 'other users may read it';
  return undefined;
}

function parseToken(text: string): Token | undefined {
  try {
    const t = JSON.parse(text) as Partial<Token>;
    if (typeof t.value === 'string' && t.value && typeof t.issuedAt === 'number' && typeof t.expiresAt === 'number') {
      return { value: t.value, issuedAt: t.issuedAt, expiresAt: t.expiresAt };
    }
  } catch {}
  return undefined;
}

/**
 * How long a start waits for another codex-wrap's grant before fetching its own: one grant takes
 * well under this; a lock left by someone else must not hold a start for longer (issue #8).
 */
const LOCK_RETRIES = { retries: 25, factor: 1.2, minTimeout: 20, maxTimeout: 250 };
const MAX_CACHE_FILE = 64 * 1024;

export function createCachedSource(
  inner: TokenSource,
  options: {
    file: string;
    now: () => number;
    intervalMs: number;
    uid?: number;
    note: (message: string) => void;
    warn: (message: string) => void;
    /** False: always a fresh grant (still written to the cache). */
    readCache?: boolean;
  },
): TokenSource {
  const dir = dirname(options.file);
  const read = async (): Promise<Token | undefined> => {
    if (options.readCache === false) return undefined;
    let text: string;
    try {
      // One descriptor: the checks look at the very file that is read (no lstat-then-open race).
      const file = await readRegular(options.file, { maxBytes: MAX_CACHE_FILE, follow: false, accept: (st) => distrust(st, options.uid) });
      if (!file) return undefined;
      text = file.text;
    } catch (err) {
      options.note(`token cache ignored: ${(err as Error).message} (${options.file}); it will be replaced`);
      return undefined;
    }
    const token = parseToken(text);
    if (!token) options.note(`token cache ignored: not a token file (${options.file}); it will be replaced`);
    return token;
  };
  const write = (t: Token) =>
    writeAtomic(options.file, JSON.stringify(t), 0o600).catch((err: Error) => options.note(`token cache not written: ${err.message}`));

  let usable: Promise<boolean> | undefined;
  const dirIsPrivate = () => {
    usable ??= privateDir(dir, options.uid).then(
      (why) => {
        if (why) options.warn(`token cache not used: ${why} — remove it, or set XDG_CACHE_HOME to a directory of yours`);
        return !why;
      },
      (err: Error) => {
        options.note(`token cache not used: ${err.message}`);
        return false;
      },
    );
    return usable;
  };

  /** The cached token, if it may be used (and is not `avoid`). */
  const fromCache = async (avoid?: string): Promise<Token | undefined> => {
    const cached = await read();
    if (!isUsable(cached, options.now(), options.intervalMs, avoid)) return undefined;
    options.note('token: from the cache');
    return cached;
  };

  return {
    peek: async () => ((await dirIsPrivate()) ? fromCache() : undefined),
    async fetch(opts) {
      if (!(await dirIsPrivate())) return inner.fetch(opts);
      const cached = await fromCache(opts?.avoid);
      if (cached) return cached;
      let release: (() => Promise<void>) | undefined;
      try {
        const { lock } = await loadLockfile();
        release = await lock(options.file, { realpath: false, stale: 30_000, retries: LOCK_RETRIES });
      } catch (err) {
        options.note(`token cache not locked (${(err as Error).message}); fetching without it`);
        return inner.fetch(opts);
      }
      try {
        // Another codex-wrap may have fetched one while we waited for the lock.
        const again = await read();
        if (isUsable(again, options.now(), options.intervalMs, opts?.avoid)) {
          options.note('token: from the cache, fetched by another codex-wrap');
          return again;
        }
        const fresh = await inner.fetch(opts);
        await write(fresh);
        return fresh;
      } finally {
        await release().catch(() => {});
      }
    },
  };
}
