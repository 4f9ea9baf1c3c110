/**
 * `npm run demo`: the whole flow on this machine, nothing configured, nothing outside it.
 * An embedded OAuth server issues 6-second tokens; a small fake gateway checks every token and
 * asks Codex to run `sleep 7`; the real, pinned Codex runs `codex exec` through the built
 * codex-wrap in proxy mode, with a throwaway CODEX_HOME. Codex's second request comes after its
 * first token expired, and succeeds because the proxy sends the refreshed one.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIdp } from '../tests/support/idp.js';
import { EXEC, realCodexSettings } from '../tests/support/real-codex.js';
import { startUpstream, toolModel } from '../tests/support/upstream.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const idp = await startIdp({ ttlSeconds: 6 });
const gateway = await startUpstream({ validate: (t) => idp.isValid(t), handler: toolModel('sleep 7') });
const codexHome = await mkdtemp(join(tmpdir(), 'codex-wrap-demo-'));
const workdir = await mkdtemp(join(tmpdir(), 'codex-wrap-demo-work-'));

console.log('codex-wrap demo: OAuth server (6 s tokens), fake gateway and the real Codex, all on 127.0.0.1\n');
const child = spawn(
  process.execPath,
  [
    join(root, 'bin', 'codex-wrap.cjs'),
    '--verbose',
    ...EXEC,
    '--dangerously-bypass-approvals-and-sandbox',
    'Run sleep 7, then tell me it worked.',
  ],
  {
    cwd: workdir,
    stdio: ['ignore', 'inherit', 'pipe'],
    env: { ...process.env, ...realCodexSettings(idp, gateway.baseUrl, codexHome) },
  },
);
let stderr = '';
child.stderr?.on('data', (c) => {
  stderr += c;
});
const code: number = await new Promise((resolve) => child.on('close', (c) => resolve(c ?? 1)));
await gateway.close();
await idp.close();
await rm(codexHome, { recursive: true, force: true });
await rm(workdir, { recursive: true, force: true });

const tokens = new Set(gateway.requests.map((r) => r.authorization)).size;
const summary = stderr.split('\n').find((l) => l.includes('codex exited with')) ?? '';
console.log(
  `\nsummary: Codex exited ${code}; the IdP issued ${idp.grants} tokens; the gateway saw ${gateway.requests.length} requests with ${tokens} different tokens, ${gateway.requests.filter((r) => r.status === 401).length} rejected`,
);
console.log(`         codex-wrap: ${summary.replace(/^codex-wrap \[\s*\d+ ms\] /, '')}`);
if (code !== 0) {
  console.error(`\ndemo failed; codex-wrap and Codex said:\n${stderr}`);
  process.exitCode = code;
}
