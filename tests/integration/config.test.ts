/** Codex's config files through main(): config.toml stays the user's; the profile file is left alone when it is not ours to change. */
import { spawnSync } from 'node:child_process';
import { appendFile, chmod, chown, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';
import { useWorld } from '../support/world.js';

const w = useWorld();
const asRoot = process.getuid?.() === 0 ? test : test.skip;

describe('a profile file codex-wrap must leave alone', () => {
  test('read-only (0444): exit 3 with a clear message, not replaced', async () => {
    const codexHome = join(w.home, '.codex');
    await mkdir(codexHome);
    const file = join(codexHome, 'codex-wrap.config.toml');
    await writeFile(file, 'model = "mine"\n');
    await chmod(file, 0o444);
    const before = await stat(file);
    const r = await w.run(['exec', 'x']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `codex-wrap: ${file} is read-only (mode 0444); codex-wrap leaves it alone — make it a writable file of yours, or point CODEX_HOME elsewhere\n`,
    );
    expect(await readFile(file, 'utf8')).toBe('model = "mine"\n');
    expect((await stat(file)).ino).toBe(before.ino);
  });

  asRoot("a link into another user's file, as root: exit 3, owner and mode unchanged", async () => {
    const other = join(await tempDir('cw-other-'), 'config.toml');
    await writeFile(other, '[build]\njobs = 2\n');
    await chown(other, 65534, 65534);
    await chmod(other, 0o644);
    const codexHome = join(w.home, '.codex');
    await mkdir(codexHome);
    await symlink(other, join(codexHome, 'codex-wrap.config.toml'));
    const r = await w.run(['exec', 'x']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${other} belongs to another user; codex-wrap will not change it`);
    const st = await stat(other);
    expect([st.uid, st.mode & 0o777]).toEqual([65534, 0o644]);
    expect(await readFile(other, 'utf8')).toBe('[build]\njobs = 2\n');
  });
});

describe('a full disk (a 64 KiB tmpfs, mounted as root)', () => {
  let disk: string | undefined;
  beforeEach(async () => {
    disk = undefined;
    if (process.getuid?.() !== 0) return;
    const dir = await tempDir('full-');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    if (mounted.status === 0) disk = dir;
  });
  afterEach(() => {
    if (disk) spawnSync('umount', [disk]);
  });
  /** Fills the disk to the last byte. */
  const fill = async (dir: string) => {
    const block = Buffer.alloc(4096, 1);
    for (;;) {
      const ok = await appendFile(join(dir, 'filler'), block).then(
        () => true,
        () => false,
      );
      if (!ok) break;
    }
    await appendFile(join(dir, 'filler'), 'x').catch(() => {});
  };

  asRoot('the profile stays as it was, no temp file is left, and the message says the disk is full (exit 3)', async () => {
    if (!disk) throw new Error('mounting a tmpfs failed: this test needs root with mount (CI has it)');
    const codexHome = join(disk, 'codex');
    await mkdir(codexHome);
    const mine = '# mine\nmodel = "old"\n';
    await writeFile(join(codexHome, 'codex-wrap.config.toml'), mine);
    await fill(disk);
    const r = await w.run(['exec', 'x'], { CODEX_HOME: codexHome, XDG_CACHE_HOME: disk, XDG_STATE_HOME: disk });
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `codex-wrap: cannot write ${codexHome}/codex-wrap.config.toml: the disk is full — free some space on it, then try again\n`,
    );
    expect(await readFile(join(codexHome, 'codex-wrap.config.toml'), 'utf8')).toBe(mine);
    const litter = (await readdir(disk, { recursive: true })).filter((f) => String(f).endsWith('.codex-wrap.tmp'));
    expect(litter).toEqual([]);
  });
});
