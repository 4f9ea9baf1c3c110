import { describeProjectKeys } from '../../src/commands/allow.js';

test('allow lists what a project file sets, and what it would need', () => {
  expect(describeProjectKeys({ LLM_MODEL_NAME: 'm', CODEX_BIN: './x', OAUTH_CLIENT_SECRET_COMMAND: 'c', DATABASE_URL: 'x' })).toEqual([
    '  LLM_MODEL_NAME',
    '  CODEX_BIN — only with --trust-project-env (otherwise codex-wrap refuses to start)',
    '  OAUTH_CLIENT_SECRET_COMMAND — never from a project file (codex-wrap refuses to start)',
    '  DATABASE_URL — not a codex-wrap setting (ignored)',
  ]);
});
