/**
 * The token cache: one file per (token endpoint, client id, scope, audience) under the XDG cache
 * dir (dir 0700, file 0600), never the client secret. A lock beside the file makes concurrent
 * starts share one grant. A file we cannot trust (corrupt, someone else's, readable by others) is
 * ignored and replaced.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from './files.js';
import { loadLockfile } from './lazy.js';
import { refreshDelay } from './refresh.js';
import type { OAuthSettings } from './settings.js';
import type { Token, TokenSource } from './token.js';

export function cacheFile(dir: string, oauth: Pick<OAuthSettings, 'endpoint' | 'clientId' | 'scope' | 'audience'>): string {
  const key = JSON.stringify([oauth.endpoint.href, oauth.clientId, oauth.scope ?? '', oauth.audience ?? '']);
  return join(dir, `token-${createHash('sha256').update(key).digest('hex').slice(0, 24)}.json`);
}

/** A cached token is used only while it is not yet due for refresh. Pure. */
export function isUsable(token: Token | undefined, now: number, intervalMs: number, avoid?: string): token is Token {
  return token !== undefined && token.value !== avoid && now < token.expiresAt && refreshDelay(token, now, intervalMs, 0) > 0;
}

/** Why a cache file cannot be trusted, or undefined if it can. Pure. */
export function distrust(st: { isFile(): boolean; uid: number; mode: number }, uid: number | undefined): string | undefined {
  if (!st.isFile()) return 'it is not a regular file';
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

export function createCachedSource(
  inner: TokenSource,
  o: { file: string; now: () => number; intervalMs: number; uid?: number; note: (message: string) => void },
): TokenSource {
  const dir = join(o.file, '..');
  const read = async (): Promise<Token | undefined> => {
    let text: string;
    try {
      const why = distrust(await lstat(o.file), o.uid);
      if (why) {
        o.note(`token cache ignored: ${why} (${o.file}); it will be replaced`);
        return undefined;
      }
      text = await readFile(o.file, 'utf8');
    } catch {
      return undefined;
    }
    const token = parseToken(text);
    if (!token) o.note(`token cache ignored: not a token file (${o.file}); it will be replaced`);
    return token;
  };
  const write = (t: Token) =>
    writeAtomic(o.file, JSON.stringify(t), 0o600).catch((err: Error) => o.note(`token cache not written: ${err.message}`));

  return {
    async fetch(opts) {
      const cached = await read();
      if (isUsable(cached, o.now(), o.intervalMs, opts?.avoid)) {
        o.note('token: from the cache');
        return cached;
      }
      let release: (() => Promise<void>) | undefined;
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const { lock } = await loadLockfile();
        release = await lock(o.file, {
          realpath: false,
          stale: 30_000,
          retries: { retries: 200, factor: 1.2, minTimeout: 20, maxTimeout: 200 },
        });
      } catch (err) {
        o.note(`token cache not locked (${(err as Error).message}); fetching without it`);
        return inner.fetch(opts);
      }
      try {
        // Another codex-wrap may have fetched one while we waited for the lock.
        const again = await read();
        if (isUsable(again, o.now(), o.intervalMs, opts?.avoid)) {
          o.note('token: from the cache, fetched by another codex-wrap');
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
