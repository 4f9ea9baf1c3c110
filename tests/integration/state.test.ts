/** The session state file (issue #12): written once Codex has started, then only on change — an idle session sets no timer. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIRST_WRITE_MS, type SessionState, startStateFile, WRITE_DELAY_MS } from '../../src/session/state.js';
import { countingClock, manualClock, sessionState } from '../support/session.js';
import { tempDir } from '../support/tmp.js';

test('the first write once Codex has started; idle: no timer after it; a burst of changes: one timer, one write; stop removes the file', async () => {
  const dir = join(await tempDir('state-'), 'sessions');
  const clock = countingClock();
  const { timers } = clock;
  const state = sessionState();
  const file = startStateFile({ dir, snapshot: () => ({ ...state }), clock, note: () => {} });
  const read = async () => JSON.parse(await readFile(join(dir, '4242.json'), 'utf8')) as SessionState;
  expect(timers).toEqual([FIRST_WRITE_MS]);
  clock.advance(FIRST_WRITE_MS);
  // The file itself, not any entry: the write's temp file shows first, then is renamed.
  for (let i = 0; i < 50 && !(await readdir(dir).catch((): string[] => [])).includes('4242.json'); i++)
    await new Promise((r) => setTimeout(r, 10));
  expect((await read()).requestsProxied).toBe(0);
  clock.advance(3_600_000); // an hour of idling
  expect(timers).toEqual([FIRST_WRITE_MS]);

  for (let i = 0; i < 100; i++) {
    state.requestsProxied += 1;
    file.changed();
  }
  expect(timers).toEqual([FIRST_WRITE_MS, WRITE_DELAY_MS]);
  clock.advance(WRITE_DELAY_MS);
  for (let i = 0; i < 50 && (await read()).requestsProxied !== 100; i++) await new Promise((r) => setTimeout(r, 10));
  expect((await read()).requestsProxied).toBe(100);

  await file.stop();
  expect(await readdir(dir)).toEqual([]);
});

test('a session that ends before its first write leaves nothing: no file, not even the directory', async () => {
  const dir = join(await tempDir('state-'), 'sessions');
  const clock = manualClock();
  const file = startStateFile({ dir, snapshot: () => sessionState(), clock, note: () => {} });
  file.changed(); // a change before the first write: that write takes it
  clock.advance(FIRST_WRITE_MS - 1);
  await file.stop();
  clock.advance(FIRST_WRITE_MS);
  await new Promise((r) => setTimeout(r, 50));
  expect(await readdir(dir).catch((err: NodeJS.ErrnoException) => err.code)).toBe('ENOENT');
});
