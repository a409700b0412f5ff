// One run of Ruff's WASM build (npm @astral-sh/ruff-wasm-nodejs, a bench-only dev dependency) with its ASYNC rules
// over the files listed (one path a line) in the file given, as bench/realProjects.mjs's counterpart of a fresh
// `djperf check` process: prints {"diagnostics": n, "failed": n, "cpuMs": its CPU time} as JSON.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Workspace, PositionEncoding } = require('@astral-sh/ruff-wasm-nodejs');

const files = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
// Ruff's defaults otherwise (its target version, no preview rules); UTF-16 positions as the editor's.
const workspace = new Workspace({ lint: { select: ['ASYNC'] } }, PositionEncoding.Utf16);
let diagnostics = 0, failed = 0;
for (const file of files) {
  try {
    diagnostics += workspace.check(fs.readFileSync(file, 'utf8')).length;
  } catch {
    failed++;
  }
}
workspace.free();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ diagnostics, failed, cpuMs: (cpu.user + cpu.system) / 1000 }));
