/**
 * Per-session state files for `codex-wrap status`: each running session keeps
 * `<sessions dir>/<pid>.json` (0600) up to date and removes it at exit; files of sessions that
 * died without cleaning up are pruned by whoever lists them.
 */
import { join } from 'node:path';
import type { Clock } from '../deps.js';
import { privateDir, readRegular, writeAtomic } from '../files.js';
import { lstat, readdir, unlink } from '../fs.js';

export interface SessionState {
  pid: number;
  cwd: string;
  mode: 'proxy' | 'direct' | 'mock';
  /** The model Codex is pinned to, and the gateway's host (none: the mock model). */
  model?: string;
  gateway?: string;
  startedAt: number;
  tokenExpiresAt: number;
  lastRefreshAt?: number;
  lastRefreshOutcome?: string;
  refreshes: number;
  requestsProxied: number;
  upstreamErrors: number;
}

/** Changes that come together (a burst of requests) are written once, this long after the first. */
export const WRITE_DELAY_MS = 1000;
/**
 * The first write comes this long after the start: after Codex's start and, in `exec`, usually
 * after its first request. The write (the directory check, a temp file, a rename, Node's thread
 * pool started for them) costs 1.3–4 ms of CPU the first time; at 100 ms it met Codex's start, which
 * keeps both cores of a 2-core machine busy, and now and then Codex's first request, which waited
 * for it (issue #12). A session that ends sooner (a Codex that exits at once, a short `exec`)
 * neither writes nor removes a file. `status` shows a session from its first second.
 */
export const FIRST_WRITE_MS = 1000;

export interface StateFile {
  /** Something `status` shows changed: written within WRITE_DELAY_MS, once for a burst. */
  changed(): void;
  /** Removes the file, if one was written (after any write under way). */
  stop(): Promise<void>;
}

/**
 * Writes the snapshot FIRST_WRITE_MS after the start, then only when told it changed: an idle
 * session sets no timer and wakes nothing (issue #12; a 2-s poll woke the process 5–11 times per
 * 10 s while Codex idled). `status` counts the token's expiry down from the time written, so
 * nothing needs a periodic write.
 */
export function startStateFile(options: {
  dir: string;
  uid?: number;
  snapshot: () => SessionState;
  clock: Clock;
  note: (m: string) => void;
}): StateFile {
  const file = () => join(options.dir, `${options.snapshot().pid}.json`);
  let last = '';
  let stopped = false;
  let usable: Promise<boolean> | undefined;
  const isUsable = () => {
    usable ??= privateDir(options.dir, options.uid).then(
      (why) => {
        if (why) options.note(`session state not written: ${why}`);
        return !why;
      },
      (err: Error) => {
        options.note(`session state not written: ${err.message}`);
        return false;
      },
    );
    return usable;
  };
  const flush = async () => {
    if (stopped || !(await isUsable())) return;
    const text = JSON.stringify(options.snapshot());
    if (text === last) return;
    last = text;
    await writeAtomic(file(), text, 0o600, { durable: false }).catch((err: Error) =>
      options.note(`session state not written: ${err.message}`),
    );
  };
  let writing: Promise<void> = Promise.resolve();
  const later = (ms: number) =>
    options.clock.setTimeout(() => {
      timer = undefined;
      writing = writing.then(flush);
    }, ms);
  let timer: unknown = later(FIRST_WRITE_MS);
  return {
    changed() {
      if (timer === undefined && !stopped) timer = later(WRITE_DELAY_MS);
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) options.clock.clearTimeout(timer);
      await writing;
      if (last) await unlink(file()).catch(() => {}); // written, so its dir was usable
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
