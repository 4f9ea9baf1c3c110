/**
 * The little cryptography codex-wrap needs — random keys and file names, a constant-time compare,
 * SHA-256 — without node:crypto at start-up: loading it costs a session some 5–8 ms (issue #12),
 * and a mock or cached-token session needs no hash at all. Random bytes come from the kernel's
 * CSPRNG (/dev/urandom, the source node:crypto itself is seeded from); node:crypto is loaded where
 * there is none (Windows) and for hashes.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

type NodeCrypto = typeof import('node:crypto');
const nodeCrypto = (): NodeCrypto => createRequire(import.meta.url)('node:crypto');

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
 * Whether `a` and `b` hold the same bytes, in a time that depends on their length only (every
 * byte is compared, whatever differs). Pure.
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** SHA-256 of a text, in hex. */
export const sha256 = (text: string): string => nodeCrypto().createHash('sha256').update(text).digest('hex');
