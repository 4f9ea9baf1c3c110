#!/usr/bin/env node
/**
 * A fake `codex` executable: writes a report (argv, cwd, whether the key is set, a hash of every
 * environment value — never a value) to $FAKE_CODEX_REPORT, then does what $FAKE_CODEX_MODE says:
 * `exit:N`, `sleep:S`, `signal:NAME` (kills itself), `request:PROMPT` (one Responses call through the
 * base_url it was given, after $FAKE_CODEX_DELAY_MS; answer on stdout and in the report), or `wait`
 * (records the signals it gets; exits 42 on SIGTERM/SIGINT/SIGHUP), or `tui` (the same, but SIGINT only
 * recorded, as Codex's TUI takes Ctrl-C). The report also says what its fd 3 is (Linux).
 */
const fs = require('node:fs');
const crypto = require('node:crypto');

/** The text of the output_text deltas in a Responses SSE answer (the tests use it too). */
function deltasOf(sse) {
  return sse
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)))
    .filter((e) => e.type === 'response.output_text.delta')
    .map((e) => e.delta)
    .join('');
}
module.exports = { deltasOf };

const argv = process.argv.slice(2);
const report = { argv: [], signals: [] };
const save = () => process.env.FAKE_CODEX_REPORT && fs.writeFileSync(process.env.FAKE_CODEX_REPORT, JSON.stringify(report));

function main() {
  const hash = (v) => crypto.createHash('sha256').update(v).digest('hex');
  Object.assign(report, {
    startedAt: Date.now(),
    argv,
    cwd: process.cwd(),
    ppid: process.ppid,
    keySet: Boolean(process.env.CUSTOM_LLM_API_KEY),
    envHashes: Object.values(process.env).map(hash),
    envNames: Object.keys(process.env),
    fd3: (() => {
      try {
        return fs.readlinkSync('/proc/self/fd/3');
      } catch {
        return null;
      }
    })(),
  });
  save();
  const mode = process.env.FAKE_CODEX_MODE || 'exit:0';
  const [kind, arg] = mode.split(':');
  if (kind === 'exit') process.exit(Number(arg));
  if (kind === 'sleep') setTimeout(() => process.exit(0), Number(arg) * 1000);
  if (kind === 'signal') process.kill(process.pid, arg);
  if (kind === 'wait' || kind === 'tui') {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'])
      process.on(s, () => {
        report.signals.push(s);
        save();
        if (kind === 'wait' || s !== 'SIGINT') setTimeout(() => process.exit(42), 200);
      });
    setInterval(() => {}, 1000);
  }
  if (kind === 'request') setTimeout(() => request(arg), Number(process.env.FAKE_CODEX_DELAY_MS || 0));
}

function request(prompt) {
  const urls = argv
    .filter((a) => a.startsWith('model_providers.codex-wrap.base_url='))
    .map((a) => JSON.parse(a.split('=').slice(1).join('=')));
  const base = urls[urls.length - 1] || process.env.FAKE_CODEX_BASE_URL;
  fetch(`${base}/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.CUSTOM_LLM_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'x',
      input: [{ role: 'user', content: [{ type: 'input_text', text: prompt || 'ping' }] }],
      stream: true,
    }),
  }).then(
    async (r) => {
      const text = await r.text();
      const deltas = deltasOf(text);
      report.answer = { status: r.status, text };
      save();
      process.stdout.write(`${deltas || text}\n`);
      process.exit(r.status === 200 ? 0 : 1);
    },
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
