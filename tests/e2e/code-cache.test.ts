/**
 * The launcher's V8 code cache (src/boot.ts), through the built binary: written once, used after,
 * and never trusted when it is not this user's own file; whatever is wrong with it, the run is
 * the same (issue #12).
 */
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBinary } from '../support/binary.js';
import { tempDir } from '../support/tmp.js';

let home: string;
let v8dir: string;
beforeEach(async () => {
  home = await tempDir('cw-cache-');
  v8dir = join(home, 'xdg-cache', 'codex-wrap', 'v8');
});

const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  HOME: home,
  XDG_CACHE_HOME: join(home, 'xdg-cache'),
  ...extra,
});
/** `status` needs no settings and no Codex: its output is the same whatever the cache. */
const run = async (extra: Record<string, string> = {}) => {
  const r = await runBinary(['status'], { env: env(extra), cwd: home });
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
    code: 0,
    stdout: 'no codex-wrap session is running\n',
    stderr: '',
  });
};
const caches = async () => (await readdir(v8dir)).filter((f) => f.endsWith('.cache'));

test('the first run writes the cache (0600 in a 0700 dir); the next runs use it without writing it again', async () => {
  await run();
  const [name] = await caches();
  expect(name).toMatch(/^cli-[0-9a-f]{16}-v\d+\.\d+\.\d+-[a-z0-9]+\.cache$/);
  const file = join(v8dir, name);
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  expect((await stat(v8dir)).mode & 0o777).toBe(0o700);
  const before = await stat(file);
  await run();
  await run();
  const after = await stat(file);
  expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
});

test('a corrupt cache is refused by V8 and replaced; an older build’s cache is removed', async () => {
  await run();
  const [name] = await caches();
  await writeFile(join(v8dir, name), Buffer.alloc(4096, 7), { mode: 0o600 });
  await writeFile(join(v8dir, 'cli-0000000000000000-v0.0.0-x64.cache'), 'old', { mode: 0o600 });
  await run();
  expect(await caches()).toEqual([name]);
  expect((await readFile(join(v8dir, name))).equals(Buffer.alloc(4096, 7))).toBe(false);
});

test('a cache file that is a symbolic link is not followed: its target stays as it was', async () => {
  await run();
  const [name] = await caches();
  const target = join(home, 'elsewhere.bin');
  await writeFile(target, 'not a cache');
  await rm(join(v8dir, name));
  await symlink(target, join(v8dir, name));
  await run();
  expect(await readFile(target, 'utf8')).toBe('not a cache');
  expect((await lstat(join(v8dir, name))).isFile()).toBe(true);
});

test('a cache dir others can write to is neither read nor written', async () => {
  await mkdir(v8dir, { recursive: true, mode: 0o700 });
  await chmod(v8dir, 0o777);
  await run();
  expect(await caches()).toEqual([]);
});

test('NODE_DISABLE_COMPILE_CACHE=1 turns it off; a cache dir that cannot be made changes nothing', async () => {
  await run({ NODE_DISABLE_COMPILE_CACHE: '1' });
  await expect(stat(join(home, 'xdg-cache'))).rejects.toThrow();
  await writeFile(join(home, 'a-file'), '');
  await run({ XDG_CACHE_HOME: join(home, 'a-file') });
});
