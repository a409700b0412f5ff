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
  /** CPU ms lost by a thread that wakes on an oversubscribed host. */
  wakeCostMs: number;
  backlog: number;
  timeoutMs: number | null;
  hopMs: number;
  dbRttMs: number;
  netRttMs: number;
  dbCores: number;
  /** The DB backends run on the app host's cores. */
  dbShared: boolean;
  dbContention: number;
  /** Other runnable threads on the app host. */
  background: number;
  /** GIL round-robin quantum in ms (0: processor sharing). */
  gilSwitchMs: number;
  /** Closed-loop users keep their connection on one worker process. */
  pinned: boolean;
  /** Pinned connections opened together land on one process (asyncio); else each races on its own. */
  acceptBurst: boolean;
  /** gevent keep-alive: how long after its response a greenlet reads its connection again. */
  responseTailMs: number;
  /** Load generator CPU per request on the app host, and its thread count. */
  clientCpuMs: number;
  /** Mean time from a response to the user's next request; null: the client CPU's time. */
  clientTurnaroundMs: number | null;
  clientThreads: number;
  /** CV of the per-request factor on every step duration (0: off). */
  requestCv: number;
  connectAppCpuMs: number;
  connectDbCpuMs: number;
  disconnectDbCpuMs: number;
  connectRoundTrips: number;
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
  gilSwitchMs: 5,
  clientThreads: 1,
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
  const closed = s.load.type === 'closed' ? s.load : undefined;
  const db = s.db ?? {};
  // A measured connect cost replaces the old lump delay: connectMs is then only the extra wait.
  const connectCpu = db.connectAppCpuMs !== undefined || db.connectDbCpuMs !== undefined || db.disconnectDbCpuMs !== undefined;
  const pinnable = cls !== 'sync';
  return {
    processes: srv.workers ?? DEFAULTS.workers,
    slotsPerProcess: slots,
    eventLoop: cls === 'gevent' || cls === 'uvicorn',
    cores: s.machine?.cores ?? DEFAULTS.cores,
    contextSwitchOverhead: s.machine?.contextSwitchOverhead ?? DEFAULTS.contextSwitchOverhead,
    wakeCostMs: s.machine?.wakeCostMs ?? 0,
    backlog: batch ? Infinity : srv.backlog ?? DEFAULTS.backlog,
    timeoutMs: batch ? null : timeout,
    hopMs: srv.hopMs ?? DEFAULTS.hopMs,
    dbRttMs: s.db?.rttMs ?? 0,
    netRttMs: s.network?.rttMs ?? 0,
    dbCores: s.db?.cores ?? DEFAULTS.dbCores,
    dbShared: db.host === 'shared',
    background: s.machine?.backgroundThreads ?? 0,
    gilSwitchMs: srv.gilSwitchMs ?? DEFAULTS.gilSwitchMs,
    pinned: pinnable && (srv.pinConnections ?? closed?.keepAlive === true) && closed !== undefined,
    acceptBurst: srv.acceptBurst ?? cls === 'uvicorn',
    responseTailMs: srv.responseTailMs ?? s.network?.rttMs ?? 0,
    clientCpuMs: closed?.clientCpuMs ?? 0,
    clientTurnaroundMs: closed?.clientTurnaroundMs ?? null,
    clientThreads: closed?.clientThreads ?? DEFAULTS.clientThreads,
    requestCv: s.variability?.requestCv ?? 0,
    connectAppCpuMs: db.connectAppCpuMs ?? 0,
    connectDbCpuMs: db.connectDbCpuMs ?? 0,
    disconnectDbCpuMs: db.disconnectDbCpuMs ?? 0,
    connectRoundTrips: db.connectRoundTrips ?? 0,
    dbContention: s.db?.contention ?? 0,
    dbMaxConnections: s.db?.maxConnections ?? DEFAULTS.dbMaxConnections,
    poolSize: s.db?.poolSize ?? slots,
    reconnect: (s.db?.connMaxAge ?? DEFAULTS.connMaxAge) === 0,
    connectMs: db.connectMs ?? (connectCpu ? 0 : DEFAULTS.connectMs),
    endpointNames: s.endpoints.map((e) => e.name),
  };
}
