/**
 * `djperf profile [PATH] [--format text|json]`: endpoint profiles (routes, methods, simulator steps, caching advice)
 * and the detected deployment(s) of a Django project. Exit 0 on success, 2 on a usage or configuration error.
 */
import * as path from 'node:path';
import { parseArgs, lastValue, UsageError } from './args';
import type { CliIO } from './io';
import { loadProjectConfig } from '../node/projectConfig';
import { mergeConfig } from '../core/config/config';
import { profileProject } from '../node/profile';
import type { DetectedDeployment, EndpointProfile, ProfileReport, Sourced } from '../core/profiles/types';
import type { QueryCount, Step } from '../../webview/sim/types';

export const PROFILE_USAGE = `usage: djperf profile [PATH] [--format text|json]

Prints every endpoint reachable from ROOT_URLCONF with the work one request does (queries, locks, I/O,
thread hops, cache reads, CPU), djperf's fixed version, caching advice, and the deployment(s) detected from
gunicorn/uvicorn/waitress configs, Procfile, Dockerfile, docker-compose and settings (docs/deployment.md).`;

export async function runProfileCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseArgs(argv, { values: ['format'], switches: ['help'] });
  if (args.switches.has('help')) { io.stdout(`${PROFILE_USAGE}\n`); return 0; }
  const format = lastValue(args, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be one of text, json, got "${format}"`);
  if (args.positional.length > 1) throw new UsageError('profile takes one PATH (the project folder)');
  const input = path.resolve(io.cwd, args.positional[0] ?? '.');
  const project = loadProjectConfig(input);
  const config = mergeConfig(project.config);
  const { report, notices } = await profileProject(input, config);
  for (const n of notices) if (n.level !== 'info') io.stderr(`djperf: ${path.relative(io.cwd, n.uri) || n.uri}: ${n.message}\n`);
  if (notices.some((n) => n.level === 'error' && n.message === 'no such file or folder')) return 2;
  io.stdout(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatProfileText(report, (u) => path.relative(io.cwd, u).split(path.sep).join('/') || u));
  return 0;
}

function queries(q: QueryCount | undefined): string {
  if (q === undefined) return '1';
  if (typeof q === 'number') return String(q);
  return `${q.base ? `${q.base} + ` : ''}${q.perRow === 1 ? '' : q.perRow}N`;
}

/** One line per step, nested steps indented: `db 1 + 2N`, `lock ProductStock:product_id [db 4, cache delete]`. */
export function describeSteps(steps: readonly Step[]): string {
  return steps.map((s): string => {
    if ('db' in s) return `db ${queries(s.db.queries)}${s.db.blocking ? ' (blocks the loop)' : ''}`;
    if ('lock' in s) return `lock ${s.lock.key}${s.lock.keys ? `×${s.lock.keys}` : ''} [${describeSteps(s.lock.steps)}]`;
    if ('hop' in s) return `hop [${describeSteps(s.hop.steps)}]`;
    if ('repeat' in s) return `${s.repeat.times}× [${describeSteps(s.repeat.steps)}]`;
    if ('cache' in s) return `cache ${s.cache.op ?? 'get'}${s.cache.key ? ` "${s.cache.key}"` : ''}${s.cache.miss ? ` miss→[${describeSteps(s.cache.miss)}]` : ''}`;
    if ('io' in s) return `io${typeof s.io === 'object' && 'blocking' in s.io && s.io.blocking ? ' (blocks the loop)' : ''}`;
    if ('sleep' in s) return `sleep${typeof s.sleep === 'object' && 'blocking' in s.sleep && s.sleep.blocking ? ' (blocks the loop)' : ''}`;
    if ('cpu' in s) return typeof s.cpu === 'number' ? `cpu ${s.cpu} ms` : 'cpu-heavy';
    return '?';
  }).join(', ');
}

function src<T>(v: Sourced<T> | undefined): string {
  if (!v) return '–';
  const where = v.source.file ? `${v.source.file}${v.source.line ? `:${v.source.line}` : ''}` : v.source.note;
  return `${v.value === null ? 'off' : String(v.value)} (${where})`;
}

function formatDeployment(d: DetectedDeployment): string {
  const s = d.server;
  const lines = [
    `deployment ${d.name ?? ''}${d.program ? ` [${d.program}]` : ''}`,
    `  worker class ${src(s.workerClass)}, workers ${src(s.workers)}${s.threads ? `, threads ${src(s.threads)}` : ''}`,
    `  timeout ${s.timeoutMs ? (s.timeoutMs.value === null ? 'off' : `${s.timeoutMs.value / 1000} s`) : '–'}${s.timeoutMs ? ` (${s.timeoutMs.source.file ?? s.timeoutMs.source.note})` : ''}, backlog ${src(s.backlog)}`,
  ];
  if (d.app) lines.push(`  app ${src(d.app)}`);
  if (d.settingsModule) lines.push(`  settings ${src(d.settingsModule)}${d.rootUrlconf ? `, ROOT_URLCONF ${d.rootUrlconf.value}` : ''}`);
  if (d.db) lines.push(`  database: CONN_MAX_AGE ${src(d.db.connMaxAge)}${d.db.maxConnections ? `, max_connections ${d.db.maxConnections.value}` : ''}${d.db.atomicRequests ? `, ATOMIC_REQUESTS ${d.db.atomicRequests.value}` : ''}`);
  if (d.cache?.backend) lines.push(`  cache: ${d.cache.backend.value}`);
  if (d.endpointIds) lines.push(`  serves ${d.endpointIds.length} endpoints`);
  for (const c of d.conflicts) lines.push(`  conflict: ${c}`);
  for (const n of d.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

function formatEndpoint(e: EndpointProfile, rel: (u: string) => string): string {
  const lines = [
    `${e.methods?.join('/') ?? 'ANY'} /${e.route ?? ''}  ${e.id}${e.handler.async ? ' (async)' : ''}  ${rel(e.handler.uri)}:${e.handler.range.start.line + 1}`,
    `  steps: ${describeSteps(e.endpoint.steps)}`,
  ];
  if (e.endpoint.fixed) lines.push(`  fixed: ${describeSteps(e.endpoint.fixed)}`);
  for (const f of e.findings) lines.push(`  ${f.code} line ${f.line + 1}: ${f.cost}`);
  if (e.cacheAdvice) {
    const a = e.cacheAdvice;
    lines.push(`  cache (${a.kind}) key "${a.key}" ttl ${a.ttlSeconds} s; invalidate at ${a.invalidateAt.length} write${a.invalidateAt.length === 1 ? '' : 's'}`);
    for (const w of a.invalidateAt) lines.push(`    ${rel(w.uri)}:${w.line + 1} ${w.what}`);
  } else if (e.cacheUnsafe) lines.push(`  cache: ${e.cacheUnsafe}`);
  for (const n of e.notes ?? []) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

export function formatProfileText(r: ProfileReport, rel: (u: string) => string = (u) => u): string {
  const deps = r.deployments?.length ? r.deployments : [r.deployment];
  const defaults = new Map<string, string>();
  for (const e of r.endpoints) for (const d of e.defaults) defaults.set(d.name, `${d.name} = ${d.value} (${d.description})`);
  return [
    ...deps.map(formatDeployment),
    '',
    `${r.endpoints.length} endpoints`,
    ...r.endpoints.map((e) => formatEndpoint(e, rel)),
    '',
    'named defaults (unknown quantities):',
    ...[...defaults.values()].map((d) => `  ${d}`),
    '',
  ].join('\n');
}
