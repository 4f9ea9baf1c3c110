#!/usr/bin/env -S node --
// `node --`: Node 20 would otherwise take codex-wrap's own --env-file as an option of its own (issue #9).
import '../dist/cli.js';
