import { describeFailure, WrapError } from '../../src/errors.js';

test('describeFailure: a user error is one line without a stack; a bug says so', () => {
  const user = describeFailure(new WrapError('bad', { hint: 'do this', exitCode: 2 }), false);
  expect(user).toEqual({ text: 'codex-wrap: bad — do this', exitCode: 2 });
  const bug = describeFailure(new Error('boom'), false);
  expect(bug.exitCode).toBe(70);
  expect(bug.text).toMatch(/internal error: boom .*please report.*--debug/);
  expect(bug.text).not.toMatch(/\n\s+at /);
  expect(describeFailure(new Error('boom'), true).text).toMatch(/\n\s+at /);
});
