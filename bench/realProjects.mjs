// `djperf check` on real Django projects (the development corpora), each run a fresh CLI process as a user runs it,
// optionally side by side with an earlier revision of djperf built from git: the before/after of an analysis change
// measured in the same run, rounds alternated so both see the same machine (its speed drifts by up to 50 %).
//
//   DJPERF_CORPORA=DIR        a folder whose sub-folders are Django projects (default: ../corpora beside the repo);
//                             the table is skipped, with a message, when there is none
//   DJPERF_BENCH_BASELINE=REV a git revision to compare with (built once in a temporary worktree and kept for reuse)
//   DJPERF_BENCH_ROUNDS=K     rounds per project (default 5; medians reported)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const corporaDir = process.env.DJPERF_CORPORA ?? path.join(path.dirname(root), 'corpora');
const rounds = Math.max(1, Number(process.env.DJPERF_BENCH_ROUNDS ?? 5) || 5);
const baselineRev = process.env.DJPERF_BENCH_BASELINE;

const projects = fs.existsSync(corporaDir)
  ? fs.readdirSync(corporaDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(corporaDir, d.name))
  : [];
if (projects.length === 0) {
  console.log(`real projects: skipped (no Django projects in ${corporaDir}; set DJPERF_CORPORA to a folder of projects)`);
  process.exit(0);
}

/** dist/cli.js of a revision, built once in a worktree under the temp folder (node_modules shared when the lock matches). */
function buildRevision(rev) {
  const git = (...args) => spawnSync('git', ['-C', root, ...args], { encoding: 'utf8' });
  const sha = git('rev-parse', '--short', rev).stdout.trim();
  if (!sha) throw new Error(`DJPERF_BENCH_BASELINE: unknown revision ${rev}`);
  const wt = path.join(os.tmpdir(), 'djperf-bench-baseline', sha);
  const cli = path.join(wt, 'dist', 'cli.js');
  if (fs.existsSync(cli)) return { sha, cli };
  fs.rmSync(wt, { recursive: true, force: true });
  if (git('worktree', 'add', '-f', '--detach', wt, sha).status !== 0) throw new Error(`could not check out ${rev}`);
  const lock = (dir) => fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  if (lock(wt) === lock(root)) fs.symlinkSync(path.join(root, 'node_modules'), path.join(wt, 'node_modules'));
  else if (spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: wt, stdio: 'ignore' }).status !== 0) throw new Error(`npm ci failed for ${rev}`);
  if (spawnSync('npm', ['run', 'build'], { cwd: wt, stdio: 'ignore' }).status !== 0) throw new Error(`build of ${rev} failed`);
  return { sha, cli };
}

/** The flags a build understands: older builds check tests always and know no --check-tests. */
function checkArgs(cli, dir) {
  const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout;
  return [cli, 'check', dir, '--jobs', '1', '--format', 'json', '--quiet', '--exit-zero', ...(help.includes('--check-tests') ? ['--check-tests'] : [])];
}

/** One fresh `djperf check`: wall time, and the number of findings it printed. */
const run = (args) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const chunks = [];
  child.stdout.on('data', (c) => chunks.push(c));
  child.on('error', reject);
  child.on('exit', () => {
    const ms = performance.now() - t0;
    let findings = NaN;
    try { findings = JSON.parse(Buffer.concat(chunks).toString('utf8')).length; } catch { /* reported as NaN */ }
    resolve({ ms, findings });
  });
});

function pythonBytes(dir) {
  let bytes = 0, files = 0;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === 'node_modules' || e.name === '__pycache__') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.name.endsWith('.py')) { bytes += fs.statSync(p).size; files++; }
    }
  }
  return { bytes, files };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const current = path.join(root, 'dist', 'cli.js');
const baseline = baselineRev ? buildRevision(baselineRev) : undefined;
console.log(`real projects in ${corporaDir}: djperf check --jobs 1, fresh process, median of ${rounds}${baseline ? `, against ${baselineRev} (${baseline.sha}) in alternated rounds` : ''}`);
const rows = [];
for (const dir of projects) {
  const { bytes, files } = pythonBytes(dir);
  const now = [], before = [];
  let found = NaN, foundBefore = NaN;
  for (let r = 0; r < rounds; r++) {
    // Alternate which build goes first, so neither always runs on a machine the other just warmed or loaded.
    const order = baseline && r % 2 === 1 ? ['before', 'now'] : ['now', 'before'];
    for (const which of order) {
      if (which === 'now') { const x = await run(checkArgs(current, dir)); now.push(x.ms); found = x.findings; }
      else if (baseline) { const x = await run(checkArgs(baseline.cli, dir)); before.push(x.ms); foundBefore = x.findings; }
    }
  }
  const t = median(now);
  const row = { project: path.basename(dir), 'Python files': files, MB: (bytes / 1048576).toFixed(1), findings: found, 's': (t / 1000).toFixed(2), 'MB/s': (bytes / 1048576 / (t / 1000)).toFixed(2) };
  if (baseline) {
    const b = median(before);
    // Per-round ratios show the spread the machine's drift leaves.
    const ratios = now.map((x, i) => x / before[i]).sort((a, b2) => a - b2);
    Object.assign(row, { [`${baseline.sha} s`]: (b / 1000).toFixed(2), [`${baseline.sha} findings`]: foundBefore,
      'now / before': `${(t / b).toFixed(2)} (${ratios[0].toFixed(2)}–${ratios[ratios.length - 1].toFixed(2)})` });
  }
  rows.push(row);
}
console.table(rows);
