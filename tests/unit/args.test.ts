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

test.each([
  [['dashboard'], { port: 0, open: true }],
  [['dashboard', '--port', '8080'], { port: 8080, open: true }],
  [['dashboard', '--port=0', '--no-open'], { port: 0, open: false }],
  [['--verbose', 'dashboard', '--no-open', '--port', '65535'], { port: 65535, open: false }],
])('parseArgs(%j) → dashboard %j', (argv, dashboard) => {
  const p = parseArgs(argv, {});
  expect([p.command, p.dashboard]).toEqual(['dashboard', dashboard]);
});

test.each([
  [['dashboard', '--port'], /--port needs a port number from 0 to 65535, not ""/],
  [['dashboard', '--port', '70000'], /not "70000"/],
  [['dashboard', '--port', 'x'], /not "x"/],
  [['dashboard', '--open-now'], /codex-wrap dashboard does not take --open-now/],
])('%j is refused: %s', (argv, message) => {
  expect(() => parseArgs(argv, {})).toThrow(message);
});
