import { WrapError } from '../../src/errors.js';
import { parseArgs } from '../../src/settings/args.js';

test.each([
  [['status'], 'status', false, []],
  [['status', '--json'], 'status', true, []],
  [['check', '--json'], 'check', true, []],
  [['--no-cache', 'token'], 'token', false, []],
  [['print-config'], 'print-config', false, []],
  [['--', 'status'], 'codex', false, ['status']],
  [['exec', 'status'], 'codex', false, ['exec', 'status']],
  [['-m', 'o3', 'token'], 'codex', false, ['-m', 'o3', 'token']],
])('parseArgs(%j) → %s', (argv, command, json, codexArgs) => {
  const p = parseArgs(argv, {});
  expect([p.command, p.json, p.codexArgs]).toEqual([command, json, codexArgs]);
});

test.each([[['token', '--json']], [['status', 'x']]])('%j is refused', (argv) => expect(() => parseArgs(argv, {})).toThrow(WrapError));
