/**
 * Resolves a validated Scenario into the flat numbers the engine uses, applying the defaults
 * documented in docs/simulation.md (gunicorn/Django/PostgreSQL defaults where one exists).
 */
import type { Scenario } from '../types';

export interface EngineConfig {
  processes: number;
  slotsPerProcess: number;
  /** gevent/uvicorn: Python runs one greenlet/coroutine at a time per process. */
  eventLoop: boolean;
  cores: number;
  contextSwitchOverhead: number;
  backlog: number;
  timeoutMs: number | null;
  hopMs: number;
  dbRttMs: number;
  netRttMs: number;
  dbCores: number;
  dbContention: number;
  dbMaxConnections: number;
  poolSize: number;
  reconnect: boolean;
  connectMs: number;
  endpointNames: string[];
}

export const DEFAULTS = {
  workers: 1,
  threadsGthread: 1,
  threadsWaitress: 4,
  connections: 1000,
  backlog: 2048,
  syncTimeoutMs: 30000,
  hopMs: 0.2,
  cores: 4,
  contextSwitchOverhead: 0.02,
  dbCores: 4,
  dbMaxConnections: 100,
  connMaxAge: 0,
  connectMs: 3,
  memoryPerWorkerMB: 120,
} as const;

export function slotsPerProcess(s: Scenario): number {
  const srv = s.server;
  switch (srv.workerClass) {
    case 'sync': return 1;
    case 'gthread': return srv.threads ?? DEFAULTS.threadsGthread;
    case 'waitress': return srv.threads ?? DEFAULTS.threadsWaitress;
    default: return srv.connections ?? DEFAULTS.connections;
  }
}

export function buildConfig(s: Scenario): EngineConfig {
  const srv = s.server;
  const slots = slotsPerProcess(s);
  const cls = srv.workerClass;
  // gunicorn kills a *sync* worker whose request outlives `timeout`; other classes keep
  // heartbeating while a request runs, so they only time out when the user sets timeoutMs.
  const timeout = srv.timeoutMs !== undefined ? srv.timeoutMs : cls === 'sync' ? DEFAULTS.syncTimeoutMs : null;
  const batch = s.load.type === 'batch';
  return {
    processes: srv.workers ?? DEFAULTS.workers,
    slotsPerProcess: slots,
    eventLoop: cls === 'gevent' || cls === 'uvicorn',
    cores: s.machine?.cores ?? DEFAULTS.cores,
    contextSwitchOverhead: s.machine?.contextSwitchOverhead ?? DEFAULTS.contextSwitchOverhead,
    backlog: batch ? Infinity : srv.backlog ?? DEFAULTS.backlog,
    timeoutMs: batch ? null : timeout,
    hopMs: srv.hopMs ?? DEFAULTS.hopMs,
    dbRttMs: s.db?.rttMs ?? 0,
    netRttMs: s.network?.rttMs ?? 0,
    dbCores: s.db?.cores ?? DEFAULTS.dbCores,
    dbContention: s.db?.contention ?? 0,
    dbMaxConnections: s.db?.maxConnections ?? DEFAULTS.dbMaxConnections,
    poolSize: s.db?.poolSize ?? slots,
    reconnect: (s.db?.connMaxAge ?? DEFAULTS.connMaxAge) === 0,
    connectMs: s.db?.connectMs ?? DEFAULTS.connectMs,
    endpointNames: s.endpoints.map((e) => e.name),
  };
}
