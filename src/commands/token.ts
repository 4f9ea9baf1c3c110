/**
 * `codex-wrap token`: a valid access token on stdout and nothing else — for curl, scripts, and
 * Codex's own `[model_providers.x.auth]` command. Under GitHub Actions the runner is told to mask it
 * first (on stderr, so that `$(codex-wrap token)` still captures only the token).
 */
import type { Context } from '../context.js';
import { tokenSource } from '../token/chain.js';

export async function printToken(ctx: Context): Promise<number> {
  const token = await tokenSource(ctx, { cache: !ctx.args.noCache }).fetch();
  if (ctx.deps.env.GITHUB_ACTIONS === 'true') ctx.deps.stderr(`::add-mask::${token.value}\n`);
  ctx.deps.stdout(`${token.value}\n`);
  return 0;
}
