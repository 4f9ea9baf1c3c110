import { codeCachePath } from '../../src/boot.js';

const build = { bundleHash: '0123abcd', node: 'v20.20.2', arch: 'x64' };

test.each([
  [{}, '/home/u/.cache/codex-wrap/v8/cli-0123abcd-v20.20.2-x64.cache'],
  [{ XDG_CACHE_HOME: '/xdg' }, '/xdg/codex-wrap/v8/cli-0123abcd-v20.20.2-x64.cache'],
  // The XDG rule: a relative path is ignored.
  [{ XDG_CACHE_HOME: 'rel' }, '/home/u/.cache/codex-wrap/v8/cli-0123abcd-v20.20.2-x64.cache'],
  [{ NODE_DISABLE_COMPILE_CACHE: '1' }, undefined],
])('codeCachePath(%j) → %s', (env, path) => {
  expect(codeCachePath(env, '/home/u', build)).toBe(path);
});

test('another bundle, Node version or architecture gets a cache file of its own', () => {
  const paths = [build, { ...build, bundleHash: 'ffff' }, { ...build, node: 'v20.19.0' }, { ...build, arch: 'arm64' }].map((b) =>
    codeCachePath({}, '/h', b),
  );
  expect(new Set(paths).size).toBe(4);
});
