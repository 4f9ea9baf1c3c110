/** Colour and the spinner, for stderr. Both only when a person is watching (a TTY). */
import type { ChalkInstance } from 'chalk';
import { loadChalk } from './lazy.js';

type Env = Readonly<Record<string, string | undefined>>;

/** NO_COLOR (no-color.org) wins over a TTY; FORCE_COLOR wins over both (0 turns colour off). Pure. */
export function colorLevel(env: Env, isTTY: boolean): 0 | 1 {
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false' ? 0 : 1;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  return isTTY && env.TERM !== 'dumb' ? 1 : 0;
}

/** chalk, loaded when something is printed in colour (an error, `check`'s report): never while a session starts (issue #12). */
export const paint = async (level: 0 | 1): Promise<ChalkInstance> => new (await loadChalk()).Chalk({ level });

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface Spinner {
  start(text: string): void;
  stop(): void;
}

/**
 * A one-line spinner on stderr, erased when stopped; nothing at all when `enabled` is false. A
 * function is asked when the spinner would start: whether stderr is a terminal is not worked out
 * (node:tty loaded) for a run that never waits on anything.
 */
export function createSpinner(write: (s: string) => void, enabled: boolean | (() => boolean)): Spinner {
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  return {
    start(text) {
      if (timer || !(typeof enabled === 'function' ? enabled() : enabled)) return;
      const draw = () => write(`\r${FRAMES[frame++ % FRAMES.length]} ${text}`);
      draw();
      timer = setInterval(draw, 80).unref();
    },
    stop() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      write('\r\x1b[2K');
    },
  };
}
