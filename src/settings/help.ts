/** The text of `codex-wrap --help`, generated from the tables that hold the facts (flags, settings, exit codes). */
import { EXIT_MEANINGS } from '../errors.js';
import { OPTIONS } from './args.js';
import { KEYS, spec } from './resolve.js';

/** `words` joined by spaces, in lines of at most `width` characters. Pure. */
function wrap(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

/** `KEY (default)` for every setting, indented, wrapped to the terminal's usual width. Pure. */
export function settingsList(width = 100): string[] {
  const items = KEYS.map((k) => `${spec(k).default === undefined ? k : `${k} (${spec(k).default})`},`);
  return wrap(items, width - 2).map((line, i, all) => `  ${i === all.length - 1 ? line.replace(/,$/, '') : line}`);
}

/** The flags in two columns, each description wrapped beside its flag. Pure. */
export function optionsList(width = 100): string[] {
  const heads = OPTIONS.map((o) => `  ${o.names.join(', ')}${o.value ? ` ${o.value}` : ''}`);
  const column = Math.max(...heads.map((h) => h.length)) + 2;
  return OPTIONS.flatMap((o, i) =>
    wrap(o.what.split(' '), width - column).map((line, j) => `${(j === 0 ? heads[i] : '').padEnd(column)}${line}`),
  );
}

export function helpText(): string {
  const exits = EXIT_MEANINGS.map(([code, meaning]) => `${code} ${meaning}`).join(', ');
  return `Usage: codex-wrap [wrapper options] [codex args...]

Runs the OpenAI Codex CLI against an OAuth2-protected LLM gateway, keeping its token fresh.
Everything from the first argument codex-wrap does not know is passed to codex unchanged;
\`codex-wrap -- --help\` shows Codex's own help.

Options:
${optionsList().join('\n')}

Settings (flags > environment > --env-file > approved ./.codex-wrap.env > ~/.config/codex-wrap/.env > defaults;
a project's own .env is never read):
${settingsList().join('\n')}
  HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply to codex-wrap's own requests

Commands (codex-wrap's own; \`codex-wrap -- <word>\` sends <word> to Codex as a prompt instead):
  status [--json]     the codex-wrap sessions running on this machine
  check [--json]      test settings, IdP, gateway, codex and config.toml (exit 1 if any fails)
  print-config        the config.toml and codex command line that would be used (changes nothing)
  token               print a valid access token on stdout
  allow [PATH]        approve this project's .codex-wrap.env as it is now (deny [PATH] takes it back)
  dashboard [--port N] [--no-open]
                      a local web page: sessions live, settings and check, start Codex in a directory

Examples:
  codex-wrap exec "explain this repo"        one non-interactive turn (in a git repository)
  codex-wrap                                  the interactive TUI
  MOCK_MODE=true codex-wrap exec "hello"      no IdP, no gateway: the built-in mock model answers
  alias codex=codex-wrap                      every codex command line keeps its meaning

Exit codes: Codex's own once it runs (128+n if killed by signal n); before that
  ${exits}.
`;
}
