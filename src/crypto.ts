/**
 * The little cryptography codex-wrap needs — random keys and file names, a constant-time compare,
 * SHA-256 — without node:crypto before Codex starts: loading it costs a session some 5–8 ms
 * (issue #12). Random bytes come from the kernel's CSPRNG (/dev/urandom, the source node:crypto
 * itself is seeded from); node:crypto is loaded where there is none (Windows), for hashes, and for
 * the proxy's key check (loaded while Codex starts).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** node:crypto, loaded on first use. */
export const nodeCrypto = (): typeof import('node:crypto') => require('node:crypto');

export function randomBytes(size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let fd: number | undefined;
  try {
    fd = openSync('/dev/urandom', 'r');
    for (let got = 0; got < size; ) {
      const n = readSync(fd, out, got, size - got, null);
      if (n <= 0) throw new Error('/dev/urandom: short read');
      got += n;
    }
    return out;
  } catch {
    return nodeCrypto().randomBytes(size);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Whether `a` and `b` hold the same bytes, in a time that depends on their length only
 * (node:crypto's timingSafeEqual; measured, a JS loop made the proxy's streaming cost ~10% more
 * CPU per GB, though it runs once per request). Pure.
 */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && nodeCrypto().timingSafeEqual(a, b);

/** SHA-256 of a text, in hex. */
export const sha256 = (text: string): string => nodeCrypto().createHash('sha256').update(text).digest('hex');
