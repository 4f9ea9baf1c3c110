// Bundles the CLI into dist/: one file to load at start-up, and a lazy chunk for each dependency
// that src/lazy.ts loads on first use (undici, proper-lockfile, openid-client, the TOML libraries)
// and for the commands loaded when they run (check, dashboard); the dashboard's page in dist/dashboard/.
import { copyFile, readFile, rm } from 'node:fs/promises';
import { build } from 'esbuild';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  legalComments: 'none',
  define: { CODEX_WRAP_VERSION: JSON.stringify(pkg.version) },
  // CommonJS dependencies (dotenv, commander) call require() for Node built-ins.
  banner: { js: "import { createRequire as __cwCreateRequire } from 'node:module'; const require = __cwCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});

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
