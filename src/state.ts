/**
 * Per-session state files for `codex-wrap status`: each running session keeps
 * `<sessions dir>/<pid>.json` (0600) up to date and removes it at exit; files of sessions that
 * died without cleaning up are pruned by whoever lists them.
 */
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomic } from './files.js';
import type { Clock } from './refresh.js';

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
export async function startStateFile(o: { dir: string; snapshot: () => SessionState; clock: Clock; note: (m: string) => void }) {
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
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
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

/** The sessions running now; state files of dead processes are removed. */
export async function listSessions(dir: string, isAlive: (pid: number) => boolean): Promise<SessionState[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: SessionState[] = [];
  for (const name of names.filter((n) => /^\d+\.json$/.test(n))) {
    const path = join(dir, name);
    const pid = Number(name.slice(0, -5));
    if (!isAlive(pid)) {
      await unlink(path).catch(() => {});
      continue;
    }
    try {
      out.push(JSON.parse(await readFile(path, 'utf8')) as SessionState);
    } catch {
      // Being rewritten or damaged: shown next time.
    }
  }
  return out.sort((a, b) => a.startedAt - b.startedAt);
}

const ago = (now: number, t?: number) => (t === undefined ? '-' : `${Math.max(0, Math.round((now - t) / 1000))}s ago`);
const until = (now: number, t: number) => (t <= now ? 'expired' : `in ${Math.round((t - now) / 1000)}s`);

/** The table `codex-wrap status` prints. Pure. */
export function formatSessions(sessions: readonly SessionState[], now: number): string {
  if (sessions.length === 0) return 'no codex-wrap session is running\n';
  const rows = [
    ['PID', 'MODE', 'TOKEN EXPIRES', 'LAST REFRESH', 'REFRESHES', 'REQUESTS', 'ERRORS', 'CWD'],
    ...sessions.map((s) => [
      String(s.pid),
      s.mode,
      until(now, s.tokenExpiresAt),
      s.lastRefreshAt === undefined ? '-' : `${ago(now, s.lastRefreshAt)} ${s.lastRefreshOutcome ?? ''}`.trim(),
      String(s.refreshes),
      String(s.requestsProxied),
      String(s.upstreamErrors),
      s.cwd,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')}\n`;
}
