import { existsSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdirpSync } from '../../src/mkdirp.js';
import { tempDir } from '../support/tmp.js';

test('makes every missing level with the mode, and accepts a directory that is there', async () => {
  const dir = await tempDir('mkdirp-');
  const deep = join(dir, 'a', 'b', 'c');
  mkdirpSync(deep, 0o700);
  for (const d of [join(dir, 'a'), join(dir, 'a', 'b'), deep]) expect((await stat(d)).mode & 0o777).toBe(0o700);
  expect(() => mkdirpSync(deep, 0o700)).not.toThrow();
  expect(() => mkdirpSync(dir, 0o700)).not.toThrow();
});

test('a file in the way is an error (EEXIST), as is one above it (ENOTDIR)', async () => {
  const dir = await tempDir('mkdirp-');
  await writeFile(join(dir, 'file'), 'x');
  expect(() => mkdirpSync(join(dir, 'file'), 0o700)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  expect(() => mkdirpSync(join(dir, 'file', 'below'), 0o700)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
});

// node:fs's mkdirSync(…, { recursive: true }) never returns here on Node 20 (it retries forever).
(existsSync('/proc/self') ? test : test.skip)('where mkdir says ENOENT under a parent that exists (/proc): an error, at once', () => {
  expect(() => mkdirpSync('/proc/codex-wrap-test/sub', 0o700)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
});
