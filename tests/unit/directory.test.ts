import { chown, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkDirectory, expandHome } from '../../src/dashboard/directory.js';
import { tempDir } from '../support/tmp.js';

const uid = process.getuid?.();

test('~ is the home directory', () => {
  expect(expandHome('~', '/home/u')).toBe('/home/u');
  expect(expandHome('~/p', '/home/u')).toBe('/home/u/p');
  expect(expandHome('~other/p', '/home/u')).toBe('~other/p');
});

test('a directory of the user is taken, by its real path; anything else is refused with what is wrong', async () => {
  const home = await tempDir('home-');
  const project = join(home, 'project');
  await mkdir(project);
  await writeFile(join(home, 'file'), '');
  await symlink(project, join(home, 'link'));
  const check = (input: string) => checkDirectory(input, { home, uid });
  expect(await check(project)).toEqual({ ok: true, path: project });
  expect(await check(`  ${project}  `)).toEqual({ ok: true, path: project });
  expect(await check('~/project')).toEqual({ ok: true, path: project });
  expect(await check(join(home, 'link'))).toEqual({ ok: true, path: project });
  expect(await check('')).toEqual({ ok: false, error: 'give the directory to run Codex in' });
  expect(await check('project')).toEqual({ ok: false, error: expect.stringMatching(/^project is not an absolute path: give one such as/) });
  expect(await check(join(home, 'missing'))).toEqual({ ok: false, error: `${join(home, 'missing')} does not exist` });
  expect(await check(join(home, 'file'))).toEqual({ ok: false, error: `${join(home, 'file')} is not a directory` });
});

// Only root can give a directory away; CI runs as root.
(uid === 0 ? test : test.skip)("another user's directory is refused", async () => {
  const theirs = join(await tempDir('other-'), 'theirs');
  await mkdir(theirs);
  await chown(theirs, 4242, 4242);
  expect(await checkDirectory(theirs, { home: '/root', uid })).toEqual({
    ok: false,
    error: `${theirs} belongs to another user: Codex runs only in a directory you own`,
  });
});
