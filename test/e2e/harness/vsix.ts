/**
 * The .vsix under test. `npm run package`'s output is reused when it is newer than every input of the build;
 * otherwise the extension is built and packaged in a private staging copy of the sources (production build,
 * the same vsce flags as `npm run package`), so the shared `dist/` other work relies on is never rewritten
 * half-way through someone else's build.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../harness/paths';
import { tail } from './prereqs';

const PACKAGED = path.join(REPO_ROOT, 'djperf-0.1.0.vsix');
/** What the build and the package read (besides node_modules). */
const INPUTS = ['package.json', '.vscodeignore', 'README.md', 'LICENSE', 'CHANGELOG.md', 'scripts/build.mjs', 'server', 'extension', 'webview', 'docs/rules', 'media'];
const VSCE_BASE = ['--baseContentUrl', 'https://github.com/djperf/djperf/blob/main', '--baseImagesUrl', 'https://github.com/djperf/djperf/raw/main'];

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

export interface BuiltVsix {
  vsix: string;
  /** dist/ of the same build (the CLI there is the oracle of the fix-all test). */
  dist: string;
  how: string;
}

/** Packages the extension into `dir`; returns the .vsix and the dist/ it was made from. */
export function packageExtension(dir: string): BuiltVsix {
  const inputsMtime = Math.max(...INPUTS.map((p) => newestMtime(path.join(REPO_ROOT, p))));
  const vsix = path.join(dir, 'djperf.vsix');
  if (fs.existsSync(PACKAGED) && fs.statSync(PACKAGED).mtimeMs > inputsMtime && newestMtime(path.join(REPO_ROOT, 'dist')) <= fs.statSync(PACKAGED).mtimeMs) {
    fs.copyFileSync(PACKAGED, vsix);
    return { vsix, dist: path.join(REPO_ROOT, 'dist'), how: `reused ${path.basename(PACKAGED)} (newer than its sources)` };
  }
  const stage = path.join(dir, 'stage');
  fs.mkdirSync(stage, { recursive: true });
  for (const p of INPUTS) {
    const from = path.join(REPO_ROOT, p);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(stage, p), { recursive: true });
  }
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  const run = (what: string, args: string[]): void => {
    try {
      execFileSync(process.execPath, args, { cwd: stage, stdio: 'pipe', encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`${what} failed: ${err.message}\n${tail(err.stdout)}\n${tail(err.stderr)}`);
    }
  };
  run('the production build (scripts/build.mjs --production)', [path.join(stage, 'scripts', 'build.mjs'), '--production']);
  run('vsce package', [path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--no-dependencies', ...VSCE_BASE, '--out', vsix]);
  return { vsix, dist: path.join(stage, 'dist'), how: 'built (production) and packaged from a staging copy of the sources' };
}
