// Bundles the CLI into dist/cli.cjs: one CommonJS file to load at start-up, holding codex-wrap's
// code and the small dependencies every run uses (dotenv, chalk). The large dependencies that
// src/lazy.ts and `check` load on first use (undici, openid-client, the TOML libraries,
// proper-lockfile, execa) are bundled apart into dist/lib/*.cjs and required only when used; the
// dashboard's page goes to dist/dashboard/.
//
// CommonJS, not ESM, for start-up (issue #12): Node 20 starts a CommonJS entry without its ESM
// loader (module jobs, resolution of each chunk, a facade per built-in module that reads every
// export and so runs their lazy getters): some 13 ms of every run, measured side by side.
// The sources stay ESM (`"type": "module"`); tests run them as they are.
import { createHash } from 'node:crypto';
import { copyFile, readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await rm('dist', { recursive: true, force: true });

/** Loaded on first use, each from a file of its own: what the entry points of those files export. */
const LAZY = {
  undici: "module.exports = require('undici');",
  'proper-lockfile': "module.exports = require('proper-lockfile');",
  'openid-client': "export * from 'openid-client';",
  'smol-toml': "export * from 'smol-toml';",
  '@decimalturn/toml-patch': "export * from '@decimalturn/toml-patch';",
  execa: "export * from 'execa';",
  chalk: "export * from 'chalk';",
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
// The launcher: the bundle through V8's code cache (src/boot.ts), keyed by the bundle's hash.
const bundleHash = createHash('sha256')
  .update(await readFile('dist/cli.cjs'))
  .digest('hex')
  .slice(0, 16);
await build({
  ...node,
  stdin: { contents: "import { boot } from './src/boot.ts'; boot();", resolveDir: '.', loader: 'ts' },
  outfile: 'dist/boot.cjs',
  define: { ...node.define, CODEX_WRAP_BUNDLE_HASH: JSON.stringify(bundleHash) },
});
for (const [name, contents] of Object.entries(LAZY)) {
  await build({ ...node, stdin: { contents, resolveDir: '.', loader: 'js' }, outfile: `dist/${libFile(name)}` });
}

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
