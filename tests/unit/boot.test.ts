import { jest } from '@jest/globals';
import { cacheFileBytes, cacheUpdate, codeCachePath, parseCacheFile } from '../../src/boot.js';
import { partBit, RUN_PARTS } from '../../src/run-parts.js';

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

test('a library of the bundle has a file of its own, named like the bundle’s', () => {
  expect(codeCachePath({}, '/home/u', build, 'lib-undici')).toBe('/home/u/.cache/codex-wrap/v8/lib-undici-0123abcd-v20.20.2-x64.cache');
});

test('another bundle, Node version or architecture gets a cache file of its own', () => {
  const paths = [build, { ...build, bundleHash: 'ffff' }, { ...build, node: 'v20.19.0' }, { ...build, arch: 'arm64' }].map((b) =>
    codeCachePath({}, '/h', b),
  );
  expect(new Set(paths).size).toBe(4);
});

describe('the cache file and what a run adds to it', () => {
  const old = { covers: partBit('command'), data: Buffer.alloc(100, 1) };
  const grown = Buffer.alloc(150, 2);
  const fresh = jest.fn(() => grown);
  beforeEach(() => fresh.mockClear());
  const session = partBit('session');

  test('bytes round-trip; another format (an older launcher’s, a corrupt file) is no cache file', () => {
    const file = { covers: partBit('session') | partBit('request'), data: Buffer.from('v8 data') };
    expect(parseCacheFile(cacheFileBytes(file))).toEqual(file);
    for (const bytes of [Buffer.alloc(4096, 7), Buffer.from('cwc1'), Buffer.from('cwc1\x05'), Buffer.alloc(0)]) {
      expect(parseCacheFile(bytes)).toBeUndefined();
    }
  });

  test('no cache, or one V8 refused: this run’s code, holding what this run went through', () => {
    expect(cacheUpdate({ old: undefined, rejected: false, ran: session, fresh })).toEqual({ covers: session, data: grown });
    expect(cacheUpdate({ old, rejected: true, ran: session, fresh })).toEqual({ covers: session, data: grown });
  });

  test('a run through parts the cache holds writes nothing and asks V8 for nothing', () => {
    expect(cacheUpdate({ old, rejected: false, ran: partBit('command'), fresh })).toBeUndefined();
    expect(cacheUpdate({ old, rejected: false, ran: 0, fresh })).toBeUndefined();
    expect(fresh).not.toHaveBeenCalled();
  });

  test('a run through a part the cache lacks: its code (the cache’s and its own) marked as holding both', () => {
    expect(cacheUpdate({ old, rejected: false, ran: session, fresh })).toEqual({ covers: partBit('command') | session, data: grown });
  });

  test('…unless its code is not larger (V8 dropped some): the cache’s data, marked, so the part is not tried again', () => {
    const smaller = jest.fn(() => Buffer.alloc(80, 3));
    expect(cacheUpdate({ old, rejected: false, ran: session, fresh: smaller })).toEqual({
      covers: partBit('command') | session,
      data: old.data,
    });
  });

  test('every part has a bit of its own in the header’s byte', () => {
    const bits = RUN_PARTS.map(partBit);
    expect(new Set(bits).size).toBe(RUN_PARTS.length);
    expect(Math.max(...bits)).toBeLessThan(256);
  });
});
