/**
 * The launcher's V8 code cache (src/boot.ts), through the built binary: written once, used after,
 * written again only when a run went through a part of codex-wrap it does not hold, and never
 * trusted when it is not this user's own file; whatever is wrong with it, the run is the same
 * (issue #12).
 */
import { chmod, lstat, mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partBit } from '../../src/run-parts.js';
import { runBinary } from '../support/binary.js';
import { writeFakeCodex } from '../support/fake-codex.js';
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

test('the cache takes in each part of codex-wrap a run went through, once', async () => {
  const codex = await writeFakeCodex();
  const withCodex = (extra: Record<string, string> = {}) => env({ PATH: `${codex.dir}:${process.env.PATH}`, ...extra });
  const file = async () => {
    const [name] = await caches();
    const path = join(v8dir, name);
    const bytes = await readFile(path);
    return { covers: bytes[4], size: bytes.length, id: `${(await stat(path)).ino}@${(await stat(path)).mtimeMs}` };
  };
  const passthrough = async () => expect((await runBinary(['completion', 'bash'], { env: withCodex(), cwd: home })).code).toBe(0);
  // A session whose Codex sends one request: the proxy's request path runs (MOCK_MODE: the mock model answers).
  const session = async () =>
    expect(
      (await runBinary(['exec', 'hi'], { env: withCodex({ MOCK_MODE: 'true', FAKE_CODEX_MODE: 'request:hi' }), cwd: home })).code,
    ).toBe(0);

  await run();
  const first = await file();
  expect(first.covers).toBe(partBit('command'));
  await passthrough();
  const second = await file();
  expect(second.covers).toBe(partBit('command') | partBit('passthrough'));
  expect(second.size).toBeGreaterThan(first.size);
  await passthrough();
  await run();
  expect(await file()).toEqual(second);
  await session();
  const third = await file();
  expect(third.covers).toBe(partBit('command') | partBit('passthrough') | partBit('session') | partBit('request'));
  expect(third.size).toBeGreaterThan(second.size);
  await session();
  await passthrough();
  expect(await file()).toEqual(third);
});

test('a library loaded on first use (dotenv, for a settings file) has a cache file of its own: written once, kept by runs that do not load it', async () => {
  await writeFile(join(home, 'team.env'), 'MOCK_MODE=true\n');
  const session = async () => {
    const r = await runBinary(['--env-file', 'team.env', 'exec', 'x'], { env: env({ CODEX_BIN: '/bin/true' }), cwd: home });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  };
  await session();
  const names = await caches();
  const lib = names.find((n) => n.startsWith('lib-dotenv-')) as string;
  expect(lib).toMatch(/^lib-dotenv-[0-9a-f]{16}-v\d+\.\d+\.\d+-[a-z0-9]+\.cache$/);
  expect(lib.slice('lib-dotenv'.length)).toBe((names.find((n) => n.startsWith('cli-')) as string).slice('cli'.length));
  const path = join(v8dir, lib);
  expect((await stat(path)).mode & 0o777).toBe(0o600);
  const id = async () => `${(await stat(path)).ino}@${(await stat(path)).mtimeMs}`;
  const before = await id();
  await session();
  await run(); // loads no library, and takes in a part (a command): the library's file stays
  expect(await id()).toBe(before);
  await writeFile(path, Buffer.alloc(2048, 7), { mode: 0o600 });
  await session();
  expect((await readFile(path)).subarray(0, 4).toString()).toBe('cwc1');
});

test('a corrupt cache (or another format) is refused and replaced; an older build’s cache is removed', async () => {
  await run();
  const [name] = await caches();
  const good = await readFile(join(v8dir, name));
  for (const corrupt of [Buffer.alloc(4096, 7), Buffer.concat([Buffer.from('cwc1'), Buffer.from([0xff]), Buffer.alloc(4096, 7)])]) {
    await writeFile(join(v8dir, name), corrupt, { mode: 0o600 });
    await writeFile(join(v8dir, 'cli-0000000000000000-v0.0.0-x64.cache'), 'old', { mode: 0o600 });
    await run();
    expect(await caches()).toEqual([name]);
    const now = await readFile(join(v8dir, name));
    expect(now.equals(corrupt)).toBe(false);
    expect(now.subarray(0, 5)).toEqual(good.subarray(0, 5));
  }
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
