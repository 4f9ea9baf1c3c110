import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWriteError, writeAtomic } from '../../src/files.js';
import { tempDir } from '../support/tmp.js';

test.each([
  ['ENOSPC', 'cannot write /c/f: the disk is full', 'free some space on it, then try again'],
  ['EDQUOT', 'cannot write /c/f: your disk quota is used up', 'free some space, then try again'],
  ['EROFS', 'cannot write /c/f: the file system is read-only', 'point CODEX_HOME at a writable place'],
  ['EACCES', 'cannot write /c/f: permission denied', 'check the permissions of that directory and file'],
  ['EIO', 'cannot write /c/f: boom', 'check that directory and the disk'],
])('describeWriteError(%s)', (code, message, hint) => {
  expect(describeWriteError('/c/f', Object.assign(new Error('boom'), { code }))).toEqual({ message, hint });
});

describe('writeAtomic', () => {
  test('when the file changed since it was read (Codex wrote it), the write is called off: its bytes stay, no temp file', async () => {
    const dir = await tempDir('atomic-');
    const file = join(dir, 'f.toml');
    await writeFile(file, 'codex wrote this\n');
    const done = await writeAtomic(file, 'ours\n', 0o600, { stillCurrent: async () => false });
    expect(done).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('codex wrote this\n');
    expect(await readdir(dir)).toEqual(['f.toml']);
  });

  test('a write that fails leaves no temp file behind', async () => {
    const dir = await tempDir('atomic-');
    await expect(writeAtomic(join(dir, 'missing', 'f'), 'x', 0o600)).rejects.toThrow('ENOENT');
    await expect(writeAtomic(join(dir, 'f'), 'x', 0o600, { stillCurrent: () => Promise.reject(new Error('boom')) })).rejects.toThrow(
      'boom',
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
