/** The text of `codex-wrap --help`. */
import { buildProgram } from './args.js';

export function helpText(): string {
  return `${buildProgram().helpInformation()}
Settings (flags > environment > --env-file > approved ./.codex-wrap.env > ~/.config/codex-wrap/.env > defaults;
a project's own .env is never read):
  LLM_API_BASE_URL, LLM_MODEL_NAME (gpt-4-internal), MAX_TOKENS (4096), TOKEN_REFRESH_INTERVAL (900),
  OAUTH_ENDPOINT, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_CLIENT_SECRET_COMMAND, OAUTH_SCOPE, OAUTH_AUDIENCE,
  OAUTH_AUTH_METHOD (client_secret_basic), MOCK_MODE (false), PROXY_MODE (true), CODEX_HOME, CODEX_BIN,
  CA_CERT_FILE; HTTPS_PROXY / HTTP_PROXY / NO_PROXY apply to codex-wrap's own requests

Commands (codex-wrap's own; \`codex-wrap -- <word>\` sends <word> to Codex as a prompt instead):
  status [--json]     the codex-wrap sessions running on this machine
  check [--json]      test settings, IdP, gateway, codex and config.toml (exit 1 if any fails)
  print-config        the config.toml and codex command line that would be used (changes nothing)
  token               print a valid access token on stdout
  allow [PATH]        approve this project's .codex-wrap.env as it is now (deny [PATH] takes it back)

Examples:
  codex-wrap exec "explain this repo"        one non-interactive turn
  codex-wrap                                  the interactive TUI
  MOCK_MODE=true codex-wrap exec "hello"      no IdP, no gateway: the built-in mock model answers
  alias codex=codex-wrap                      every codex command line keeps its meaning

Exit codes: Codex's own once it runs (128+n if killed by signal n); before that
  1 a check failed, 2 bad flags or settings, 3 CODEX_HOME/config.toml, 4 IdP refused, 5 IdP unreachable,
  6 nested session, 70 internal error, 127 codex not found.
`;
}
