/**
 * Shared or hostile directories (issue #8): a cache dir someone else made, a lock someone else
 * holds, a sessions dir that links elsewhere, a config.toml that is read-only or someone else's.
 */
import { chmod, chown, lstat, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFakeCodex } from '../support/fake-codex.js';
import { type Idp, oauthEnv, startIdp } from '../support/idp.js';
import { runMain, tempDir } from '../support/run-main.js';
import { startUpstream, type Upstream } from '../support/upstream.js';

const asRoot = process.getuid?.() === 0 ? test : test.skip;

let idp: Idp;
let gateway: Upstream;
let codexDir: string;
let home: string;
let work: string;
beforeAll(async () => {
  codexDir = (await writeFakeCodex()).dir;
});
beforeEach(async () => {
  idp = await startIdp({ ttlSeconds: 60 });
  gateway = await startUpstream({ validate: (t) => idp.isValid(t) });
  home = await tempDir('cw-dirs-home-');
  work = await tempDir('cw-dirs-work-');
});
afterEach(async () => {
  await gateway.close();
  await idp.close();
});

const env = (extra: Record<string, string> = {}) => ({
  PATH: `${codexDir}:/usr/bin:/bin`,
  HOME: home,
  FAKE_CODEX_REPORT: join(home, 'report.json'),
  ...oauthEnv(idp, gateway.baseUrl),
  ...extra,
});
const run = (args: string[], extra: Record<string, string> = {}) => runMain(args, { env: env(extra), cwd: work, home });

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
    const r = await run(['exec', 'x'], { XDG_CACHE_HOME: shared });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`codex-wrap: warning: token cache not used: ${join(shared, 'codex-wrap')} is a symbolic link`);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  asRoot('a cache dir another user made is not used: their planted token is never sent', async () => {
    // First learn the file name a run uses, then plant a token of the attacker's under it.
    const mine = await tempDir('cw-mine-');
    await run(['exec', 'x'], { XDG_CACHE_HOME: mine });
    const [name] = (await readdir(join(mine, 'codex-wrap'))).filter((f) => f.endsWith('.json'));
    const { shared, dir } = await planted(async (d) => {
      await mkdir(d);
      await writeFile(join(d, name), JSON.stringify({ value: 'attacker-token', issuedAt: Date.now(), expiresAt: Date.now() + 3600_000 }));
      await chmod(join(d, name), 0o600);
      await chown(d, 65534, 65534);
      await chmod(d, 0o777);
    });
    const r = await run(['exec', 'x'], { XDG_CACHE_HOME: shared, FAKE_CODEX_MODE: 'request:hi' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`token cache not used: ${dir} belongs to another user`);
    expect(gateway.requests.map((q) => q.authorization)).not.toContain('Bearer attacker-token');
    expect(gateway.requests[0].status).toBe(200);
  });

  test('a lock someone else holds does not hold the start: it fetches without the cache lock', async () => {
    await run(['exec', 'x']);
    const dir = join(home, '.cache', 'codex-wrap');
    const [name] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    await writeFile(join(dir, name), '{}'); // no usable token: the next start must take the lock
    await mkdir(join(dir, `${name}.lock`));
    const r = await run(['--verbose', 'exec', 'x']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('token cache not locked (Lock file is already being held); fetching without it');
  }, 15_000);
});

describe('status in a hostile sessions dir', () => {
  test("a sessions dir linked to someone's files: nothing there is deleted, one warning", async () => {
    const victim = await tempDir('cw-victim-');
    await writeFile(join(victim, '999999.json'), '{"precious":true}');
    const state = join(home, 'state');
    await mkdir(join(state, 'codex-wrap'), { recursive: true });
    await symlink(victim, join(state, 'codex-wrap', 'sessions'));
    const r = await run(['status'], { XDG_STATE_HOME: state });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('is not a directory (a link?); not read');
    expect(await readFile(join(victim, '999999.json'), 'utf8')).toBe('{"precious":true}');
  });

  test('only its own regular state files are pruned; a linked one is left alone', async () => {
    const sessions = join(home, '.local', 'state', 'codex-wrap', 'sessions');
    await mkdir(sessions, { recursive: true });
    const victim = join(await tempDir('cw-victim-'), 'data.json');
    await writeFile(victim, 'keep');
    await symlink(victim, join(sessions, '999998.json'));
    await writeFile(join(sessions, '999997.json'), '{}');
    await run(['status']);
    expect(await readFile(victim, 'utf8')).toBe('keep');
    expect((await lstat(join(sessions, '999998.json'))).isSymbolicLink()).toBe(true);
    expect(await readdir(sessions)).toEqual(['999998.json']);
  });

  test('control characters from a state file are printed escaped', async () => {
    const sessions = join(home, '.local', 'state', 'codex-wrap', 'sessions');
    await mkdir(sessions, { recursive: true, mode: 0o700 });
    const state = {
      pid: process.pid,
      cwd: '/tmp/\x1b]0;pwned\x07',
      mode: 'proxy',
      startedAt: 1,
      tokenExpiresAt: 2,
      refreshes: 0,
      requestsProxied: 0,
      upstreamErrors: 0,
    };
    await writeFile(join(sessions, `${process.pid}.json`), JSON.stringify(state), { mode: 0o600 });
    const r = await run(['status']);
    expect(r.stdout).toContain('/tmp/\\x1b]0;pwned\\x07');
    expect(r.stdout).not.toContain('\x1b');
  });
});

describe('config.toml that codex-wrap must leave alone', () => {
  test('read-only (0444): exit 3 with a clear message, not replaced', async () => {
    const codexHome = join(home, '.codex');
    await mkdir(codexHome);
    const file = join(codexHome, 'config.toml');
    await writeFile(file, 'model = "mine"\n');
    await chmod(file, 0o444);
    const before = await stat(file);
    const r = await run(['exec', 'x']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `codex-wrap: ${file} is read-only (mode 0444); codex-wrap leaves it alone — make config.toml a writable file of yours, or point CODEX_HOME elsewhere\n`,
    );
    expect(await readFile(file, 'utf8')).toBe('model = "mine"\n');
    expect((await stat(file)).ino).toBe(before.ino);
  });

  asRoot("a link into another user's file, as root: exit 3, owner and mode unchanged", async () => {
    const other = join(await tempDir('cw-other-'), 'config.toml');
    await writeFile(other, '[build]\njobs = 2\n');
    await chown(other, 65534, 65534);
    await chmod(other, 0o644);
    const codexHome = join(home, '.codex');
    await mkdir(codexHome);
    await symlink(other, join(codexHome, 'config.toml'));
    const r = await run(['exec', 'x']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${other} belongs to another user; codex-wrap will not change it`);
    const st = await stat(other);
    expect([st.uid, st.mode & 0o777]).toEqual([65534, 0o644]);
    expect(await readFile(other, 'utf8')).toBe('[build]\njobs = 2\n');
  });
});
