/**
 * The sessions running on this machine, as `status` reads them (the state files), looked at once a
 * second while the dashboard runs; `onChange` hears each new list. Sessions write their file when
 * something changes, so a new list means a session started, ended, refreshed or proxied.
 */
import type { Clock } from '../deps.js';
import { listSessions, type SessionState } from '../session/state.js';

export const POLL_MS = 1000;

export interface Feed {
  current(): SessionState[];
  /** The first list has been read. */
  ready: Promise<void>;
  stop(): void;
}

export function watchSessions(o: {
  dir: string;
  uid?: number;
  isAlive: (pid: number) => boolean;
  clock: Clock;
  onChange: (sessions: SessionState[]) => void;
}): Feed {
  let sessions: SessionState[] = [];
  let last = '';
  let timer: unknown;
  let stopped = false;
  const look = async () => {
    const found = await listSessions(o.dir, o.isAlive, o.uid).catch(() => ({ sessions: [] as SessionState[] }));
    if (stopped) return;
    const text = JSON.stringify(found.sessions);
    if (text !== last) {
      last = text;
      sessions = found.sessions;
      o.onChange(sessions);
    }
    timer = o.clock.setTimeout(look, POLL_MS);
  };
  const ready = look();
  return {
    current: () => sessions,
    ready,
    stop() {
      stopped = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
    },
  };
}
