/**
 * Dependencies loaded on first use, not at start-up (issue #3's start-up aim). Bundled CommonJS
 * modules arrive as `{ default: module }`; unbundled (tests) with named exports: accept both.
 */
type Undici = typeof import('undici');
type Lockfile = typeof import('proper-lockfile');

const interop = <T>(mod: unknown, probe: keyof T): T => ((mod as T)[probe] ? (mod as T) : (mod as { default: T }).default);

let undici: Promise<Undici> | undefined;
export const loadUndici = (): Promise<Undici> => {
  undici ??= import('undici').then((m) => interop<Undici>(m, 'Agent'));
  return undici;
};

export const loadLockfile = (): Promise<Lockfile> => import('proper-lockfile').then((m) => interop<Lockfile>(m, 'lock'));
