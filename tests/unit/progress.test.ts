import { watchProgress } from '../../src/proxy/upstream.js';

/** A watch over a byte count the test moves, ticked by hand. */
function watch(idleMs: number, checkMs: number) {
  let bytes = 0;
  let tick: (() => void) | undefined;
  let stalled = 0;
  const stop = watchProgress({
    bytesRead: () => bytes,
    idleMs,
    checkMs,
    stalled: () => {
      stalled += 1;
    },
    every: (fn) => {
      tick = fn;
      return () => {
        tick = undefined;
      };
    },
  });
  return {
    read: (n: number) => {
      bytes += n;
    },
    tick: () => tick?.(),
    stalled: () => stalled,
    running: () => tick !== undefined,
    stop,
  };
}

test('a stall is called once the socket read nothing for the idle limit, and the watch stops', () => {
  const w = watch(300, 100);
  w.tick();
  w.tick();
  expect(w.stalled()).toBe(0);
  w.tick();
  expect([w.stalled(), w.running()]).toEqual([1, false]);
});

test('any byte between two checks starts the quiet time again', () => {
  const w = watch(300, 100);
  for (let i = 0; i < 10; i++) {
    w.tick();
    w.tick();
    w.read(1);
  }
  expect(w.stalled()).toBe(0);
  w.tick(); // sees the last byte
  w.tick();
  w.tick();
  expect(w.stalled()).toBe(0);
  w.tick();
  expect(w.stalled()).toBe(1);
});

test('stopped (the answer ended): no more checks', () => {
  const w = watch(300, 100);
  w.stop();
  expect(w.running()).toBe(false);
});
