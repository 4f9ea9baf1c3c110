/**
 * Codex from npm is a Node script (`@openai/codex/bin/codex.js`) that only starts the native
 * binary: a second Node start (~120 ms and 44 MB) on every session (issue #12). When the codex found
 * is that script, codex-wrap starts the native binary itself, with what the script adds to its
 * environment: CODEX_MANAGED_PACKAGE_ROOT and one CODEX_MANAGED_BY_{NPM,BUN,PNPM,VITE_PLUS}=1,
 * the package manager decided as the script decides it (read from @openai/codex 0.171.0's
 * bin/codex.js; re-check when the pin moves). Any other layout: undefined, and the script runs.
 */
import { basename, dirname, join, parse, resolve } from 'node:path';

/** The file system, as far as the decision needs it (sync: a handful of stat calls at start). */
export interface Probe {
  exists(path: string): boolean;
  /** Throws when the path does not exist. */
  realpath(path: string): string;
  /** Throws when the file cannot be read. */
  read(path: string): string;
  /** Node's module resolution from `from`; undefined when not found. */
  resolveFrom(from: string, request: string): string | undefined;
}

const TRIPLES: Record<string, string> = {
  'linux-x64': 'x86_64-unknown-linux-musl',
  'linux-arm64': 'aarch64-unknown-linux-musl',
  'android-x64': 'x86_64-unknown-linux-musl',
  'android-arm64': 'aarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
  'win32-x64': 'x86_64-pc-windows-msvc',
  'win32-arm64': 'aarch64-pc-windows-msvc',
};
const PLATFORM_PACKAGES: Record<string, string> = {
  'x86_64-unknown-linux-musl': '@openai/codex-linux-x64',
  'aarch64-unknown-linux-musl': '@openai/codex-linux-arm64',
  'x86_64-apple-darwin': '@openai/codex-darwin-x64',
  'aarch64-apple-darwin': '@openai/codex-darwin-arm64',
  'x86_64-pc-windows-msvc': '@openai/codex-win32-x64',
  'aarch64-pc-windows-msvc': '@openai/codex-win32-arm64',
};
const MANAGED_BY = ['CODEX_MANAGED_BY_NPM', 'CODEX_MANAGED_BY_BUN', 'CODEX_MANAGED_BY_PNPM', 'CODEX_MANAGED_BY_VITE_PLUS'] as const;

type Env = Readonly<Record<string, string | undefined>>;
type Manager = 'npm' | 'bun' | 'pnpm' | 'vite-plus' | null;

const attempt = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch {
    return undefined;
  }
};

function pnpmOwns(nodeModules: string, root: string, fs: Probe): boolean {
  return fs.exists(join(nodeModules, '.modules.yaml')) && attempt(() => fs.realpath(join(nodeModules, '@openai', 'codex'))) === root;
}

function vitePlusOwns(packages: string, root: string, fs: Probe): boolean {
  if (basename(packages) !== 'packages') return false;
  const meta = attempt(() => JSON.parse(fs.read(join(packages, '@openai', 'codex.json'))) as { name?: unknown; installId?: unknown });
  if (meta?.name !== '@openai/codex') return false;
  const id = typeof meta.installId === 'string' ? meta.installId : '';
  const installDir = id.startsWith('#') ? join(packages, `@openai/codex${id}`) : join(packages, '@openai/codex', id);
  return [join(installDir, 'lib', 'node_modules'), join(installDir, 'node_modules')].some((modules) => {
    const packageRoot = join(modules, '@openai', 'codex');
    return fs.exists(packageRoot) && attempt(() => fs.realpath(packageRoot)) === root;
  });
}

/** The package manager that installed Codex, decided as bin/codex.js decides it. */
export function managerOf(o: { root: string; entrypointDir: string; scriptDir: string; env: Env; fs: Probe }): Manager {
  for (const start of new Set([o.root, o.entrypointDir])) {
    const top = parse(start).root;
    for (let dir = start; dir !== top; dir = dirname(dir)) {
      if (vitePlusOwns(dir, o.root, o.fs)) return 'vite-plus';
      if (pnpmOwns(join(dir, 'node_modules'), o.root, o.fs)) return 'pnpm';
    }
    if (pnpmOwns(join(top, 'node_modules'), o.root, o.fs)) return 'pnpm';
  }
  const userAgent = o.env.npm_config_user_agent ?? '';
  if (/\bbun\//.test(userAgent) || (o.env.npm_execpath ?? '').includes('bun')) return 'bun';
  if (o.scriptDir.includes('.bun/install/global') || o.scriptDir.includes('.bun\\install\\global')) return 'bun';
  return userAgent ? 'npm' : null;
}

/**
 * How to start Codex without its npm script: the native binary and its environment, or undefined
 * when `found` is not @openai/codex's script (or its native binary is missing).
 */
export function nativeCodex(
  found: string,
  o: { env: Env; platform: string; arch: string; fs: Probe },
): { bin: string; env: Env } | undefined {
  const script = attempt(() => o.fs.realpath(found));
  if (!script || basename(script) !== 'codex.js' || basename(dirname(script)) !== 'bin') return undefined;
  const root = attempt(() => o.fs.realpath(join(dirname(script), '..')));
  if (!root || attempt(() => (JSON.parse(o.fs.read(join(root, 'package.json'))) as { name?: unknown }).name) !== '@openai/codex')
    return undefined;
  const triple = TRIPLES[`${o.platform}-${o.arch}`];
  if (!triple) return undefined;
  const platformPackage = o.fs.resolveFrom(script, `${PLATFORM_PACKAGES[triple]}/package.json`);
  const vendor = platformPackage ? join(dirname(platformPackage), 'vendor') : join(dirname(script), '..', 'vendor');
  const bin = join(vendor, triple, 'bin', o.platform === 'win32' ? 'codex.exe' : 'codex');
  if (!o.fs.exists(bin)) return undefined;
  const manager = managerOf({ root, entrypointDir: dirname(resolve(found)), scriptDir: dirname(script), env: o.env, fs: o.fs });
  const env: Record<string, string | undefined> = { ...o.env, CODEX_MANAGED_PACKAGE_ROOT: root };
  for (const name of MANAGED_BY) delete env[name];
  env[
    manager === 'bun'
      ? 'CODEX_MANAGED_BY_BUN'
      : manager === 'pnpm'
        ? 'CODEX_MANAGED_BY_PNPM'
        : manager === 'vite-plus'
          ? 'CODEX_MANAGED_BY_VITE_PLUS'
          : 'CODEX_MANAGED_BY_NPM'
  ] = '1';
  return { bin, env };
}
