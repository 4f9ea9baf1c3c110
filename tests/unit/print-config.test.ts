import { shellQuote } from '../../src/commands/print-config.js';

test.each([
  ['plain', 'plain'],
  ['model="x"', `'model="x"'`],
  ["it's", `'it'\\''s'`],
  ['http://127.0.0.1:1/v1', 'http://127.0.0.1:1/v1'],
  ['', "''"],
])('shellQuote(%p) = %s', (arg, want) => expect(shellQuote(arg)).toBe(want));
