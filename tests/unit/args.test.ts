import { WrapError } from '../../src/errors.js';
import { runPart } from '../../src/main.js';
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

test.each([
  [['--env-file', 'a', '--env-file=b', 'exec'], { envFiles: ['a', 'b'], codexArgs: ['exec'] }],
  [['--llm-model=o3', '--max-tokens', '0'], { flags: { LLM_MODEL_NAME: 'o3', MAX_TOKENS: '0' }, codexArgs: [] }],
  [['--mock', '--no-proxy', '--proxy'], { flags: { MOCK_MODE: 'true', PROXY_MODE: 'true' } }],
  [['--verbose', 'exec', '--debug'], { verbose: true, debug: false, codexArgs: ['exec', '--debug'] }],
  [['--foo', '--verbose'], { verbose: false, codexArgs: ['--foo', '--verbose'] }],
  [['--llm-model', '--verbose'], { verbose: false, flags: { LLM_MODEL_NAME: '--verbose' } }],
  [['--no-cache', '--', '--verbose'], { noCache: true, verbose: false, codexArgs: ['--verbose'] }],
  [['-h'], { help: true, codexArgs: [] }],
  [['--version', '-V'], { version: true, codexArgs: ['-V'] }],
  [['--env-file', 'a', 'check', '--env-file', 'b', '--debug'], { command: 'check', envFiles: ['a', 'b'], debug: true, verbose: true }],
  [['--llm-model', 'a', 'token', '--llm-model=b'], { command: 'token', flags: { LLM_MODEL_NAME: 'b' } }],
  [['--trust-project-env'], { trustProjectEnv: true }],
])('parseArgs(%j) has %j', (argv, want) => {
  expect(parseArgs(argv, {})).toMatchObject(want);
});

test.each([
  [['--verbose=1'], /^--verbose takes no value$/],
  [['--llm-model'], /^--llm-model needs a value: --llm-model <name>$/],
  [['check', '--codex-home'], /^--codex-home needs a value/],
  [['status', '--', 'x'], /codex-wrap status does not take -- x/],
])('%j is refused: %s', (argv, message) => {
  expect(() => parseArgs(argv, {})).toThrow(message);
});

test('DEBUG=codex-wrap and CODEX_WRAP_TRUST_PROJECT_ENV come from the environment', () => {
  expect(parseArgs([], { DEBUG: 'x, codex-wrap', CODEX_WRAP_TRUST_PROJECT_ENV: 'yes' })).toMatchObject({
    verbose: true,
    trustProjectEnv: true,
  });
});

test.each([
  [['--help'], 'command'],
  [['--version'], 'command'],
  [['status'], 'command'],
  [['check'], 'command'],
  [['dashboard'], 'command'],
  [['completion', 'bash'], 'passthrough'],
  [['login'], 'passthrough'],
  [[], 'session'],
  [['exec', 'hi'], 'session'],
  [['--', 'status'], 'session'],
])('runPart(%j) = %s: the part of codex-wrap the run is, for the code cache', (argv, part) => {
  expect(runPart(parseArgs(argv, {}))).toBe(part);
});
