/** Help and README say what the tables say: one source for every setting, default, trust rule and exit code. */
import { readFileSync } from 'node:fs';
import { EXIT_MEANINGS } from '../../src/errors.js';
import { OPTIONS } from '../../src/settings/args.js';
import { helpText } from '../../src/settings/help.js';
import { KEYS, spec } from '../../src/settings/resolve.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const rows = readme.split('\n').filter((l) => l.startsWith('| '));
const rowOf = (cell: string) => rows.find((r) => r.startsWith(`| ${cell} |`));

test.each(KEYS)('%s: in the README settings table with its default, and in --help', (key) => {
  const row = rowOf(`\`${key}\``);
  expect(row).toBeDefined();
  const fallback = spec(key).default;
  if (fallback !== undefined) expect(row?.split(' | ')[1]).toBe(`\`${fallback}\``);
  expect(helpText()).toContain(fallback === undefined ? key : `${key} (${fallback})`);
});

test.each(KEYS)('%s: in the README trust table row of its rule', (key) => {
  const row = rows.find((r) => r.includes(`\`${key}\``) && / \| (yes|yes \(not a flag\)) \| /.test(r));
  const want = { allowed: '| yes |', trusted: '| only with `--trust-project-env` |', never: '| never |' }[spec(key).project];
  expect(row?.endsWith(want)).toBe(true);
});

test.each(EXIT_MEANINGS)('exit code %i: in the README table and in --help', (code, meaning) => {
  expect(rows.some((r) => new RegExp(`^\\| (\\d+ / )?${code}( / \\d+)? \\|`).test(r))).toBe(true);
  expect(helpText()).toContain(`${code} ${meaning}`);
});

test.each(OPTIONS.map((o) => o.names.join(', ')))('option %s: in the README and in --help', (names) => {
  expect(readme).toContain(`\`${names.split(', ').pop()}`);
  expect(
    helpText()
      .split('\n')
      .some((line) => line.startsWith(`  ${names} `)),
  ).toBe(true);
});
