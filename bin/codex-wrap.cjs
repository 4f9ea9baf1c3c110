#!/usr/bin/env -S node --no-memory-reducer --
// `node --`: Node 20 would otherwise take codex-wrap's own --env-file as an option of its own (issue #9).
// --no-memory-reducer: a session idles for hours while Codex waits on its user, and V8's memory
// reducer would wake it for a GC some 8 s after each burst of work (issue #12: 0 wake-ups while
// idle). The heap it would shrink is a few MB.
// CommonJS (.cjs): Node starts it without its ESM loader (scripts/build.mjs says why); dist/boot.cjs
// runs the bundle through V8's code cache (src/boot.ts).
require('../dist/boot.cjs');
