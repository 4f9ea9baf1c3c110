// Bundles the CLI into dist/cli.cjs: one CommonJS file to load at start-up, holding codex-wrap's
// code. The dependencies that src/lazy.ts and `check` load on first use (undici, openid-client, the
// TOML libraries, proper-lockfile, execa, chalk, dotenv) are bundled apart into dist/lib/*.cjs and
// required only when used; the dashboard's page goes to dist/dashboard/.
//
// CommonJS, not ESM, for start-up (issue #12): Node 20 starts a CommonJS entry without its ESM
// loader (module jobs, resolution of each chunk, a facade per built-in module that reads every
// export and so runs their lazy getters): some 13 ms of every run, measured side by side.
// The sources stay ESM (`"type": "module"`); tests run them as they are.
import { createHash } from 'node:crypto';
import { chmod, copyFile, readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await rm('dist', { recursive: true, force: true });
await rm('bin', { recursive: true, force: true });

const LAUNCHER_BANNER = `#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS CODEX_WRAP_EXTRA_CA=\${NODE_EXTRA_CA_CERTS} node --no-memory-reducer --
// NODE_EXTRA_CA_CERTS moved aside: Node would parse its bundle at start, before any code runs (some
// 90 ms per run for a system bundle here, issue #12). codex-wrap puts it back at once (src/cli.ts),
// so Codex and every other child see it, and trusts its certificates on the connections it makes.
// \`node --\`: Node 20 would otherwise take codex-wrap's own --env-file as an option of its own (issue #9).
// --no-memory-reducer: a session idles for hours while Codex waits on its user, and V8's memory
// reducer would wake it for a GC some 8 s after each burst of work (issue #12: 0 wake-ups while
// idle). The heap it would shrink is a few MB.
// CommonJS (.cjs): Node starts it without its ESM loader (scripts/build.mjs says why). This file is
// built from src/boot.ts (npm run build): it runs the bundle, dist/cli.cjs, through V8's code cache.`;

/** Loaded on first use, each from a file of its own: what the entry points of those files export. */
const LAZY = {
  undici: "module.exports = require('undici');",
  'proper-lockfile': "module.exports = require('proper-lockfile');",
  'openid-client': "export * from 'openid-client';",
  'smol-toml': "export * from 'smol-toml';",
  '@decimalturn/toml-patch': "export * from '@decimalturn/toml-patch';",
  execa: "export * from 'execa';",
  chalk: "export * from 'chalk';",
  dotenv: "module.exports = require('dotenv');",
};
const libFile = (name) => `lib/${name.replace(/^@[^/]+\//, '')}.cjs`;

const node = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  // import() becomes require(): a lazy library is a CommonJS file, loaded without the ESM loader.
  supported: { 'dynamic-import': false },
  // `import.meta.url` of the sources (assets beside the bundle, createRequire), in CommonJS.
  define: { 'import.meta.url': '__cwModuleUrl', CODEX_WRAP_VERSION: JSON.stringify(pkg.version) },
  inject: ['scripts/module-url.js'],
  logLevel: 'warning',
};

await build({
  ...node,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.cjs',
  plugins: [
    {
      name: 'lazy-libraries',
      setup(b) {
        const names = Object.keys(LAZY).map((n) => n.replace(/[/\\]/g, '\\$&'));
        b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: `./${libFile(args.path)}`, external: true }));
      },
    },
  ],
});
for (const [name, contents] of Object.entries(LAZY)) {
  await build({ ...node, stdin: { contents, resolveDir: '.', loader: 'js' }, outfile: `dist/${libFile(name)}` });
}
// The launcher, bin/codex-wrap.cjs: the bundle and its libraries through V8's code cache
// (src/boot.ts), keyed by a hash of them all. Built, not a file that requires a built one: a second
// module to find, read and compile on every run cost ~0.7 ms (issue #12). Its shebang and why:
// LAUNCHER_BANNER.
const hash = createHash('sha256');
for (const file of ['dist/cli.cjs', ...Object.keys(LAZY).map((name) => `dist/${libFile(name)}`)]) hash.update(await readFile(file));
const bundleHash = hash.digest('hex').slice(0, 16);
await build({
  ...node,
  stdin: { contents: "import { boot } from './src/boot.ts'; boot();", resolveDir: '.', loader: 'ts' },
  outfile: 'bin/codex-wrap.cjs',
  banner: { js: LAUNCHER_BANNER },
  define: { ...node.define, CODEX_WRAP_BUNDLE_HASH: JSON.stringify(bundleHash) },
});
await chmod('bin/codex-wrap.cjs', 0o755);

// The dashboard's page: its script for current browsers, beside its HTML and CSS (read at run time).
await build({
  entryPoints: ['src/dashboard/page/app.ts'],
  outfile: 'dist/dashboard/app.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120', 'firefox120', 'safari17'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css', 'favicon.svg']) await copyFile(`src/dashboard/page/${file}`, `dist/dashboard/${file}`);

// The demo and the benchmark run from a clone: their test servers stay external node_modules imports.
for (const name of ['demo', 'bench', 'screenshot'].filter((n) => process.argv.includes(`--${n}`))) {
  await build({
    entryPoints: [`scripts/${name}.ts`],
    outfile: `.build/${name}.js`,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}
