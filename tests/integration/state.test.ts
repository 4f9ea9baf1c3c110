/** The session state file (issue #12): written at start, then only on change — an idle session sets no timer. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SessionState, startStateFile, WRITE_DELAY_MS } from '../../src/session/state.js';
import { manualClock, sessionState } from '../support/session.js';
import { tempDir } from '../support/tmp.js';

test('idle: no timer at all; a burst of changes: one timer, one write; stop removes the file', async () => {
  const dir = join(await tempDir('state-'), 'sessions');
  const clock = manualClock();
  const timers: number[] = [];
  const counting = {
    ...clock,
    setTimeout: (fn: () => void, ms: number) => {
      timers.push(ms);
      return clock.setTimeout(fn, ms);
    },
  };
  const state = sessionState();
  const file = startStateFile({ dir, snapshot: () => ({ ...state }), clock: counting, note: () => {} });
  const read = async () => JSON.parse(await readFile(join(dir, '4242.json'), 'utf8')) as SessionState;
  // The file itself, not any entry: the write's temp file shows first, then is renamed.
  for (let i = 0; i < 50 && !(await readdir(dir).catch((): string[] => [])).includes('4242.json'); i++)
    await new Promise((r) => setTimeout(r, 10));
  expect((await read()).requestsProxied).toBe(0);
  clock.advance(3_600_000); // an hour of idling
  expect(timers).toEqual([]);

  for (let i = 0; i < 100; i++) {
    state.requestsProxied += 1;
    file.changed();
  }
  expect(timers).toEqual([WRITE_DELAY_MS]);
  clock.advance(WRITE_DELAY_MS);
  for (let i = 0; i < 50 && (await read()).requestsProxied !== 100; i++) await new Promise((r) => setTimeout(r, 10));
  expect((await read()).requestsProxied).toBe(100);

  await file.stop();
  expect(await readdir(dir)).toEqual([]);
});
