/** How the tests and `npm run demo` run the pinned real Codex through codex-wrap, offline. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type Idp, oauthEnv } from './idp.js';

/** The pinned `@openai/codex` devDependency, found as Node finds it (also from the bundled demo in .build/). */
export const CODEX_BIN = join(dirname(createRequire(import.meta.url).resolve('@openai/codex/package.json')), 'bin', 'codex.js');

/** CODEX-FACTS.md: with these, Codex opens no connection of its own. */
export const OFFLINE = ['--disable', 'plugins', '-c', 'analytics.enabled=false'];

/** `codex exec` outside a git repository (Codex refuses one it does not trust otherwise), offline. */
export const EXEC = ['exec', '--skip-git-repo-check', ...OFFLINE];

/** The settings that send the real Codex, with a throwaway CODEX_HOME, to this IdP and gateway. */
export function realCodexSettings(idp: Idp, gatewayUrl: string, codexHome: string): Record<string, string> {
  return { CODEX_HOME: codexHome, CODEX_BIN, ...oauthEnv(idp, gatewayUrl), MOCK_MODE: 'false', PROXY_MODE: 'true' };
}
