/**
 * Scenario (input) and SimResult (output) types of the djperf simulation engine.
 * All durations are milliseconds unless the field name says otherwise (`durationS`, `warmupS`);
 * all rates are per second. docs/simulation.md documents every field.
 */

/** A duration: a bare number is a constant in ms. */
export type Duration =
  | number
  | { dist: 'const'; mean: number }
  | { dist: 'exp'; mean: number }
  | { dist: 'lognormal'; mean: number; cv: number }
  | { dist: 'uniform'; min: number; max: number };

/** Query count `base + perRow * n` (the N+1 shape), or a plain number. */
export type QueryCount = number | { base: number; perRow: number; n: number };

export interface CpuStep { cpu: Duration }
export interface DbStep {
  db: {
    queries?: QueryCount;
    /** DB service time per query (excluding network RTT). */
    ms: Duration;
    /** Under ASGI: the query uses a native async driver instead of Django's per-query sync_to_async hop. */
    native?: boolean;
    /** In a gevent/uvicorn worker: the driver is not patched and blocks the whole worker. */
    blocking?: boolean;
  };
}
export interface LockStep { lock: { key: string; keys?: number; steps: Step[] } }
export interface CacheStep {
  cache: {
    op?: 'get' | 'set' | 'delete';
    /** Probability a get hits, when the entry is not tracked by `key`. */
    hitRatio?: number;
    /** A tracked entry: a get hits while an earlier set (after a miss) is younger than ttlMs. */
    key?: string;
    ttlMs?: number;
    miss?: Step[];
    native?: boolean;
  };
}
export interface WaitSpec { ms: Duration; blocking?: boolean }
export interface IoStep { io: Duration | WaitSpec }
export interface SleepStep { sleep: Duration | WaitSpec }
export interface HopStep { hop: { steps: Step[] } }
export interface RepeatStep { repeat: { times: number; steps: Step[] } }

export type Step = CpuStep | DbStep | LockStep | CacheStep | IoStep | SleepStep | HopStep | RepeatStep;

export interface Endpoint {
  name: string;
  path?: string;
  weight?: number;
  /** An `async def` view. Matters under uvicorn (ASGI); a sync view there runs in one thread-sensitive hop. */
  async?: boolean;
  steps: Step[];
  /** The same endpoint after a code fix (used by `advise`). */
  fixed?: Step[];
  fixDescription?: string;
}

export type WorkerClass = 'sync' | 'gthread' | 'gevent' | 'uvicorn' | 'waitress';

/** How much per-request variability is shared by all the steps of one request. */
export interface VariabilitySpec {
  /**
   * Per request, every step's duration is multiplied by one factor drawn from a lognormal with
   * mean 1 and this coefficient of variation (a slow request is slow in all its steps: GC,
   * cache misses, a larger result). 0 (default): steps vary independently.
   */
  requestCv?: number;
}

export interface ServerSpec {
  workerClass: WorkerClass;
  workers?: number;
  threads?: number;
  connections?: number;
  backlog?: number;
  timeoutMs?: number | null;
  overheadMs?: Duration;
  hopMs?: number;
  memoryPerWorkerMB?: number;
  /**
   * CPython's GIL switch interval (sys.getswitchinterval(), 5 ms): a thread that wants the GIL
   * waits up to this long for a CPU-bound thread of the same process. 0: ideal sharing.
   */
  gilSwitchMs?: number;
  /**
   * Keep-alive connections are pinned to the worker process that accepted them (gthread, gevent,
   * uvicorn, waitress; gunicorn's sync worker closes every connection). Default: true for a closed
   * load whose `keepAlive` is true.
   */
  pinConnections?: boolean;
  /**
   * How pinned connections are spread over the processes. false: each connection goes to the
   * process that wins its accept race (gunicorn's gthread and gevent workers accept one connection
   * per wake-up). true (default for uvicorn): a process accepts every pending connection at once
   * (asyncio's accept loop), so the connections one client thread opens together all land on
   * one process, the winner of that burst's race.
   */
  acceptBurst?: boolean;
  /**
   * Python work after a response is sent and before the server reads the connection again
   * (Django's request_finished handlers, the WSGI server's bookkeeping). A gevent greenlet whose
   * client sent its next request within this time reads it without yielding and keeps the worker.
   * Default: network.rttMs.
   */
  responseTailMs?: number;
}

export interface MachineSpec {
  /** Cores of the app host; fractional values (a CPU quota, a share of a VM) are allowed. */
  cores?: number;
  contextSwitchOverhead?: number;
  /**
   * CPU ms a thread loses when it wakes (a CPU step after a wait, a DB backend's query) while the
   * host has more runnable threads than cores: other threads ran on its core meanwhile, so it
   * starts with cold caches. Default 0. Measured as the context-switch benchmark's lost CPU per
   * involuntary switch (bench/calibration/lab).
   */
  wakeCostMs?: number;
  /** Mean number of other runnable threads on the app host (load average minus your stack). */
  backgroundThreads?: number;
}

export interface DbSpec {
  /**
   * 'shared': PostgreSQL runs on the app host and its backends compete for machine.cores
   * (db.cores is then ignored); 'separate' (default): the DB has db.cores of its own.
   */
  host?: 'shared' | 'separate';
  cores?: number;
  maxConnections?: number;
  poolSize?: number;
  connMaxAge?: number;
  connectMs?: number;
  /** CONN_MAX_AGE = 0: app CPU (under the GIL) to open a connection (psycopg2 connect, Django's init queries). */
  connectAppCpuMs?: number;
  /** CONN_MAX_AGE = 0: DB CPU to open a connection (backend fork, authentication, catalog cache warm-up). */
  connectDbCpuMs?: number;
  /**
   * CONN_MAX_AGE = 0: DB CPU after the connection is closed (the backend's exit, the postmaster
   * reaping it). It loads the DB's cores but no request waits for it.
   */
  disconnectDbCpuMs?: number;
  /** Network round trips of the connection handshake (each costs rttMs). */
  connectRoundTrips?: number;
  rttMs?: number;
  contention?: number;
}

export interface CacheSpec { latencyMs?: Duration }
export interface NetworkSpec { rttMs?: number }

export interface Stage { durationS: number; target: number }
export interface OpenLoad {
  type: 'open';
  rate?: number;
  stages?: Stage[];
  startRate?: number;
  durationS?: number;
  requests?: number;
  warmupS?: number;
}
/** One population of closed-loop users (a Locust user class, a k6 scenario). */
export interface UserGroup {
  name: string;
  users: number;
  thinkMs?: Duration;
  /** Endpoint name → weight; default: every endpoint with its own weight. */
  mix?: Record<string, number>;
}
export interface ClosedLoad {
  type: 'closed';
  /** Total users; with `groups`, the sum of the groups' users (may be omitted). */
  users: number;
  thinkMs?: Duration;
  /** Several user populations, each with its own users, think time and endpoint mix. */
  groups?: UserGroup[];
  durationS?: number;
  requests?: number;
  warmupS?: number;
  /** The client keeps each user's connection open (wrk, k6, Locust FastHttpUser). */
  keepAlive?: boolean;
  /** CPU ms the load generator spends per request on the app host (wrk, Locust on the same machine). */
  clientCpuMs?: number;
  /** Threads of the load generator (wrk -t); its CPU runs on at most this many cores. */
  clientThreads?: number;
  /**
   * Mean time (exponential) from a response to the user's next request, when it differs from the
   * generator's CPU per request: measure it at one user as 1 / throughput − mean latency (wrk on
   * keep-alive connections: under 0.02 ms). Default: the next request leaves when `clientCpuMs`
   * of CPU is done.
   */
  clientTurnaroundMs?: number;
  /**
   * The warm-up is a run of its own (wrk run twice, a load test restarted after warming): at
   * the end of `warmupS` its users go away with their requests still in flight, which the server
   * still serves, and a fresh set of users starts all at once. The measured run's first requests
   * queue behind the warm-up's leftovers, which shows in short runs' tails.
   */
  separateWarmup?: boolean;
}
export interface BatchLoad { type: 'batch'; items: number; chunkSize?: number }
export type Load = OpenLoad | ClosedLoad | BatchLoad;

export interface Scenario {
  name?: string;
  description?: string;
  seed?: number;
  load: Load;
  endpoints: Endpoint[];
  server: ServerSpec;
  machine?: MachineSpec;
  db?: DbSpec;
  cache?: CacheSpec;
  network?: NetworkSpec;
  variability?: VariabilitySpec;
}

export type ErrorCause = 'backlog' | 'timeout' | 'db_connections';

export interface Interval { lo: number; hi: number }

export interface LatencyStats {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  /** 95 % confidence intervals by batch means (20 batches in completion order); null with too few samples. */
  ci95: { mean: Interval; p95: Interval } | null;
}

export interface EndpointStats {
  name: string;
  /** Requests counted (arrived after warm-up and before the stop), successful or not. */
  requests: number;
  /** Successful requests that finished inside the measurement window. */
  completed: number;
  /** Successful completions inside the measurement window per second of it. */
  throughput: number;
  errors: Partial<Record<ErrorCause, number>>;
  errorRate: number;
  /** Latency of successful requests, ms, as the client sees it (includes network RTT and queueing). */
  latency: LatencyStats;
  /** Time spent in the listen backlog before a worker slot took the request. */
  acceptWait: { mean: number; fractionWaited: number };
}

export type ResourceKind =
  | 'cores' | 'gil' | 'loop' | 'hopThread' | 'workers' | 'db' | 'pool' | 'dbConnections' | 'lock' | 'backlog' | 'client';

export interface ResourceStats {
  name: string;
  kind: ResourceKind;
  capacity: number;
  /** Time-average busy units divided by capacity (0..1). For 'backlog' and lock queues it is the mean length / capacity. */
  utilisation: number;
  meanBusy: number;
  /** Mean number of requests waiting for this resource. */
  meanQueue: number;
}

export interface TimeSeries {
  bucketMs: number;
  t: number[];
  throughput: number[];
  errors: number[];
  meanLatency: number[];
  maxLatency: number[];
  queueDepth: number[];
  queueMax: number[];
  cpu: number[];
  db: number[];
  inFlight: number[];
}

export interface SimResult {
  name: string;
  seed: number;
  window: { startMs: number; endMs: number };
  endMs: number;
  /** Completion time of the last request (batch loads: the job's makespan). */
  makespanMs: number;
  events: number;
  wallMs: number;
  overall: EndpointStats;
  endpoints: EndpointStats[];
  /** Per user group (closed loads with `groups`), in the scenario's order. */
  groups?: EndpointStats[];
  resources: ResourceStats[];
  series: TimeSeries;
  warnings: string[];
}

export interface SimOptions {
  seed?: number;
  onProgress?: (fraction: number) => void;
}
