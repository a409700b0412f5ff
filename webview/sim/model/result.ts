/** Assembles the SimResult from a finished engine: stats per endpoint, utilisations, warnings. */
import type { ResourceStats, Scenario, SimResult, TimeSeries } from '../types';
import {
  A_CLIENT, A_CONN, A_CORES, A_CORESQ, A_DB, A_DBQ, A_FIXED, A_HOP, A_HOPQ, A_LOOP, A_LOOPQ, A_POOL, A_POOLQ, A_BACKLOG, A_WORKERS,
  Engine,
} from './engine';
import { OP_DBQ } from './program';

export interface RunInfo { seed: number; events: number; wallMs: number; warmupMs: number; series: TimeSeries }

function resource(
  name: string, kind: ResourceStats['kind'], capacity: number, meanBusy: number, meanQueue: number,
): ResourceStats {
  return { name, kind, capacity, meanBusy, meanQueue, utilisation: capacity > 0 && Number.isFinite(capacity) ? meanBusy / capacity : 0 };
}

export function buildResult(s: Scenario, e: Engine, info: RunInfo): SimResult {
  const cfg = e.cfg;
  const a = e.acc;
  const start = Math.min(info.warmupMs, e.now);
  const endWindow = a.windowEnd;
  const windowMs = Math.max(0, endWindow - start);
  const P = cfg.processes;
  const res: ResourceStats[] = [];
  res.push(resource('CPU cores', 'cores', cfg.cores, a.mean(A_CORES), a.mean(A_CORESQ)));
  for (let p = 0; p < P; p++) res.push(resource(`GIL worker ${p + 1}`, 'gil', 1, a.mean(A_FIXED + p), a.mean(A_FIXED + P + p)));
  if (cfg.clientCpuMs > 0) res.push(resource('load generator', 'client', cfg.clientThreads, Math.min(a.mean(A_CLIENT), cfg.clientThreads), 0));
  if (cfg.eventLoop) res.push(resource('event loops', 'loop', P, a.mean(A_LOOP), a.mean(A_LOOPQ)));
  if (e.prog.usesHopThread) res.push(resource('sync_to_async threads', 'hopThread', P, a.mean(A_HOP), a.mean(A_HOPQ)));
  res.push(resource('worker slots', 'workers', P * cfg.slotsPerProcess, a.mean(A_WORKERS), a.mean(A_BACKLOG)));
  res.push(resource('listen backlog', 'backlog', cfg.backlog, a.mean(A_BACKLOG), 0));
  if (e.prog.kind.includes(OP_DBQ)) {
    res.push(resource(cfg.dbShared ? 'DB backends (on the app cores)' : 'DB cores', 'db', cfg.dbShared ? cfg.cores : cfg.dbCores, a.mean(A_DB), a.mean(A_DBQ)));
    res.push(resource('DB pools', 'pool', P * cfg.poolSize, a.mean(A_POOL), a.mean(A_POOLQ)));
    res.push(resource('DB connections', 'dbConnections', cfg.dbMaxConnections, a.mean(A_CONN), 0));
  }
  const L = e.prog.lockNames.length;
  e.prog.lockNames.forEach((name, i) => {
    res.push(resource(`lock ${name}`, 'lock', e.prog.lockKeys[i], a.mean(e.A_LOCK + i), a.mean(e.A_LOCK + L + i)));
  });

  const overall = e.overall.summary(windowMs);
  const warnings: string[] = [];
  if (overall.completed < 1000 && s.load.type !== 'batch') {
    warnings.push(`only ${overall.completed} requests measured: percentiles are rough`);
  }
  for (const [cause, n] of Object.entries(overall.errors)) {
    warnings.push(`${n} requests failed (${cause})`);
  }
  // "Saturated" needs both: the resource is busy nearly all the time AND work waits for it. One
  // user keeps its own worker slot and pool connection busy without anyone waiting: not saturated.
  for (const r of res) {
    if (r.kind === 'backlog' || r.kind === 'dbConnections' || r.kind === 'client') continue;
    if (r.utilisation > 0.95 && r.meanQueue > 0.05) {
      warnings.push(`${r.name} saturated (${(r.utilisation * 100).toFixed(0)} % busy, ${r.meanQueue.toFixed(2)} waiting on average)`);
    }
  }
  return {
    name: s.name ?? 'scenario',
    seed: info.seed,
    window: { startMs: start, endMs: endWindow },
    endMs: e.lastDone,
    makespanMs: e.lastDone,
    events: info.events,
    wallMs: info.wallMs,
    overall,
    endpoints: e.recorders.map((r) => r.summary(windowMs)),
    ...(e.groupRecorders.length > 0 ? { groups: e.groupRecorders.map((r) => r.summary(windowMs)) } : {}),
    resources: res,
    series: info.series,
    warnings,
  };
}
