/**
 * The one setup of the integration tests: a real OAuth server, a gateway that accepts only its
 * live tokens, the fake codex, and a fresh home and working directory for every test. `env` and
 * `run` build on them; the hooks are registered by useWorld, in the file or describe that calls it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type FakeCodexReport, writeFakeCodex } from './fake-codex.js';
import { type Idp, oauthEnv, startIdp } from './idp.js';
import { runMain } from './run-main.js';
import { tempDir } from './tmp.js';
import { startUpstream, type Upstream } from './upstream.js';

export type Env = Record<string, string | undefined>;

export interface World {
  idp: Idp;
  gateway: Upstream;
  /** The directory holding the fake `codex` (on PATH in env()). */
  codexDir: string;
  codexBin: string;
  home: string;
  /** The directory codex-wrap runs in. */
  work: string;
  /** Where the fake codex writes what it saw. */
  report: string;
  /** PATH with the fake codex, HOME, the report; unless `bare`, the IdP's and gateway's settings too; then `extra`. */
  env(extra?: Env, o?: { bare?: boolean }): Env;
  /** main() in `work` with env(extra, o). */
  run(args: string[], extra?: Env, o?: { bare?: boolean }): ReturnType<typeof runMain>;
  readReport(): Promise<FakeCodexReport>;
  /** Replaces the IdP (a different token lifetime), closing the old one. */
  restartIdp(ttlSeconds: number): Promise<void>;
}

export function useWorld(o: { ttlSeconds?: number } = {}): World {
  const w = {} as World;
  beforeAll(async () => {
    const codex = await writeFakeCodex();
    w.codexDir = codex.dir;
    w.codexBin = codex.bin;
  });
  beforeEach(async () => {
    w.idp = await startIdp({ ttlSeconds: o.ttlSeconds ?? 60 });
    w.gateway = await startUpstream({ validate: (t) => w.idp.isValid(t) });
    w.home = await tempDir('home-');
    w.work = await tempDir('work-');
    w.report = join(w.home, 'report.json');
  });
  afterEach(async () => {
    await w.gateway.close();
    await w.idp.close();
  });
  w.env = (extra = {}, opts = {}) => ({
    PATH: `${w.codexDir}:/usr/bin:/bin`,
    HOME: w.home,
    FAKE_CODEX_REPORT: w.report,
    ...(opts.bare ? {} : oauthEnv(w.idp, w.gateway.baseUrl)),
    ...extra,
  });
  w.run = (args, extra = {}, opts = {}) => runMain(args, { env: w.env(extra, opts), cwd: w.work, home: w.home });
  w.readReport = async () => JSON.parse(await readFile(w.report, 'utf8'));
  w.restartIdp = async (ttlSeconds) => {
    await w.idp.close();
    w.idp = await startIdp({ ttlSeconds });
  };
  return w;
}
