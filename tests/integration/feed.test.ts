/** The dashboard's sessions feed: it reads the state files once a second only while a page watches. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { POLL_MS, watchSessions } from '../../src/dashboard/feed.js';
import type { SessionState } from '../../src/session/state.js';
import { countingClock, sessionState } from '../support/session.js';
import { tempDir } from '../support/tmp.js';

async function setUp() {
  const dir = join(await tempDir('feed-'), 'sessions');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const clock = countingClock();
  const { timers } = clock;
  const heard: SessionState[][] = [];
  const feed = watchSessions({ dir, isAlive: (pid) => pid === process.pid, clock, onChange: (l) => heard.push(l) });
  const file = join(dir, `${process.pid}.json`);
  const write = (s: Partial<SessionState>) =>
    writeFile(file, JSON.stringify({ ...sessionState(), pid: process.pid, ...s }), { mode: 0o600 });
  // A tick's read is asynchronous: let it finish.
  const settle = () => sleep(30);
  return { feed, clock, timers, heard, write, file, settle };
}

test('no page open: no timer, nothing read; a page that asks gets the list read then', async () => {
  const { feed, clock, timers, write } = await setUp();
  await write({ refreshes: 3 });
  clock.advance(60_000);
  expect(timers).toEqual([]);
  expect((await feed.now()).map((s) => s.refreshes)).toEqual([3]);
  expect(timers).toEqual([]);
  feed.stop();
});

test('while a page watches: a read each second, changes heard; when the last page goes, the timer goes', async () => {
  const { feed, clock, timers, heard, write, file, settle } = await setUp();
  await write({ refreshes: 1 });
  const end = feed.watch();
  const endSecond = feed.watch();
  expect(timers).toEqual([POLL_MS]); // one loop for any number of pages
  clock.advance(POLL_MS);
  await settle();
  expect(heard.map((l) => l.map((s) => s.refreshes))).toEqual([[1]]);
  await write({ refreshes: 2 });
  clock.advance(POLL_MS);
  await settle();
  expect(heard.map((l) => l.map((s) => s.refreshes))).toEqual([[1], [2]]);
  end();
  end(); // twice: still one watch ended
  clock.advance(POLL_MS);
  await settle();
  expect(timers.length).toBe(4); // still polled: the second page watches
  endSecond();
  await rm(file);
  clock.advance(10 * POLL_MS);
  await settle();
  expect(timers.length).toBe(4);
  expect(heard.length).toBe(2); // the removed file was never read: no page watched
  feed.stop();
});
