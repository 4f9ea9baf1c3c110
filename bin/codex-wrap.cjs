#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS CODEX_WRAP_EXTRA_CA=${NODE_EXTRA_CA_CERTS} node --no-memory-reducer --
// NODE_EXTRA_CA_CERTS moved aside: Node would parse its bundle at start, before any code runs (some
// 90 ms per run for a system bundle here, issue #12). codex-wrap puts it back at once (src/cli.ts),
// so Codex and every other child see it, and trusts its certificates on the connections it makes.
// `node --`: Node 20 would otherwise take codex-wrap's own --env-file as an option of its own (issue #9).
// --no-memory-reducer: a session idles for hours while Codex waits on its user, and V8's memory
// reducer would wake it for a GC some 8 s after each burst of work (issue #12: 0 wake-ups while
// idle). The heap it would shrink is a few MB.
// CommonJS (.cjs): Node starts it without its ESM loader (scripts/build.mjs says why); dist/boot.cjs
// runs the bundle through V8's code cache (src/boot.ts).
require('../dist/boot.cjs');
