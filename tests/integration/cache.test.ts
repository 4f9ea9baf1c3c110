/** The token cache through main(): hits, misses, files it cannot trust, and shared places it must not use. */
import { chmod, chown, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';
import { useWorld } from '../support/world.js';

const w = useWorld();
const cacheFiles = async () =>
  (await readdir(join(w.home, '.cache', 'codex-wrap')).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
const asRoot = process.getuid?.() === 0 ? test : test.skip;

describe('token cache', () => {
  test('a cached token means no IdP request; the file is 0600 in a 0700 dir and holds no secret', async () => {
    expect((await w.run(['exec', 'x'])).code).toBe(0);
    expect(w.idp.grants).toBe(1);
    const r = await w.run(['--verbose', 'exec', 'x']);
    expect(r.code).toBe(0);
    expect(w.idp.grants).toBe(1);
    expect(r.stderr).toContain('token: from the cache');
    const [file] = await cacheFiles();
    const dir = join(w.home, '.cache', 'codex-wrap');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, file), 'utf8')).not.toContain(w.idp.clientSecret);
  });

  test('--no-cache neither reads nor writes it', async () => {
    await w.run(['--no-cache', 'exec', 'x']);
    await w.run(['--no-cache', 'exec', 'x']);
    expect(w.idp.grants).toBe(2);
    expect(await cacheFiles()).toEqual([]);
  });

  test('another scope is another cache entry', async () => {
    await w.run(['exec', 'x']);
    await w.run(['exec', 'x'], { OAUTH_SCOPE: '' });
    expect(w.idp.grants).toBe(2);
    expect(await cacheFiles()).toHaveLength(2);
  });

  const spoiled = async (_name: string, spoil: (file: string) => Promise<void>, note: string) => {
    await w.run(['exec', 'x']);
    const file = join(w.home, '.cache', 'codex-wrap', (await cacheFiles())[0]);
    await spoil(file);
    const r = await w.run(['--verbose', 'exec', 'x']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`token cache ignored: ${note}`);
    expect(w.idp.grants).toBe(2);
    const st = await stat(file);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.uid).toBe(process.getuid?.());
    expect(JSON.parse(await readFile(file, 'utf8')).value).toEqual(expect.any(String));
  };
  const title = 'a %s cache file is ignored with a note and replaced, never a crash';
  test.each([
    ['corrupt', async (f: string) => writeFile(f, '{not json', { mode: 0o600 }), 'not a token file'],
    ['readable by others', async (f: string) => chmod(f, 0o644), 'other users may read it'],
  ])(title, spoiled);
  // chown needs root (CI runs as root); elsewhere the case is shown as skipped.
  asRoot.each([['owned by another user', async (f: string) => chown(f, 65534, 65534), 'it belongs to another user']])(title, spoiled);

  test("a running session's refreshes update the cache", async () => {
    await w.restartIdp(6);
    const r = await w.run(['--verbose', 'exec', 'x'], { FAKE_CODEX_MODE: 'sleep:5.5' });
    expect(r.code).toBe(0);
    expect(w.idp.grants).toBeGreaterThanOrEqual(2);
    // Each refresh is a grant: the cache never hands the held token back (no refresh loop).
    const refreshes = r.stderr.split('\n').filter((l) => l.includes('token: refreshed')).length;
    expect(refreshes).toBe(w.idp.grants - 1);
    const cached = JSON.parse(await readFile(join(w.home, '.cache', 'codex-wrap', (await cacheFiles())[0]), 'utf8'));
    expect(await w.idp.isValid(cached.value)).toBe(true);
  });
});

describe('token cache in a shared place', () => {
  /** XDG_CACHE_HOME in a world-writable place where someone planted codex-wrap/ with a token of theirs. */
  async function planted(make: (dir: string) => Promise<void>) {
    const shared = await tempDir('cw-shared-');
    await chmod(shared, 0o1777);
    const dir = join(shared, 'codex-wrap');
    await make(dir);
    return { shared, dir };
  }

  test('a cache dir that is a link to somewhere else is not used', async () => {
    const elsewhere = await tempDir('cw-elsewhere-');
    const { shared } = await planted((dir) => symlink(elsewhere, dir));
    const r = await w.run(['exec', 'x'], { XDG_CACHE_HOME: shared });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`codex-wrap: warning: token cache not used: ${join(shared, 'codex-wrap')} is a symbolic link`);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  asRoot('a cache dir another user made is not used: their planted token is never sent', async () => {
    // First learn the file name a run uses, then plant a token of the attacker's under it.
    const mine = await tempDir('cw-mine-');
    await w.run(['exec', 'x'], { XDG_CACHE_HOME: mine });
    const [name] = (await readdir(join(mine, 'codex-wrap'))).filter((f) => f.endsWith('.json'));
    const { shared, dir } = await planted(async (d) => {
      await mkdir(d);
      await writeFile(join(d, name), JSON.stringify({ value: 'attacker-token', issuedAt: Date.now(), expiresAt: Date.now() + 3600_000 }));
      await chmod(join(d, name), 0o600);
      await chown(d, 65534, 65534);
      await chmod(d, 0o777);
    });
    const r = await w.run(['exec', 'x'], { XDG_CACHE_HOME: shared, FAKE_CODEX_MODE: 'request:hi' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`token cache not used: ${dir} belongs to another user`);
    expect(w.gateway.requests.map((q) => q.authorization)).not.toContain('Bearer attacker-token');
    expect(w.gateway.requests[0].status).toBe(200);
  });

  test('a lock someone else holds does not hold the start: it fetches without the cache lock', async () => {
    await w.run(['exec', 'x']);
    const dir = join(w.home, '.cache', 'codex-wrap');
    const [name] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    await writeFile(join(dir, name), '{}'); // no usable token: the next start must take the lock
    await mkdir(join(dir, `${name}.lock`));
    // Codex asks for the model: the session needs the token it grants (`exec` grants while Codex starts).
    const r = await w.run(['--verbose', 'exec', 'x'], { FAKE_CODEX_MODE: 'request:hi' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('token cache not locked (Lock file is already being held); fetching without it');
    expect(w.gateway.requests.at(-1)?.status).toBe(200);
  }, 15_000);
});
