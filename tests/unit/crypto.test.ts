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

test('sha256 is SHA-256 in hex', () => {
  expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(sha256('ünïcode')).toBe(createHash('sha256').update('ünïcode').digest('hex'));
});
