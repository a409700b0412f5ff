import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs, listValue, lastValue, UsageError } from './args';
import type { CliIO } from './io';
import { loadProjectConfig } from '../node/projectConfig';
import { ConfigError, mergeConfig, validateConfigTable } from '../core/config/config';
import { scanPaths } from '../node/scan';
import { formatText } from './formats/text';
import { formatJson } from './formats/json';
import { formatSarif } from './formats/sarif';
import { formatGithub } from './formats/github';
import type { Report } from './formats/report';
import { progressBar } from './progress';
import { findingStatistics, formatStatistics } from './statistics';

export const CHECK_USAGE = `usage: djperf check [PATH...] [--format text|json|sarif|github] [--select CODES] [--ignore CODES]
                    [--target-django-version X.Y] [--check-tests] [--statistics] [--jobs N] [--exit-zero] [--quiet]

--check-tests also reports findings in test code and migrations (skipped by default).
--statistics prints the number of findings per code and execution context instead of the findings (text or json).
--jobs N analyses on N worker threads (default: the number of cores).
Exit codes: 0 no findings, 1 findings, 2 usage or configuration error.`;

const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
type Format = (typeof FORMATS)[number];

export async function runCheckCommand(argv: string[], io: CliIO, version: string): Promise<number> {
  const args = parseArgs(argv, {
    values: ['format', 'select', 'ignore', 'extend-select', 'target-django-version', 'output-format', 'jobs'],
    switches: ['exit-zero', 'quiet', 'help', 'no-progress', 'check-tests', 'statistics'],
  });
  if (args.switches.has('help')) {
    io.stdout(`${CHECK_USAGE}\n`);
    return 0;
  }
  const format = (lastValue(args, 'format') ?? lastValue(args, 'output-format') ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got "${format}"`);
  if (args.switches.has('statistics') && format !== 'text' && format !== 'json') {
    throw new UsageError(`--statistics prints text or json, not ${format}`);
  }
  const inputs = args.positional.length ? args.positional.map((p) => path.resolve(io.cwd, p)) : [io.cwd];
  const project = loadProjectConfig(inputs[0]);
  const cli: Record<string, unknown> = {};
  const select = listValue(args, 'select');
  const ignore = listValue(args, 'ignore');
  if (select) cli.select = select;
  if (ignore) cli.ignore = [...(project.config.ignore ?? []), ...ignore];
  const target = lastValue(args, 'target-django-version');
  if (target) cli['target-django-version'] = target;
  if (args.switches.has('check-tests')) cli['check-tests'] = true;
  const config = mergeConfig(project.config, validateConfigTable(cli, 'command line'));
  const bar = progressBar(io.stderr, io.isTTY && !args.switches.has('quiet') && !args.switches.has('no-progress'), 'djperf: analysing');
  const jobsArg = lastValue(args, 'jobs');
  const jobs = jobsArg === undefined ? os.availableParallelism() : Number(jobsArg);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64, got "${jobsArg}"`);
  // Benchmarks only (bench/realProjects.mjs): the scan's time per phase, written as JSON to this file.
  const phaseFile = process.env.DJPERF_PHASE_TIMES;
  const scan = await scanPaths(inputs, { root: project.root, config, jobs, onProgress: (d, t) => bar.update(d, t), timePhases: !!phaseFile });
  bar.finish();
  if (phaseFile) {
    // CPU time of the whole process so far (every thread): on a shared machine it varies far less than wall time.
    const cpu = process.cpuUsage();
    fs.writeFileSync(phaseFile, JSON.stringify({ ...scan.stats, cpuMs: (cpu.user + cpu.system) / 1000 }));
  }
  for (const n of scan.notices) {
    if (args.switches.has('quiet') && n.level === 'info') continue;
    io.stderr(`djperf: ${path.relative(io.cwd, n.uri) || n.uri}: ${n.message}\n`);
  }
  const report: Report = {
    results: scan.results,
    version,
    displayPath: (f) => path.relative(io.cwd, f.path).split(path.sep).join('/') || f.path,
  };
  if (args.switches.has('statistics')) {
    io.stdout(formatStatistics(findingStatistics(report), format === 'json' ? 'json' : 'text'));
  } else switch (format) {
    case 'json': io.stdout(formatJson(report)); break;
    case 'sarif': io.stdout(formatSarif(report, project.root)); break;
    case 'github': io.stdout(formatGithub(report)); break;
    default: io.stdout(formatText(report, args.switches.has('quiet')));
  }
  const count = scan.results.reduce((n, r) => n + r.findings.length, 0);
  if (scan.notices.some((n) => n.level === 'error' && n.message === 'no such file or folder')) return 2;
  return count > 0 && !args.switches.has('exit-zero') ? 1 : 0;
}

export function describeError(e: unknown): { message: string; code: number } {
  if (e instanceof ConfigError) return { message: `djperf: configuration error: ${e.message}`, code: 2 };
  if (e instanceof UsageError) return { message: `djperf: ${e.message}`, code: 2 };
  return { message: `djperf: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`, code: 2 };
}
