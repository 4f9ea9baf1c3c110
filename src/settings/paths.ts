/** Where codex-wrap keeps its files, by the XDG base directory rules. Pure. */
import { join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

const base = (env: Env, name: string, home: string, fallback: string) => {
  const v = env[name];
  // The spec: relative paths are invalid and must be ignored.
  return v?.startsWith('/') ? v : join(home, fallback);
};

export const configDir = (env: Env, home: string) => join(base(env, 'XDG_CONFIG_HOME', home, '.config'), 'codex-wrap');
export const userEnvFile = (env: Env, home: string) => join(configDir(env, home), '.env');
export const cacheDir = (env: Env, home: string) => join(base(env, 'XDG_CACHE_HOME', home, '.cache'), 'codex-wrap');
const stateDir = (env: Env, home: string) => join(base(env, 'XDG_STATE_HOME', home, '.local/state'), 'codex-wrap');
export const sessionsDir = (env: Env, home: string) => join(stateDir(env, home), 'sessions');
/** --verbose logs of interactive sessions (the TUI owns the terminal). */
export const logsDir = (env: Env, home: string) => join(stateDir(env, home), 'logs');
/** Approved project files (`codex-wrap allow`). */
export const allowDir = (env: Env, home: string) => join(stateDir(env, home), 'allowed');
/** The dashboard's login pages for the browser it opens (the token stays off every command line). */
export const dashboardDir = (env: Env, home: string) => join(stateDir(env, home), 'dashboard');
