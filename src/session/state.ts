/**
 * Per-session state files for `codex-wrap status`: each running session keeps
 * `<sessions dir>/<pid>.json` (0600) up to date and removes it at exit; files of sessions that
 * died without cleaning up are pruned by whoever lists them.
 */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { privateDir, readRegular, writeAtomic } from '../files.js';
import type { Clock } from '../token/refresh.js';

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
export async function startStateFile(o: {
  dir: string;
  uid?: number;
  snapshot: () => SessionState;
  clock: Clock;
  note: (m: string) => void;
}) {
  const file = () => join(o.dir, `${o.snapshot().pid}.json`);
  let last = '';
  let timer: unknown;
  let stopped = false;
  const flush = async () => {
    const text = JSON.stringify(o.snapshot());
    if (text === last || stopped) return;
    last = text;
    await writeAtomic(file(), text, 0o600, false).catch((err: Error) => o.note(`session state not written: ${err.message}`));
  };
  const tick = () => {
    void flush().finally(() => {
      if (!stopped) timer = o.clock.setTimeout(tick, FLUSH_MS);
    });
  };
  try {
    const why = await privateDir(o.dir, o.uid);
    if (why) {
      o.note(`session state not written: ${why}`);
      return { stop: async () => {} };
    }
    await flush();
  } catch (err) {
    o.note(`session state not written: ${(err as Error).message}`);
  }
  timer = o.clock.setTimeout(tick, FLUSH_MS);
  return {
    async stop() {
      stopped = true;
      o.clock.clearTimeout(timer);
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

/** Control characters shown as escapes: a state file must not drive the terminal. Pure. */
export const printable = (text: string): string =>
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const ago = (now: number, t?: number) => (t === undefined ? '-' : `${Math.max(0, Math.round((now - t) / 1000))}s ago`);
const until = (now: number, t: number) => (t <= now ? 'expired' : `in ${Math.round((t - now) / 1000)}s`);

/** The table `codex-wrap status` prints. Pure. */
export function formatSessions(sessions: readonly SessionState[], now: number): string {
  if (sessions.length === 0) return 'no codex-wrap session is running\n';
  const rows = [
    ['PID', 'MODE', 'TOKEN EXPIRES', 'LAST REFRESH', 'REFRESHES', 'REQUESTS', 'ERRORS', 'CWD'],
    ...sessions.map((s) => [
      String(s.pid),
      printable(s.mode),
      until(now, s.tokenExpiresAt),
      s.lastRefreshAt === undefined ? '-' : printable(`${ago(now, s.lastRefreshAt)} ${s.lastRefreshOutcome ?? ''}`.trim()),
      String(s.refreshes),
      String(s.requestsProxied),
      String(s.upstreamErrors),
      printable(s.cwd),
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')}\n`;
}
