/**
 * The little cryptography codex-wrap needs — random keys and file names, a constant-time compare,
 * SHA-256 — without node:crypto: loading it costs a session some 3–8 ms (issue #12). Random bytes
 * come from the kernel's CSPRNG (/dev/urandom, the source node:crypto itself is seeded from);
 * node:crypto is loaded only where there is none (Windows).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
/** node:crypto, loaded only where /dev/urandom cannot be read. */
const nodeCrypto = (): typeof import('node:crypto') => require('node:crypto');

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
 * Whether `a` and `b` hold the same bytes, in a time that depends on their length only: every byte
 * is compared, with no early exit. Pure. (node:crypto's timingSafeEqual does the same; loading
 * node:crypto for it cost the proxy's warm-up ~3 ms of CPU while Codex starts, issue #12.)
 */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** SHA-256's round constants (FIPS 180-4 §4.2.2). */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const ror = (x: number, n: number) => (x >>> n) | (x << (32 - n));

/**
 * SHA-256 of a text (its UTF-8 bytes), in hex — FIPS 180-4, checked against node:crypto in the
 * tests. In JavaScript because a session names its token cache file with it before Codex starts,
 * and node:crypto costs ~3 ms to load there (issue #12); the texts are a few hundred bytes.
 */
export function sha256(text: string): string {
  const data = Buffer.from(text, 'utf8');
  const blocks = Buffer.alloc(Math.ceil((data.length + 9) / 64) * 64);
  data.copy(blocks);
  blocks[data.length] = 0x80;
  const bits = data.length * 8;
  blocks.writeUInt32BE(Math.floor(bits / 2 ** 32), blocks.length - 8);
  blocks.writeUInt32BE(bits >>> 0, blocks.length - 4);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let at = 0; at < blocks.length; at += 64) {
    for (let i = 0; i < 16; i++) w[i] = blocks.readUInt32BE(at + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return Array.from(h, (x) => x.toString(16).padStart(8, '0')).join('');
}
