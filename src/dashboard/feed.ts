/**
 * The sessions running on this machine, as `status` reads them (the state files). While at least
 * one page watches, the list is read once a second and `onChange` hears each new one; with no page
 * open nothing is read and no timer is set (a dashboard left running wakes for nothing). Sessions
 * write their file when something changes, so a new list means a session started, ended, refreshed
 * or proxied.
 */
import type { Clock } from '../deps.js';
import { listSessions, type SessionState } from '../session/state.js';

export const POLL_MS = 1000;

export interface Feed {
  /** The list, read now (for a page that connects or asks). */
  now(): Promise<SessionState[]>;
  /** A page watches from now on: the list is polled until every watch has ended. Returns the end of this one. */
  watch(): () => void;
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
  let watchers = 0;
  let timer: unknown;
  let looping = false;
  let stopped = false;
  const read = async () => {
    const found = await listSessions(o.dir, o.isAlive, o.uid).catch(() => ({ sessions: [] as SessionState[] }));
    const text = JSON.stringify(found.sessions);
    if (text !== last && !stopped) {
      last = text;
      sessions = found.sessions;
      o.onChange(sessions);
    }
    return sessions;
  };
  const tick = async () => {
    timer = undefined;
    await read();
    if (stopped || watchers === 0) looping = false;
    else timer = o.clock.setTimeout(tick, POLL_MS);
  };
  return {
    now: read,
    watch() {
      watchers += 1;
      if (!looping && !stopped) {
        looping = true;
        timer = o.clock.setTimeout(tick, POLL_MS);
      }
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        watchers -= 1;
        // A read under way ends the loop itself when it finds no watcher.
        if (watchers === 0 && timer !== undefined) {
          o.clock.clearTimeout(timer);
          timer = undefined;
          looping = false;
        }
      };
    },
    stop() {
      stopped = true;
      if (timer !== undefined) o.clock.clearTimeout(timer);
    },
  };
}
