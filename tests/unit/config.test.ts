import { parse } from 'smol-toml';
import { freshProfile, providerTable, renderCodexConfig as render, untouchable } from '../../src/codex/config.js';
import { WrapError } from '../../src/errors.js';
import { loadToml, type Toml } from '../../src/lazy.js';

const provider = providerTable('https://llm.example.com/v1');
let toml: Toml;
beforeAll(async () => {
  toml = await loadToml();
});
const renderCodexConfig = (...args: [string, string, typeof provider, string?]) => render(toml, ...args);
const USER = `# My Codex settings — keep this comment
model = "o3" # trailing comment
approval_policy = "on-request"
notify = ["notify-send", "Codex"]
shell_environment_policy = { inherit = "core", exclude = ["AWS_*"] }

[projects."/home/me/work/app"]
trust_level = "trusted"

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp@1.2.3"]
env = { API_URL = "https://docs.internal", LEVEL = "2" }

# another provider the user keeps
[model_providers.azure]
name = "Azure"
base_url = "https://x.openai.azure.com/openai"
env_key = "AZURE_OPENAI_API_KEY"

[tui]
notifications = true
`;

/** Every line of `before` that is not one of our keys survives, in order. */
function keptLines(before: string, after: string): void {
  const ours = /^(model|model_provider)\s*=/;
  const lines = before.split('\n').filter((l) => !ours.test(l));
  let at = 0;
  for (const line of lines) {
    const found = after.split('\n').indexOf(line, at);
    expect({ line, found: found >= 0 }).toEqual({ line, found: true });
    at = found + 1;
  }
}

test("adds our provider and model, keeping every other byte of the user's file", () => {
  const out = renderCodexConfig(USER, 'gpt-4-internal', provider);
  keptLines(USER, out);
  expect(out).toContain('model = "gpt-4-internal" # trailing comment');
  expect(out).toContain('[model_providers.codex-wrap]\nname = "Enterprise LLM (codex-wrap)"');
  const doc = parse(out) as Record<string, Record<string, any>>;
  expect(doc.model_provider).toBe('codex-wrap');
  expect(doc.model_providers['codex-wrap']).toEqual(provider);
  expect(doc.model_providers.azure.env_key).toBe('AZURE_OPENAI_API_KEY');
  expect(doc.projects['/home/me/work/app'].trust_level).toBe('trusted');
  expect(doc.mcp_servers.docs.env).toEqual({ API_URL: 'https://docs.internal', LEVEL: '2' });
  expect(out).not.toMatch(/max_tokens|max_output_tokens/);
});

test('a second run changes nothing (same string back, so nothing is written)', () => {
  const once = renderCodexConfig(USER, 'gpt-4-internal', provider);
  expect(renderCodexConfig(once, 'gpt-4-internal', provider)).toBe(once);
});

test('a changed base URL or model is updated in place', () => {
  const once = renderCodexConfig(USER, 'gpt-4-internal', provider);
  const twice = renderCodexConfig(once, 'other-model', providerTable('https://new.example.com/v1'));
  expect(twice).toContain('base_url = "https://new.example.com/v1"');
  expect(twice).toContain('model = "other-model" # trailing comment');
  expect(twice.match(/\[model_providers\.codex-wrap\]/g)).toHaveLength(1);
  keptLines(USER, twice);
});

test('keys the user added to our table are kept', () => {
  const src = `${renderCodexConfig('', 'm', provider)}request_max_retries = 9\n`;
  const doc = parse(renderCodexConfig(src, 'm2', provider)) as Record<string, Record<string, any>>;
  expect(doc.model_providers['codex-wrap'].request_max_retries).toBe(9);
});

test.each([
  ['an empty file', ''],
  ['only a comment', '# nothing yet\n'],
  ['tables only', '[tui]\nnotifications = false\n'],
  ['no final newline', 'approval_policy = "never"'],
  ['inline model_providers', 'model_providers = { other = { name = "O", base_url = "https://o/v1" } }\n'],
  ['dotted model_providers', 'model_providers.other.name = "O"\nmodel_providers.other.base_url = "https://o/v1"\n'],
])('produces valid TOML from %s', (_name, src) => {
  const out = renderCodexConfig(src, 'gpt-4-internal', provider);
  const doc = parse(out) as Record<string, Record<string, any>>;
  expect(doc.model).toBe('gpt-4-internal');
  expect(doc.model_providers['codex-wrap']).toEqual(provider);
  expect(renderCodexConfig(out, 'gpt-4-internal', provider)).toBe(out);
});

test('a file that does not parse is refused with its line', () => {
  expect(() => renderCodexConfig('model = \n[tui\n', 'm', provider, '/h/config.toml')).toThrow(WrapError);
  expect(() => renderCodexConfig('ok = 1\nmodel = \n', 'm', provider, '/h/config.toml')).toThrow(
    expect.objectContaining({ message: expect.stringMatching(/\/h\/config\.toml is not valid TOML at line 2/), exitCode: 3 }),
  );
});

test.each([
  [{ uid: 1, mode: 0o100600 }, 1, undefined],
  [{ uid: 1, mode: 0o100644 }, undefined, undefined],
  [{ uid: 2, mode: 0o100600 }, 1, '/c belongs to another user; codex-wrap will not change it'],
  [{ uid: 1, mode: 0o100444 }, 1, '/c is read-only (mode 0444); codex-wrap leaves it alone'],
  [{ uid: 1, mode: 0o100400 }, 1, '/c is read-only (mode 0400); codex-wrap leaves it alone'],
])('untouchable %#', (st, uid, want) => expect(untouchable(st, '/c', uid)).toBe(want));

// The run skips the TOML libraries when the profile reads exactly as codex-wrap creates it: that
// text must be what they write from nothing, or every start would load them for nothing.
test.each([
  ['gpt-4-internal', 'https://llm.example.com/v1'],
  ['model "quoted" \\ back', 'http://127.0.0.1:4000/v1?x=1'],
  ['modèle-é-ü', 'https://gw.example.com/v1'],
])('the fresh profile for %j is what the TOML libraries create', (model, base) => {
  expect(freshProfile(model, providerTable(base))).toBe(renderCodexConfig('', model, providerTable(base)));
});
