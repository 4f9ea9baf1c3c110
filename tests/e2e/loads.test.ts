/**
 * What a run loads (issue #12: a session's start-up pays for every module it loads): the built
 * binary, with a preload that records, at exit, Node's built-in modules and the bundled files it
 * required. The README's "Nothing loaded before it is needed" says what each is kept for.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runBinary } from '../support/binary.js';
import { writeFakeCodex } from '../support/fake-codex.js';
import { oauthEnv, startIdp } from '../support/idp.js';
import { tempDir } from '../support/tmp.js';

let home: string;
let record: string;
const RECORDER = `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADS_FILE, JSON.stringify({
  builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)),
  files: Object.keys(require.cache),
})));`;

beforeEach(async () => {
  home = await tempDir('cw-loads-');
  record = join(home, 'recorder.cjs');
  await writeFile(record, RECORDER);
});

/** The second of two runs: the first writes Codex's profile (the TOML libraries) and the code cache. */
async function loads(args: string[], env: Record<string, string>): Promise<{ builtins: string[]; files: string[] }> {
  const file = join(home, 'loads.json');
  for (let run = 0; run < 2; run++) {
    const r = await runBinary(args, {
      env: { PATH: process.env.PATH, HOME: home, NODE_OPTIONS: `--require=${record}`, LOADS_FILE: file, ...env },
      cwd: home,
    });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  }
  return JSON.parse(await readFile(file, 'utf8'));
}

test('a session that ends at once (MOCK_MODE, no settings file, profile unchanged): no os, tty, crypto, http, tls, fs/promises or dns, no bundled library', async () => {
  const { builtins, files } = await loads(['exec', 'x'], { MOCK_MODE: 'true', CODEX_BIN: '/bin/true' });
  expect(builtins).toEqual(expect.arrayContaining(['child_process', 'net']));
  // dns: the proxy's port is bound without net's listen(host), which looks '127.0.0.1' up (port.ts).
  for (const name of ['os', 'tty', 'crypto', 'http', 'https', 'tls', 'fs/promises', 'readline', 'worker_threads', 'dns'])
    expect({ name, loaded: builtins.includes(name) }).toEqual({ name, loaded: false });
  expect(files.filter((f) => f.includes('/dist/lib/'))).toEqual([]);
});

test('a settings file brings dotenv; a model-free command no proxy (http) and no session', async () => {
  const codex = await writeFakeCodex();
  await writeFile(join(home, 'team.env'), 'MOCK_MODE=true\n');
  const session = await loads(['--env-file', 'team.env', 'exec', 'x'], { CODEX_BIN: '/bin/true' });
  expect(session.files.filter((f) => f.includes('/dist/lib/')).map((f) => f.split('/').pop())).toEqual(['dotenv.cjs']);
  const modelFree = await loads(['completion', 'bash'], { PATH: `${codex.dir}:${process.env.PATH}` });
  expect(modelFree.builtins).not.toContain('http');
  expect(modelFree.builtins).not.toContain('dns'); // no port opened
  expect(modelFree.files.filter((f) => f.includes('/dist/lib/'))).toEqual([]);
});

test('a real session whose token is cached, its Codex running past the warm-up: no crypto (the cache file name and the key check are hashed and compared without it)', async () => {
  const idp = await startIdp();
  try {
    const codex = join(home, 'codex-briefly');
    await writeFile(codex, '#!/bin/sh\nexec sleep 0.4\n');
    await chmod(codex, 0o755);
    // The second run takes the first run's token from the cache: no grant, so no openid-client.
    const session = await loads(['exec', 'x'], { ...oauthEnv(idp, 'http://127.0.0.1:9/v1'), CODEX_BIN: codex });
    expect(idp.grants).toBe(1);
    expect(session.builtins).toContain('http'); // the warm-up ran
    expect(session.builtins).not.toContain('crypto');
    expect(session.files.filter((f) => f.includes('/dist/lib/'))).toEqual([]);
  } finally {
    await idp.close();
  }
});

test("a start that needs a grant loads undici once: openid-client's web classes are the bundled undici's, not Node's own copy", async () => {
  const idp = await startIdp();
  try {
    const session = await loads(['--no-cache', 'exec', 'x'], { ...oauthEnv(idp, 'http://127.0.0.1:9/v1'), CODEX_BIN: '/bin/true' });
    expect(idp.grants).toBe(2);
    const libs = session.files.filter((f) => f.includes('/dist/lib/')).map((f) => f.split('/').pop());
    expect(libs.sort()).toEqual(['openid-client.cjs', 'undici.cjs']);
    // Node 20 keeps a copy of undici behind its fetch, Headers, Request and Response globals.
    expect(session.builtins.filter((m) => m.includes('undici'))).toEqual([]);
  } finally {
    await idp.close();
  }
});
