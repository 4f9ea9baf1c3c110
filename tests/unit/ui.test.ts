import { colorLevel, createSpinner } from '../../src/ui.js';

test.each([
  [{}, true, 1],
  [{}, false, 0],
  [{ NO_COLOR: '1' }, true, 0],
  [{ NO_COLOR: '' }, true, 1],
  [{ FORCE_COLOR: '1' }, false, 1],
  [{ FORCE_COLOR: '0' }, true, 0],
  [{ FORCE_COLOR: '1', NO_COLOR: '1' }, false, 1],
  [{ TERM: 'dumb' }, true, 0],
])('colorLevel(%j, tty=%p) = %p', (env, tty, want) => expect(colorLevel(env, tty)).toBe(want));

test('the spinner writes nothing unless enabled, and erases itself', () => {
  const out: string[] = [];
  const off = createSpinner((s) => out.push(s), false);
  off.start('x');
  off.stop();
  expect(out).toEqual([]);
  const on = createSpinner((s) => out.push(s), true);
  on.start('getting a token…');
  on.stop();
  expect(out[0]).toMatch(/^\r. getting a token…$/);
  expect(out.at(-1)).toBe('\r\x1b[2K');
});

test('a spinner asked lazily asks only when it would start, and follows the answer', () => {
  const out: string[] = [];
  let asked = 0;
  const spinner = (answer: boolean) =>
    createSpinner(
      (s) => out.push(s),
      () => {
        asked += 1;
        return answer;
      },
    );
  const never = spinner(true);
  never.stop();
  expect(asked).toBe(0);
  const off = spinner(false);
  off.start('x');
  off.stop();
  expect([asked, out]).toEqual([1, []]);
  const on = spinner(true);
  on.start('x');
  on.stop();
  expect(asked).toBe(2);
  expect(out.at(-1)).toBe('\r\x1b[2K');
});
