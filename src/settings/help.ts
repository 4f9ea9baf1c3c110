/** The text of `codex-wrap --help`, generated from the tables that hold the facts (flags, settings, exit codes). */
import { EXIT_MEANINGS } from '../errors.js';
import { buildProgram } from './args.js';
import { KEYS, spec } from './resolve.js';

/** `KEY (default)` for every setting, wrapped to the terminal's usual width. Pure. */
export function settingsList(width = 100): string[] {
  const items = KEYS.map((k) => (spec(k).default === undefined ? k : `${k} (${spec(k).default})`));
  const lines: string[] = [];
  let line = ' ';
  for (const item of items) {
    if (line.length + item.length + 2 > width) {
      lines.push(line);
      line = ' ';
    }
    line += ` ${item},`;
  }
  lines.push(line.replace(/,$/, ''));
  return lines;
}

export function helpText(): string {
  const exits = EXIT_MEANINGS.map(([code, meaning]) => `${code} ${meaning}`).join(', ');
  return `${buildProgram().helpInformation()}
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
