/**
 * Per-session state files for `codex-wrap status`: each running session keeps
 * `<sessions dir>/<pid>.json` (0600) up to date and removes it at exit; files of sessions that
 * died without cleaning up are pruned by whoever lists them.
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../deps.js';
import { privateDir, readRegular, writeAtomic } from '../files.js';

export interface SessionState {
  pid: number;
  cwd: string;
  mode: 'proxy' | 'direct' | 'mock';
  startedAt: number;
  tokenExpiresAt: number;
  lastRefreshAt?: number;
  lastRefreshOutcome?: string;
  refreshes: number;
  requestsProxied: number;
  upstreamErrors: number;
}

const FLUSH_MS = 2000;

/** Writes the snapshot now and whenever it changes (checked every 2 s); `stop` removes the file. */
export async function startStateFile(options: {
  dir: string;
  uid?: number;
  snapshot: () => SessionState;
  clock: Clock;
  note: (m: string) => void;
}) {
  const file = () => join(options.dir, `${options.snapshot().pid}.json`);
  let last = '';
  let timer: unknown;
  let stopped = false;
  const flush = async () => {
    const text = JSON.stringify(options.snapshot());
    if (text === last || stopped) return;
    last = text;
    await writeAtomic(file(), text, 0o600, { durable: false }).catch((err: Error) =>
      options.note(`session state not written: ${err.message}`),
    );
  };
  const tick = () => {
    void flush().finally(() => {
      if (!stopped) timer = options.clock.setTimeout(tick, FLUSH_MS);
    });
  };
  try {
    const why = await privateDir(options.dir, options.uid);
    if (why) {
      options.note(`session state not written: ${why}`);
      return { stop: async () => {} };
    }
    await flush();
  } catch (err) {
    options.note(`session state not written: ${(err as Error).message}`);
  }
  timer = options.clock.setTimeout(tick, FLUSH_MS);
  return {
    async stop() {
      stopped = true;
      options.clock.clearTimeout(timer);
      await unlink(file()).catch(() => {});
    },
  };
}

const isState = (v: unknown): v is SessionState => {
  const s = v as Record<string, unknown>;
  return (
    !!s &&
    typeof s === 'object' &&
    ['pid', 'startedAt', 'tokenExpiresAt', 'refreshes', 'requestsProxied', 'upstreamErrors'].every((k) => typeof s[k] === 'number') &&
    typeof s.cwd === 'string' &&
    typeof s.mode === 'string'
  );
};

/**
 * The sessions running now, from a directory that must be this user's own (not a link, not
 * someone else's). Only this user's own regular `<pid>.json` files are read, and only those of
 * dead processes are removed: nothing else is ever deleted (issue #8).
 */
export async function listSessions(
  dir: string,
  isAlive: (pid: number) => boolean,
  uid?: number,
): Promise<{ sessions: SessionState[]; problem?: string }> {
  const st = await lstat(dir).catch(() => undefined);
  if (!st) return { sessions: [] };
  if (!st.isDirectory()) return { sessions: [], problem: `${dir} is not a directory (a link?); not read` };
  if (uid !== undefined && st.uid !== uid) return { sessions: [], problem: `${dir} belongs to another user; not read` };
  const out: SessionState[] = [];
  for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+\.json$/.test(n))) {
    const path = join(dir, name);
    const pid = Number(name.slice(0, -5));
    const own = await lstat(path).then(
      (f) => f.isFile() && (uid === undefined || f.uid === uid),
      () => false,
    );
    if (!own) continue;
    if (!isAlive(pid)) {
      await unlink(path).catch(() => {});
      continue;
    }
    try {
      const file = await readRegular(path, { maxBytes: 64 * 1024, follow: false });
      const state = file && JSON.parse(file.text);
      if (isState(state)) out.push(state);
    } catch {
      // Being rewritten or damaged: shown next time.
    }
  }
  return { sessions: out.sort((a, b) => a.startedAt - b.startedAt) };
}
