/** Codex's config files through main(): config.toml stays the user's; the profile file is left alone when it is not ours to change. */
import { chmod, chown, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
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
