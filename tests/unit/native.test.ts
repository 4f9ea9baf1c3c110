import { managerOf, type Probe } from '../../src/codex/native.js';

/** A file system of `files` (path → content); every path is its own realpath unless `links` says otherwise. */
const probe = (files: Record<string, string>, links: Record<string, string> = {}): Probe => ({
  exists: (p) => p in files || p in links,
  realpath: (p) => {
    if (p in links) return links[p];
    if (p in files) return p;
    throw new Error('ENOENT');
  },
  read: (p) => {
    if (p in files) return files[p];
    throw new Error('ENOENT');
  },
  resolveFrom: () => undefined,
});

const root = '/g/lib/node_modules/@openai/codex';
const base = { root, entrypointDir: '/g/bin', scriptDir: `${root}/bin` };

test.each([
  ['npm without a user agent (the script then says npm too)', probe({}), {}, null],
  ['npm by its user agent', probe({}), { npm_config_user_agent: 'npm/11.0.0 node/v20' }, 'npm'],
  ['bun by its user agent', probe({}), { npm_config_user_agent: 'bun/1.2.0' }, 'bun'],
  ['bun by npm_execpath', probe({}), { npm_execpath: '/home/u/.bun/bin/bun' }, 'bun'],
  [
    'pnpm: a .modules.yaml whose @openai/codex is this package',
    probe({ '/g/lib/node_modules/.modules.yaml': '' }, { '/g/lib/node_modules/@openai/codex': root }),
    {},
    'pnpm',
  ],
  [
    'vite-plus: packages/@openai/codex.json naming this install',
    probe(
      { '/g/packages/@openai/codex.json': JSON.stringify({ name: '@openai/codex', installId: 'abc' }) },
      { '/g/packages/@openai/codex/abc/node_modules/@openai/codex': root },
    ),
    {},
    'vite-plus',
  ],
] as const)('%s', (_name, fs, env, want) => {
  const entry = want === 'vite-plus' ? { ...base, entrypointDir: '/g/packages/x' } : base;
  expect(managerOf({ ...entry, env, fs })).toBe(want);
});
