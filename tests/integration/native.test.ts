/**
 * Codex's npm script is skipped (issue #12): codex-wrap starts the native binary itself, with the
 * environment the real script (copied from the pinned @openai/codex) would give it.
 */
import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../support/fake-codex.js';
import { tempDir } from '../support/tmp.js';
import { useWorld } from '../support/world.js';

const w = useWorld();
const realPackage = dirname(createRequire(import.meta.url).resolve('@openai/codex/package.json'));
const triple = arch() === 'arm64' ? 'aarch64-unknown-linux-musl' : 'x86_64-unknown-linux-musl';

/** A global install of @openai/codex whose native binary is the codex stub; `pnpm` marks it as pnpm's. */
async function install(o: { pnpm?: boolean } = {}) {
  const prefix = await tempDir('npm-global-');
  const pkg = join(prefix, 'lib', 'node_modules', '@openai', 'codex');
  await mkdir(join(pkg, 'bin'), { recursive: true });
  await copyFile(join(realPackage, 'package.json'), join(pkg, 'package.json'));
  await copyFile(join(realPackage, 'bin', 'codex.js'), join(pkg, 'bin', 'codex.js'));
  await chmod(join(pkg, 'bin', 'codex.js'), 0o755);
  const native = join(pkg, 'vendor', triple, 'bin', 'codex');
  await mkdir(dirname(native), { recursive: true });
  await copyFile(fileURLToPath(new URL('../support/codex-stub.cjs', import.meta.url)), native);
  await chmod(native, 0o755);
  // The stub is CommonJS; @openai/codex's package.json says "type": "module".
  await writeFile(join(pkg, 'vendor', 'package.json'), '{ "type": "commonjs" }\n');
  await mkdir(join(prefix, 'bin'));
  await symlink(join(pkg, 'bin', 'codex.js'), join(prefix, 'bin', 'codex'));
  if (o.pnpm) await writeFile(join(prefix, 'lib', 'node_modules', '.modules.yaml'), 'layoutVersion: 5\n');
  return { bin: join(prefix, 'bin'), pkg };
}

const managed = (names: string[]) => names.filter((n) => n.startsWith('CODEX_MANAGED_')).sort();

/** The stub stands in for the Linux binary; elsewhere the layout differs (the case is shown skipped). */
const onLinux = process.platform === 'linux' ? test.each : test.skip.each;

onLinux([
  ['npm', {}, 'CODEX_MANAGED_BY_NPM'],
  ['pnpm', { pnpm: true }, 'CODEX_MANAGED_BY_PNPM'],
])('%s install: the native binary starts directly, with what the npm script would have set', async (_name, layout, byVar) => {
  const { bin, pkg } = await install(layout);
  const env = w.env({ PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin` }, { bare: true });

  // The script itself, as plain `codex` runs it: its child is the native binary.
  expect(spawnSync(join(bin, 'codex'), ['features', 'list'], { env: env as NodeJS.ProcessEnv }).status).toBe(0);
  const viaScript = await w.readReport();
  expect(viaScript.ppid).not.toBe(process.pid);

  const r = await w.run(['features', 'list'], { PATH: env.PATH as string }, { bare: true });
  expect(r.code).toBe(0);
  const direct = await w.readReport();
  expect(direct.ppid).toBe(process.pid); // started by codex-wrap (main() runs in this process)
  expect(direct.argv).toEqual(viaScript.argv);
  expect(managed(direct.envNames)).toEqual([byVar, 'CODEX_MANAGED_PACKAGE_ROOT']);
  expect(managed(viaScript.envNames)).toEqual(managed(direct.envNames));
  expect(direct.envHashes).toContain(sha256(await realpath(pkg)));
  expect(viaScript.envHashes).toContain(sha256(await realpath(pkg)));
});

test('a codex that is not the npm script (a native binary, another wrapper) runs as it is', async () => {
  const r = await w.run(['features', 'list'], {}, { bare: true });
  expect(r.code).toBe(0);
  const rep = await w.readReport();
  expect(rep.ppid).toBe(process.pid);
  expect(managed(rep.envNames)).toEqual([]);
});
