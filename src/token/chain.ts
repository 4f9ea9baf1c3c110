/** The token source a command uses: the IdP behind the spinner and the cache, or the mock token. */
import type { Context } from '../context.js';
import { cacheDir } from '../settings/paths.js';
import { cacheFile, createCachedSource } from './cache.js';
import { createMockTokenSource, createOAuthTokenSource, type TokenSource } from './source.js';

/**
 * `cache`: read and write it; `refresh`: always a fresh grant, written to it (check); false: neither.
 * `spinner: false`: no spinner while a grant runs (Codex may be writing to the terminal by then).
 */
export function tokenSource(ctx: Context, opts: { cache: boolean | 'refresh'; spinner?: boolean }): TokenSource {
  const { settings, deps } = ctx;
  const intervalMs = settings.refreshIntervalSec * 1000;
  if (!settings.oauth) return createMockTokenSource(deps.clock.now, intervalMs);
  const idp = createOAuthTokenSource(settings.oauth, { now: deps.clock.now, fallbackLifetimeMs: intervalMs, fetch: ctx.net.fetch });
  const spun: TokenSource = {
    fetch: async (options) => {
      if (opts.spinner === false) return idp.fetch(options);
      ctx.spinner.start('getting a token…');
      try {
        return await idp.fetch(options);
      } finally {
        ctx.spinner.stop();
      }
    },
  };
  if (!opts.cache) return spun;
  return createCachedSource(spun, {
    file: cacheFile(cacheDir(deps.env, deps.home), settings.oauth),
    now: deps.clock.now,
    intervalMs,
    uid: deps.uid,
    note: (m) => ctx.log.verbose(m),
    warn: (m) => ctx.log.warn(m),
    readCache: opts.cache !== 'refresh',
  });
}
