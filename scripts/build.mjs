// Bundles the CLI (start-up: one file to load; openid-client stays a lazy chunk).
import { readFile, rm } from 'node:fs/promises';
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

// The demo (npm run demo) runs from a clone: its test servers stay external node_modules imports.
if (process.argv.includes('--demo')) {
  await build({
    entryPoints: ['scripts/demo.ts'],
    outfile: '.build/demo.js',
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
}
