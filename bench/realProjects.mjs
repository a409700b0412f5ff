// `djperf check` on real Django projects (the development corpora), each run a fresh CLI process as a user runs it,
// side by side with Ruff's WASM build and its ASYNC rules on the same files (bench/ruffCheck.mjs, also a fresh
// process), and optionally with an earlier revision of djperf built from git: the before/after of an analysis change
// measured in the same run, rounds alternated so all see the same machine (its speed drifts by up to 50 %).
// Also prints djperf's time per phase (parse, copy, facts, each rule family, contexts, templates, profiles).
//
//   DJPERF_CORPORA=DIR        a folder whose sub-folders are Django projects (default: ../corpora beside the repo);
//                             the table is skipped, with a message, when there is none
//   DJPERF_BENCH_BASELINE=REV a git revision to compare with (built once in a temporary worktree and kept for reuse)
//   DJPERF_BENCH_ROUNDS=K     rounds per project (default 5; medians reported)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const corporaDir = process.env.DJPERF_CORPORA ?? path.join(path.dirname(root), 'corpora');
const rounds = Math.max(1, Number(process.env.DJPERF_BENCH_ROUNDS ?? 5) || 5);
const baselineRev = process.env.DJPERF_BENCH_BASELINE;

const projects = fs.existsSync(corporaDir)
  ? fs.readdirSync(corporaDir, { withFileTypes: true }).map((d) => path.join(corporaDir, d.name)).filter((p) => fs.statSync(p).isDirectory()) // links too
  : [];
if (projects.length === 0) {
  console.log(`real projects: skipped (no Django projects in ${corporaDir}; set DJPERF_CORPORA to a folder of projects)`);
  process.exit(0);
}

/**
 * dist/cli.js of a revision, built once in a worktree under the temp folder (node_modules shared when the lock
 * matches), as `npm run bench` builds the current tree: the production build that ships (`build:production`, minified),
 * or the development build of a revision that has no such script.
 */
function buildRevision(rev) {
  const git = (...args) => spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  const sha = git('rev-parse', '--short', rev).stdout.trim();
  if (!sha) throw new Error(`DJPERF_BENCH_BASELINE: unknown revision ${rev}`);
  const wt = path.join(os.tmpdir(), 'djperf-bench-baseline', `${sha}-production`);
  const cli = path.join(wt, 'dist', 'cli.js');
  if (fs.existsSync(cli)) return { sha, cli };
  fs.rmSync(wt, { recursive: true, force: true });
  if (git('worktree', 'add', '-f', '--detach', wt, sha).status !== 0) throw new Error(`could not check out ${rev}`);
  const lock = (dir) => fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  if (lock(wt) === lock(root)) fs.symlinkSync(path.join(root, 'node_modules'), path.join(wt, 'node_modules'));
  else if (spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: wt, stdio: 'ignore' }).status !== 0) throw new Error(`npm ci failed for ${rev}`);
  const scripts = JSON.parse(fs.readFileSync(path.join(wt, 'package.json'), 'utf8')).scripts ?? {};
  const build = scripts['build:production'] ? 'build:production' : 'build';
  if (spawnSync('npm', ['run', build], { cwd: wt, stdio: 'ignore' }).status !== 0) throw new Error(`${build} of ${rev} failed`);
  return { sha, cli };
}

/** The flags a build understands: older builds check tests always and know no --check-tests. */
function checkArgs(cli, dir) {
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  return [cli, 'check', dir, '--jobs', '1', '--format', 'json', '--quiet', '--exit-zero', ...(help.includes('--check-tests') ? ['--check-tests'] : [])];
}

const require = createRequire(import.meta.url);
const { discoverPythonFiles, readPythonFile } = require(path.join(root, 'out/server/node/sourceFiles.js'));
const { loadProjectConfig } = require(path.join(root, 'out/server/node/projectConfig.js'));
const { mergeConfig, validateConfigTable } = require(path.join(root, 'out/server/core/config/config.js'));
const ruffCheck = path.join(root, 'bench', 'ruffCheck.mjs');
const ruffVersion = (() => {
  try { return require('@astral-sh/ruff-wasm-nodejs').Workspace.version(); } catch { return undefined; }
})();

/** One fresh process: wall time, and what it printed (JSON). */
const run = (args, env) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
  const chunks = [];
  child.stdout.on('data', (c) => chunks.push(c));
  child.on('error', reject);
  child.on('exit', () => {
    const ms = performance.now() - t0;
    let out;
    try { out = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { /* reported as NaN */ }
    resolve({ ms, out });
  });
});

/** The files `djperf check --check-tests` analyses in `dir` (its discovery and size limit), and their size in bytes. */
function checkedFiles(dir) {
  const project = loadProjectConfig(dir);
  const config = mergeConfig(project.config, validateConfigTable({ 'check-tests': true }, 'bench'));
  const files = discoverPythonFiles([dir], project.root, config).files.filter((f) => 'text' in readPythonFile(f, config.maxFileSize));
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  return { files, bytes };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const range = (xs) => { const s = [...xs].sort((a, b) => a - b); return `${s[0].toFixed(2)}–${s[s.length - 1].toFixed(2)}`; };
const current = path.join(root, 'dist', 'cli.js');
const baseline = baselineRev ? buildRevision(baselineRev) : undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-bench-real-'));
console.log(`real projects in ${corporaDir}: djperf check --jobs 1 --check-tests, fresh process, median of ${rounds}` +
  `${ruffVersion ? `; Ruff ${ruffVersion} WASM (ASYNC rules) on the same files, fresh process` : '; Ruff WASM not installed (npm ci)'}` +
  `${baseline ? `; against ${baselineRev} (${baseline.sha})` : ''}; rounds alternated`);
const rows = [], phaseRows = [], speedups = [], cpuSpeedups = [];
for (const dir of projects) {
  const { files, bytes } = checkedFiles(dir);
  const mb = bytes / 1048576;
  const list = path.join(tmp, `${path.basename(dir)}.files`);
  fs.writeFileSync(list, files.join('\n'));
  const phaseFile = path.join(tmp, `${path.basename(dir)}.phases.json`);
  const now = [], before = [], ruff = [], phases = [], nowCpu = [], ruffCpu = [];
  let found = NaN, foundBefore = NaN, ruffFound = NaN;
  for (let r = 0; r < rounds; r++) {
    // Rotate which one goes first, so none always runs on a machine another just warmed or loaded.
    const order = ['now', 'ruff', 'before'].filter((w) => (w !== 'ruff' || ruffVersion) && (w !== 'before' || baseline));
    for (let i = 0; i < order.length; i++) {
      const which = order[(i + r) % order.length];
      if (which === 'now') {
        const x = await run(checkArgs(current, dir), { DJPERF_PHASE_TIMES: phaseFile });
        now.push(x.ms); found = x.out?.length ?? NaN;
        phases.push({ ...JSON.parse(fs.readFileSync(phaseFile, 'utf8')), wallMs: x.ms });
        nowCpu.push(phases[phases.length - 1].cpuMs);
      } else if (which === 'ruff') {
        const x = await run([ruffCheck, list]);
        ruff.push(x.ms); ruffCpu.push(x.out?.cpuMs ?? NaN); ruffFound = x.out?.diagnostics ?? NaN;
      } else {
        const x = await run(checkArgs(baseline.cli, dir));
        before.push(x.ms); foundBefore = x.out?.length ?? NaN;
      }
    }
  }
  const t = median(now);
  const row = { project: path.basename(dir), files: files.length, MB: mb.toFixed(1), findings: found, 'djperf s': (t / 1000).toFixed(2), 'djperf MB/s': (mb / (t / 1000)).toFixed(2) };
  if (ruffVersion) {
    const rt = median(ruff);
    // djperf's speed relative to Ruff's (Ruff's time / djperf's), per round for the spread.
    const ratios = now.map((x, i) => ruff[i] / x);
    // The same by CPU time (each process's own, all threads): far steadier than wall time on a shared machine.
    const cpuRatios = nowCpu.map((x, i) => ruffCpu[i] / x);
    const ct = median(nowCpu), rct = median(ruffCpu);
    speedups.push(rt / t);
    cpuSpeedups.push(rct / ct);
    Object.assign(row, { 'Ruff s': (rt / 1000).toFixed(2), 'Ruff MB/s': (mb / (rt / 1000)).toFixed(2), 'Ruff ASYNC findings': ruffFound,
      'djperf speed / Ruff': `${(rt / t).toFixed(2)} (${range(ratios)})`,
      'CPU s djperf / Ruff': `${(ct / 1000).toFixed(2)} / ${(rct / 1000).toFixed(2)}`, 'by CPU: djperf speed / Ruff': `${(rct / ct).toFixed(2)} (${range(cpuRatios)})` });
  }
  if (baseline) {
    const b = median(before);
    const ratios = now.map((x, i) => x / before[i]);
    Object.assign(row, { [`${baseline.sha} s`]: (b / 1000).toFixed(2), [`${baseline.sha} findings`]: foundBefore, 'now / before': `${(t / b).toFixed(2)} (${range(ratios)})` });
  }
  rows.push(row);
  phaseRows.push(phaseRow(path.basename(dir), phases));
}
fs.rmSync(tmp, { recursive: true, force: true });
console.table(rows);
const geomean = (xs) => Math.exp(xs.reduce((n, x) => n + Math.log(x), 0) / xs.length).toFixed(2);
if (speedups.length) console.log(`djperf speed / Ruff, geometric mean: ${geomean(speedups)} by wall time, ${geomean(cpuSpeedups)} by CPU time`);
console.log('djperf time per phase (ms, medians over the rounds; rules include the shared analyses they build first, e.g. the semantic model for the N+1 family):');
console.table(phaseRows);

/**
 * Medians of each phase over the rounds. The rule families, `execution contexts` (placing each finding: callers
 * looked up in other files, messages) and `template renders` are parts of the analysis pass (`analysis, rest` is what
 * is left of it: the tree's per-file indexes and the loop over files); `profiles` (endpoint profiles for DJP6xx) is
 * part of the deployment family; `other` is the rest of the process's wall time (start-up, discovery, reading, output).
 */
function phaseRow(project, phases) {
  const m = (f) => Math.round(median(phases.map(f)));
  const inAnalysis = (n) => n !== 'templates pass' && n !== 'profiles';
  const names = [...new Set(phases.flatMap((p) => Object.keys(p.phases ?? {})))].filter(inAnalysis).sort();
  const ph = (p, n) => p.phases?.[n] ?? 0;
  const row = { project, wall: m((p) => p.wallMs), cpu: m((p) => p.cpuMs), facts: m((p) => p.factsMs), parse: m((p) => p.parseMs), copy: m((p) => p.copyMs) };
  for (const n of names) row[n.replace(/^rules: /, '')] = m((p) => ph(p, n));
  row['analysis, rest'] = m((p) => p.analyzeMs - names.reduce((a, n) => a + ph(p, n), 0));
  row.profiles = m((p) => ph(p, 'profiles'));
  row['templates pass'] = m((p) => ph(p, 'templates pass'));
  row.other = m((p) => p.wallMs - p.factsMs - p.parseMs - p.copyMs - p.analyzeMs - ph(p, 'templates pass'));
  return row;
}
