import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import { randomBytes, sameBytes, sha256 } from '../../src/crypto.js';

test('randomBytes gives as many bytes as asked, different each time', () => {
  const draws = Array.from({ length: 50 }, () => randomBytes(32).toString('hex'));
  expect(draws.every((d) => d.length === 64)).toBe(true);
  expect(new Set(draws).size).toBe(50);
  expect(randomBytes(0)).toHaveLength(0);
  expect(randomBytes(100_000)).toHaveLength(100_000);
});

test('randomBytes looks uniform: every byte value comes up in 256 KiB', () => {
  const seen = new Set(randomBytes(256 * 1024));
  expect(seen.size).toBe(256);
});

const key = nodeRandomBytes(32);
test.each([
  ['the same bytes', Buffer.from(key), true],
  ['the first byte differs', Buffer.concat([Buffer.from([key[0] ^ 1]), key.subarray(1)]), false],
  ['the last byte differs', Buffer.concat([key.subarray(0, 31), Buffer.from([key[31] ^ 0x80])]), false],
  ['shorter', key.subarray(0, 31), false],
  ['longer', Buffer.concat([key, Buffer.from([0])]), false],
  ['empty', Buffer.alloc(0), false],
])('sameBytes: %s → %s', (_, other, same) => {
  expect(sameBytes(key, other)).toBe(same);
});

test('sha256 is SHA-256 in hex: FIPS 180-4 examples', () => {
  expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
  expect(sha256('a'.repeat(1_000_000))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
});

const nodeSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

test('sha256 agrees with node:crypto at every padding boundary (0–200 bytes) and on UTF-8 text', () => {
  for (let length = 0; length <= 200; length++) {
    const text = 'x'.repeat(length);
    expect({ length, hash: sha256(text) }).toEqual({ length, hash: nodeSha256(text) });
  }
  for (const text of ['ünïcode ✓ 😀', '\u0000\u0001', 'é'.repeat(63), '😀'.repeat(17)]) expect(sha256(text)).toBe(nodeSha256(text));
  for (let i = 0; i < 200; i++) {
    const text = nodeRandomBytes(1 + ((i * 37) % 3000)).toString('latin1');
    expect(sha256(text)).toBe(nodeSha256(text));
  }
});
