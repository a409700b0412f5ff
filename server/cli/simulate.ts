/**
 * `djperf simulate SCENARIO.json [--format text|json] [--sweep KEY=A..B|A,B,C] [--seed N] [--compare FILE]
 *   [--locust FILE | --k6 FILE]`
 * Runs the embedded discrete-event simulation and prints a table or JSON. Exit 0 on success,
 * 2 on a usage or scenario error.
 */
import * as path from 'node:path';
import type { CliIO } from './io';
import {
  compareResult, formatComparison, formatResult, groupsFromK6, groupsFromLocust, parseMeasuredPoints, simulate, validateScenario,
} from '../../webview/sim';
import type { Comparison, Measured, Scenario, SimResult } from '../../webview/sim';
import type { K6Exec, K6Scenario, LocustUserClass } from '../../webview/sim/loadImport';
import type { UserGroup } from '../../webview/sim/types';
import { table, ms } from '../../webview/sim/report';

const USAGE = `usage: djperf simulate SCENARIO.json [--format text|json] [--sweep KEY=A..B|A,B,C] [--seed N] [--compare FILE]
                       [--locust FILE | --k6 FILE]
  --sweep keys: workers, threads, connections, users, rate, cores, dbCores, poolSize
  --compare FILE: k6 --summary-export JSON, Locust --csv *_stats.csv, wrk output, or a CSV of
    concurrency,throughput,mean,p50,p90,p95,p99 (one simulation per concurrency; a closed load's
    users are set to the measured concurrency)
  --locust FILE: Locust user classes as JSON, {"users": N, "classes": [{"name", "weight" or
    "fixedCount", "waitTime": {"constant": s} or {"between": [a, b]}, "tasks": {endpoint: weight}}]}
  --k6 FILE: k6 scenarios as JSON, {"scenarios": <options.scenarios>, "execs": {fn: {"mix":
    {endpoint: weight}, "sleepS": s}}}
    Either replaces the scenario's closed-load users with one group per user class / scenario.
`;

const SWEEP_KEYS = ['workers', 'threads', 'connections', 'users', 'rate', 'cores', 'dbCores', 'poolSize'] as const;
type SweepKey = (typeof SWEEP_KEYS)[number];

interface Options {
  file: string; format: 'text' | 'json'; sweep?: { key: SweepKey; values: number[] }; seed?: number; compare?: string;
  /** User groups from a load tool's description. */
  groups?: { tool: 'locust' | 'k6'; file: string };
}

class UsageError extends Error {}

function parseSweep(spec: string): { key: SweepKey; values: number[] } {
  const m = /^([A-Za-z]+)=(.+)$/.exec(spec);
  if (!m) throw new UsageError(`--sweep: expected KEY=A..B or KEY=A,B,C, got "${spec}"`);
  const key = m[1] as SweepKey;
  if (!SWEEP_KEYS.includes(key)) throw new UsageError(`--sweep: unknown key "${m[1]}" (one of: ${SWEEP_KEYS.join(', ')})`);
  let values: number[];
  const range = /^(\d+)\.\.(\d+)$/.exec(m[2]);
  if (range) {
    const [a, b] = [Number(range[1]), Number(range[2])];
    if (b < a || b - a > 1000) throw new UsageError(`--sweep: bad range ${m[2]}`);
    values = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else {
    values = m[2].split(',').map(Number);
  }
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v <= 0)) throw new UsageError(`--sweep: values must be positive numbers, got "${m[2]}"`);
  return { key, values };
}

function parseArgs(args: string[]): Options {
  let file: string | undefined;
  const o: Partial<Options> = { format: 'text' };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--format') {
      const f = value();
      if (f !== 'text' && f !== 'json') throw new UsageError(`--format: expected text or json, got "${f}"`);
      o.format = f;
    } else if (a === '--sweep') o.sweep = parseSweep(value());
    else if (a === '--seed') {
      const s = Number(value());
      if (!Number.isInteger(s) || s < 0) throw new UsageError('--seed: expected an integer ≥ 0');
      o.seed = s;
    } else if (a === '--compare') o.compare = value();
    else if (a === '--locust' || a === '--k6') {
      if (o.groups) throw new UsageError('give one of --locust and --k6');
      o.groups = { tool: a === '--locust' ? 'locust' : 'k6', file: value() };
    }
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (file === undefined) file = a;
    else throw new UsageError(`unexpected argument ${a}`);
  }
  if (file === undefined) throw new UsageError('missing SCENARIO.json');
  return { ...o, file } as Options;
}

function applySweep(base: Scenario, key: SweepKey, v: number): Scenario {
  const s = JSON.parse(JSON.stringify(base)) as Scenario;
  switch (key) {
    case 'workers': case 'threads': case 'connections': s.server[key] = v; break;
    case 'users': if (s.load.type === 'closed') s.load.users = v; break;
    case 'rate': if (s.load.type === 'open') s.load.rate = v; break;
    case 'cores': s.machine = { ...s.machine, cores: v }; break;
    case 'dbCores': s.db = { ...s.db, cores: v }; break;
    case 'poolSize': s.db = { ...s.db, poolSize: v }; break;
  }
  return s;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The scenario with its closed load's users replaced by the load tool's user classes or scenarios. */
export function applyGroups(base: Scenario, tool: 'locust' | 'k6', spec: unknown): Scenario {
  if (base.load.type !== 'closed') throw new Error('user groups need a closed load (load.type "closed")');
  if (!isObject(spec)) throw new Error('expected a JSON object');
  let groups: UserGroup[];
  if (tool === 'locust') {
    if (!Array.isArray(spec.classes)) throw new Error('expected "classes": [...]');
    if (typeof spec.users !== 'number' || !Number.isInteger(spec.users) || spec.users < 1) throw new Error('expected "users": a positive integer');
    groups = groupsFromLocust(spec.classes as LocustUserClass[], spec.users);
  } else {
    if (!isObject(spec.scenarios) || !isObject(spec.execs)) throw new Error('expected "scenarios": {...} and "execs": {...}');
    groups = groupsFromK6(spec.scenarios as Record<string, K6Scenario>, spec.execs as Record<string, K6Exec>);
  }
  if (groups.length === 0) throw new Error('no user group with users');
  const s = JSON.parse(JSON.stringify(base)) as Scenario;
  if (s.load.type === 'closed') {
    s.load.groups = groups;
    s.load.users = groups.reduce((n, x) => n + x.users, 0);
  }
  return s;
}

function read(io: CliIO, file: string): string {
  return io.readFile(path.isAbsolute(file) ? file : path.join(io.cwd, file));
}

export async function runSimulateCommand(args: string[], io: CliIO): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(args);
  } catch (e) {
    io.stderr(`djperf simulate: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let scenario: Scenario;
  try {
    const v = validateScenario(JSON.parse(read(io, opts.file)));
    if (!v.ok) {
      io.stderr(`djperf simulate: ${opts.file}: invalid scenario\n${v.errors.map((e) => `  ${e}`).join('\n')}\n`);
      return 2;
    }
    scenario = v.scenario;
  } catch (e) {
    io.stderr(`djperf simulate: ${opts.file}: ${(e as Error).message}\n`);
    return 2;
  }
  if (opts.groups) {
    const g = opts.groups;
    try {
      const withGroups = validateScenario(applyGroups(scenario, g.tool, JSON.parse(read(io, g.file)) as unknown));
      if (!withGroups.ok) throw new Error(withGroups.errors.join('; '));
      scenario = withGroups.scenario;
    } catch (e) {
      io.stderr(`djperf simulate: --${g.tool} ${g.file}: ${(e as Error).message}\n`);
      return 2;
    }
  }

  if (opts.sweep) {
    const { key, values } = opts.sweep;
    const runs: { value: number; result: SimResult }[] = [];
    const bar = (done: number): void => {
      if (!io.isTTY) return;
      const w = 30;
      const f = Math.round((done / values.length) * w);
      io.stderr(`\r[${'#'.repeat(f)}${'.'.repeat(w - f)}] ${done}/${values.length} ${key}`);
    };
    for (const [i, v] of values.entries()) {
      const s = applySweep(scenario, key, v);
      const check = validateScenario(s);
      if (!check.ok) {
        io.stderr(`${io.isTTY ? '\n' : ''}djperf simulate: --sweep ${key}=${v}: ${check.errors.join('; ')}\n`);
        return 2;
      }
      if (values.length > 1) bar(i);
      runs.push({ value: v, result: simulate(check.scenario, { seed: opts.seed }) });
    }
    if (values.length > 1 && io.isTTY) { bar(values.length); io.stderr('\n'); }
    if (opts.format === 'json') {
      io.stdout(JSON.stringify({ sweep: key, runs }, null, 2) + '\n');
    } else {
      io.stdout(`${scenario.name ?? opts.file}: sweep over ${key}\n\n`);
      io.stdout(table([key, 'req/s', 'mean', 'p50', 'p95', 'p99', 'errors', 'busiest resource'], runs.map(({ value, result: r }) => {
        const top = [...r.resources].filter((x) => x.kind !== 'backlog').sort((a, b) => b.utilisation - a.utilisation)[0];
        return [String(value), r.overall.throughput.toFixed(1), ms(r.overall.latency.mean), ms(r.overall.latency.p50),
          ms(r.overall.latency.p95), ms(r.overall.latency.p99), `${(r.overall.errorRate * 100).toFixed(1)}%`,
          top ? `${top.name} ${(top.utilisation * 100).toFixed(0)}%` : ''];
      })));
    }
    return 0;
  }

  if (opts.compare) return compareCommand(scenario, opts, io);
  const result = simulate(scenario, { seed: opts.seed });
  io.stdout(opts.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatResult(result));
  return 0;
}

/** A closed load simulated at the measured concurrency (wrk connections, a CSV row). */
function atConcurrency(s: Scenario, m: Measured): Scenario {
  if (m.concurrency === undefined || s.load.type !== 'closed' || s.load.users === m.concurrency) return s;
  if (s.load.groups && s.load.groups.length > 0) return s; // groups keep their own users
  return { ...s, load: { ...s.load, users: m.concurrency } };
}

function compareCommand(scenario: Scenario, opts: Options, io: CliIO): number {
  const file = opts.compare as string;
  const runs: { concurrency?: number; result: SimResult; comparison: Comparison }[] = [];
  try {
    const paths = Object.fromEntries(scenario.endpoints.filter((e) => e.path).map((e) => [e.name, e.path as string]));
    for (const m of parseMeasuredPoints(read(io, file))) {
      const s = atConcurrency(scenario, m);
      const result = simulate(s, { seed: opts.seed });
      runs.push({ concurrency: m.concurrency, result, comparison: compareResult(result, m, paths) });
    }
  } catch (e) {
    io.stderr(`djperf simulate: --compare ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  if (opts.format === 'json') {
    const one = runs.length === 1 ? { result: runs[0].result, comparison: runs[0].comparison } : { runs };
    io.stdout(JSON.stringify(one, null, 2) + '\n');
    return 0;
  }
  for (const { concurrency, result, comparison } of runs) {
    if (runs.length > 1 || (concurrency !== undefined && scenario.load.type === 'closed' && concurrency !== scenario.load.users)) {
      io.stdout(`\n== concurrency ${concurrency} (closed-loop users set to the measurement's)\n\n`);
    }
    io.stdout(formatResult(result));
    io.stdout(`\npredicted vs measured (${comparison.source}):\n\n${formatComparison(comparison)}`);
    const { measured, endpoints } = comparison.unmatched;
    if (measured.length > 0) {
      io.stdout(`\nnot compared: measured rows matching no endpoint name or path: ${measured.map((n) => JSON.stringify(n)).join(', ')}\n`);
    }
    if (endpoints.length > 0) io.stdout(`not compared: endpoints with no measured row: ${endpoints.join(', ')}\n`);
  }
  return 0;
}
