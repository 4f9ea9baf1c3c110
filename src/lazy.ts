/**
 * Dependencies loaded on first use, not at start-up: a run that never needs them never pays for
 * them (a mock session needs no undici, an unchanged profile file no TOML library, a cached token no
 * openid-client, a run that prints nothing in colour no chalk, a run without settings files no dotenv). Each is loaded once. Bundled
 * CommonJS modules arrive as `{ default: module }`; unbundled (tests) with named exports: accept both.
 */
import type * as TomlPatch from '@decimalturn/toml-patch';
import type * as SmolToml from 'smol-toml';

type Undici = typeof import('undici');
type Lockfile = typeof import('proper-lockfile');
type OpenidClient = typeof import('openid-client');
type Dotenv = typeof import('dotenv');

/** The two TOML libraries Codex's config files need: smol-toml to read, toml-patch to edit in place. */
export interface Toml {
  parse: typeof SmolToml.parse;
  stringify: typeof SmolToml.stringify;
  patch: typeof TomlPatch.patch;
}

const interop = <T>(mod: unknown, probe: keyof T): T => ((mod as T)[probe] ? (mod as T) : (mod as { default: T }).default);

const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
};

/** The web classes openid-client and cappedFetch (token/source.ts) use as globals. */
const WEB_GLOBALS = ['Headers', 'Request', 'Response'] as const;

/**
 * undici, whose Headers, Request and Response become this process's globals: Node 20's own are a
 * second copy of undici behind lazy getters, and the first `new Headers()` (openid-client's) loaded
 * it, http2 and all — ~21 ms of a start that needs a grant (issue #12). Both are undici, the same
 * classes. Only codex-wrap's process: Codex and every other child have their own.
 */
export const loadUndici = once(() =>
  import('undici').then((m) => {
    const undici = interop<Undici>(m, 'Agent');
    for (const name of WEB_GLOBALS) Object.defineProperty(globalThis, name, { value: undici[name], writable: true, configurable: true });
    return undici;
  }),
);
export const loadLockfile = once(() => import('proper-lockfile').then((m) => interop<Lockfile>(m, 'lock')));
/** openid-client, after undici (loadUndici): its requests go through undici, and it uses the web globals. */
export const loadOpenidClient = once(async (): Promise<OpenidClient> => {
  await loadUndici();
  return import('openid-client');
});
export const loadChalk = once(() => import('chalk'));
/** dotenv, for a settings file that exists (it loads node:os at once: not for a run without one). */
export const loadDotenv = once(() => import('dotenv').then((m) => interop<Dotenv>(m, 'parse')));
export const loadToml = once(async (): Promise<Toml> => {
  const [smol, tp] = await Promise.all([import('smol-toml'), import('@decimalturn/toml-patch')]);
  return { parse: smol.parse, stringify: smol.stringify, patch: tp.patch };
});
