/**
 * Simulation state and the shared resources a request can wait for: worker slots and the
 * listen backlog, CPU (cores shared by processes, one GIL per process), event loops, the
 * shared sync_to_async thread, DB connections and pools, the DB server, and row locks.
 * Requests live in pooled parallel typed arrays indexed by request id.
 */
import { EventQueue } from '../eventQueue';
import { Rng, sampleDist } from '../rng';
import { Recorder } from '../stats';
import type { ErrorCause } from '../types';
import { Accumulators } from './acc';
import { run } from './exec';
import { Fifo } from './fifo';
import { MAX_NEST, OP_CPU, Program } from './program';
import { PsStation } from './ps';
import { RrStation } from './rr';
import type { EngineConfig } from './config';

export const EV_ARRIVAL = 1;
export const EV_USER = 2;
export const EV_RESUME = 3;
export const EV_CPU = 4;
export const EV_DB = 5;
export const EV_TIMEOUT = 6;
export const EV_WARMUP = 7;
export const EV_STOP = 8;
export const EV_SAMPLE = 9;
export const EV_CLIENT = 10;
export const EV_LOOP_KEEP = 11;

// Accumulator ids; per-process GILs and per-lock entries follow A_FIXED.
export const A_CORES = 0, A_DB = 1, A_DBQ = 2, A_BACKLOG = 3, A_INFLIGHT = 4, A_WORKERS = 5,
  A_CONN = 6, A_POOL = 7, A_POOLQ = 8, A_HOP = 9, A_HOPQ = 10, A_LOOP = 11, A_LOOPQ = 12, A_CORESQ = 13,
  A_CLIENT = 14, A_FIXED = 15;
// Per process p: A_FIXED + p is its GIL's busy level, A_FIXED + P + p the threads waiting for it.

/** A process's GIL: processor sharing, or round robin with CPython's switch interval. */
type CpuStation = PsStation | RrStation;

export class Engine {
  now = 0;
  readonly q = new EventQueue(4096);
  readonly rng: Rng;
  readonly acc: Accumulators;
  readonly recorders: Recorder[];
  readonly overall = new Recorder('overall');
  readonly hopMs: number;
  readonly dbRtt: number;
  stopped = false;
  measuring = false;
  /** Completion time of the last request. */
  lastDone = 0;
  /** Called on each completion with (time, latency or -1 for an error). */
  onDone: (t: number, latency: number) => void = () => undefined;
  /** Called when a closed-loop user finishes a request. */
  onUserDone: (user: number) => void = () => undefined;
  /** Called when the load generator has prepared a user's next request. */
  onClientReady: (user: number) => void = () => undefined;
  /** Closed loads: each user's group and pinned process (-1 until its connection is accepted). */
  userGroup = new Int32Array(0);
  userProc = new Int32Array(0);
  /** Users per run (the load's users) and the client thread of each: for the accept of pinned connections. */
  usersPerRun = 0;
  /** Per client thread: the process its burst of connections landed on (-1: none yet). */
  burstProc = new Int32Array(0);
  groupRecorders: Recorder[] = [];
  /**
   * Users below this index belong to a separate warm-up run that has ended (load.separateWarmup):
   * their requests still in flight are served but not counted, and they send no more.
   */
  retiredBelow = 0;
  /**
   * Per user: 1 when its keep-alive connection is served by a gevent greenlet and its next request
   * is already in the socket when the response is sent (zero think time): the greenlet reads it
   * without yielding, so it keeps the worker's loop from one request to the next.
   */
  userKeepsLoop = new Uint8Array(0);

  // Request records.
  private capR = 0;
  private freeList: number[] = [];
  rEp = new Int32Array(0); rPc = new Int32Array(0); rSub = new Int32Array(0); rEpoch = new Int32Array(0);
  rProc = new Int32Array(0); rUser = new Int32Array(0); rConn = new Int32Array(0); rHop = new Int32Array(0);
  rLoopStep = new Int32Array(0); rLockN = new Int32Array(0); rLocks = new Int32Array(0);
  rRepN = new Int32Array(0); rRep = new Int32Array(0); rChunk = new Int32Array(0); rMeasured = new Int32Array(0);
  rWait = new Int32Array(0); rInPs = new Int32Array(0);
  rArrive = new Float64Array(0); rWork = new Float64Array(0); rFactor = new Float64Array(0);
  /** Phase of the connection set-up (CONN_MAX_AGE = 0) the request is in. */
  rConnPhase = new Int32Array(0);

  // Processes.
  private readonly P: number;
  private readonly busy: Int32Array;
  private freeSlots: number;
  private readonly cpu: CpuStation[];
  private readonly rr: boolean;
  private cpuActive = 0;
  private readonly client = new PsStation(8);
  private share = 1;
  private readonly loopHolder: Int32Array;
  /** Bumped at each loop reservation, so a stale expiry event is ignored. */
  private readonly loopKeepEpoch: Int32Array;
  private readonly hopHolder: Int32Array;
  private readonly poolOpen: Int32Array;
  private readonly poolIdle: Int32Array;
  private dbOpen = 0;
  private readonly db = new PsStation(64);
  private readonly lockHolder: Int32Array;
  private readonly lockName: Int32Array;
  /** Expiry time of each tracked cache key (0: absent). */
  readonly cacheExpiry: Float64Array;

  // FIFO queues: 0 = backlog, then per process loop, hop thread, pool; then one per lock id.
  readonly fifos: Fifo[] = [];
  private readonly fifoAcc: number[] = [];
  private readonly F_LOOP = 1;
  private readonly F_HOP: number;
  private readonly F_POOL: number;
  private readonly F_LOCK: number;
  private readonly F_PROC: number;
  readonly A_LOCK: number;

  constructor(readonly cfg: EngineConfig, readonly prog: Program, seed: number) {
    this.rng = new Rng(seed);
    this.hopMs = cfg.hopMs;
    this.dbRtt = cfg.dbRttMs;
    const P = (this.P = cfg.processes);
    this.busy = new Int32Array(P);
    this.freeSlots = P * cfg.slotsPerProcess;
    // The switch interval only matters where threads of one process compete for the GIL.
    this.rr = cfg.gilSwitchMs > 0 && cfg.slotsPerProcess > 1;
    this.cpu = Array.from({ length: P }, (): CpuStation => (this.rr ? new RrStation(cfg.gilSwitchMs) : new PsStation(8)));
    this.loopHolder = new Int32Array(P).fill(-1);
    this.loopKeepEpoch = new Int32Array(P);
    this.hopHolder = new Int32Array(P).fill(-1);
    this.poolOpen = new Int32Array(P);
    this.poolIdle = new Int32Array(P);
    this.lockHolder = new Int32Array(prog.lockCount).fill(-1);
    this.lockName = new Int32Array(prog.lockCount);
    this.cacheExpiry = new Float64Array(prog.cacheKeys);
    prog.lockBase.forEach((base, i) => this.lockName.fill(i, base, base + prog.lockKeys[i]));
    this.A_LOCK = A_FIXED + 2 * P;
    this.acc = new Accumulators(this.A_LOCK + 2 * prog.lockNames.length);
    this.recorders = cfg.endpointNames.map((n) => new Recorder(n));

    this.addFifo(A_BACKLOG);
    for (let p = 0; p < P; p++) this.addFifo(A_LOOPQ);
    this.F_HOP = this.fifos.length;
    for (let p = 0; p < P; p++) this.addFifo(A_HOPQ);
    this.F_POOL = this.fifos.length;
    for (let p = 0; p < P; p++) this.addFifo(A_POOLQ);
    this.F_LOCK = this.fifos.length;
    for (let l = 0; l < prog.lockCount; l++) this.addFifo(this.A_LOCK + prog.lockNames.length + this.lockName[l]);
    // Pinned keep-alive connections wait for a slot of their own process, counted as backlog.
    this.F_PROC = this.fifos.length;
    for (let p = 0; p < P; p++) this.addFifo(A_BACKLOG);
    if (cfg.background > 0) this.hostChanged(-1);
    this.growRequests(64);
  }

  private addFifo(accId: number): void {
    this.fifos.push(new Fifo());
    this.fifoAcc.push(accId);
  }

  private growRequests(cap: number): void {
    const g32 = (a: Int32Array, stride = 1): Int32Array<ArrayBuffer> => { const b = new Int32Array(cap * stride); b.set(a); return b; };
    const g64 = (a: Float64Array): Float64Array<ArrayBuffer> => { const b = new Float64Array(cap); b.set(a); return b; };
    this.rEp = g32(this.rEp); this.rPc = g32(this.rPc); this.rSub = g32(this.rSub); this.rEpoch = g32(this.rEpoch);
    this.rProc = g32(this.rProc); this.rUser = g32(this.rUser); this.rConn = g32(this.rConn); this.rHop = g32(this.rHop);
    this.rLoopStep = g32(this.rLoopStep); this.rLockN = g32(this.rLockN); this.rLocks = g32(this.rLocks, MAX_NEST);
    this.rRepN = g32(this.rRepN); this.rRep = g32(this.rRep, MAX_NEST); this.rChunk = g32(this.rChunk);
    this.rMeasured = g32(this.rMeasured); this.rWait = g32(this.rWait); this.rInPs = g32(this.rInPs);
    this.rArrive = g64(this.rArrive); this.rWork = g64(this.rWork); this.rFactor = g64(this.rFactor);
    this.rConnPhase = g32(this.rConnPhase);
    for (let r = cap - 1; r >= this.capR; r--) this.freeList.push(r);
    this.capR = cap;
  }

  sample(distIndex: number): number {
    const p = this.prog;
    return sampleDist(this.rng, p.distKind[distIndex], p.distP1[distIndex], p.distP2[distIndex]);
  }

  /** A step duration of request r: scaled by the request's own factor (correlated variability). */
  sampleFor(r: number, distIndex: number): number {
    return this.sample(distIndex) * this.rFactor[r];
  }

  needsLoop(r: number): boolean {
    return this.cfg.eventLoop && this.rHop[r] === 0;
  }

  timer(r: number, ms: number): void {
    this.q.push(this.now + ms, EV_RESUME, r, this.rEpoch[r]);
  }

  private resumeSoon(r: number): void {
    this.rWait[r] = -1;
    this.q.push(this.now, EV_RESUME, r, this.rEpoch[r]);
  }

  private backlogMax = 0;

  /** Longest backlog since the last call (for the time series). */
  takeBacklogMax(): number {
    const m = Math.max(this.backlogMax, this.fifos[0].live);
    this.backlogMax = this.fifos[0].live;
    return m;
  }

  private wait(r: number, fifo: number): void {
    this.fifos[fifo].push(r, this.rEpoch[r]);
    if (fifo === 0 && this.fifos[0].live > this.backlogMax) this.backlogMax = this.fifos[0].live;
    this.rWait[r] = fifo;
    this.acc.add(this.fifoAcc[fifo], 1, this.now);
  }

  private grant(fifo: number): number {
    const next = this.fifos[fifo].shift(this.rEpoch);
    if (next >= 0) this.acc.add(this.fifoAcc[fifo], -1, this.now);
    return next;
  }

  // ---- requests -------------------------------------------------------------------------

  /** Creates a request for endpoint `ep` arriving now; user = closed-loop user or -1. */
  issue(ep: number, user: number, chunk: number): void {
    if (this.freeList.length === 0) this.growRequests(this.capR * 2);
    const r = this.freeList.pop() as number;
    this.rEp[r] = ep; this.rPc[r] = this.prog.endpointStart[ep]; this.rSub[r] = 0; this.rUser[r] = user;
    this.rProc[r] = -1; this.rConn[r] = 0; this.rHop[r] = 0; this.rLoopStep[r] = 0; this.rLockN[r] = 0;
    this.rRepN[r] = 0; this.rChunk[r] = chunk; this.rWait[r] = -1; this.rInPs[r] = 0; this.rArrive[r] = this.now;
    this.rConnPhase[r] = 0;
    this.rFactor[r] = this.cfg.requestCv > 0 ? this.requestFactor() : 1;
    this.rMeasured[r] = this.measuring && !this.stopped ? 1 : 0;
    if (this.rMeasured[r]) {
      this.recorders[ep].requests++; this.overall.requests++;
      if (user >= 0 && this.groupRecorders.length > 0) this.groupRecorders[this.userGroup[user]].requests++;
    }
    this.acc.add(A_INFLIGHT, 1, this.now);
    if (this.cfg.pinned && user >= 0) {
      // A keep-alive connection stays on the process that accepted it.
      if (this.userProc[user] < 0) this.userProc[user] = this.acceptProcess(user);
      const p = this.userProc[user];
      if (this.busy[p] < this.cfg.slotsPerProcess) {
        this.dispatch(r, p);
        this.takeReservedLoop(r, p);
        run(this, r);
      } else this.wait(r, this.F_PROC + p);
      return;
    }
    if (this.freeSlots > 0) {
      this.dispatch(r, this.pickProcess());
      run(this, r);
    } else if (this.fifos[0].live >= this.cfg.backlog) {
      this.fail(r, 'backlog');
    } else {
      this.wait(r, 0);
    }
  }

  /**
   * The process that accepts a user's connection: the accept race for each connection (one
   * accept per wake-up), or with acceptBurst the race for its client thread's whole burst.
   */
  private acceptProcess(user: number): number {
    if (!this.cfg.acceptBurst) return Math.floor(this.rng.next() * this.P);
    const T = this.burstProc.length;
    const U = Math.max(1, this.usersPerRun);
    // wrk gives each thread a contiguous block of the connections.
    const t = Math.min(T - 1, Math.floor(((user % U) * T) / U));
    if (this.burstProc[t] < 0) this.burstProc[t] = Math.floor(this.rng.next() * this.P);
    return this.burstProc[t];
  }

  /** Lognormal factor with mean 1 and the configured CV. */
  private requestFactor(): number {
    const cv = this.cfg.requestCv;
    const s2 = Math.log(1 + cv * cv);
    return Math.exp(-s2 / 2 + Math.sqrt(s2) * this.rng.normal());
  }

  /** Least-loaded process with a free slot (an idle sync worker wins the accept() race). */
  private pickProcess(): number {
    let best = -1;
    let bestBusy = Infinity;
    for (let p = 0; p < this.P; p++) {
      const b = this.busy[p];
      if (b < this.cfg.slotsPerProcess && b < bestBusy) { best = p; bestBusy = b; if (b === 0) break; }
    }
    return best;
  }

  private dispatch(r: number, p: number): void {
    this.rProc[r] = p;
    this.busy[p]++;
    this.freeSlots--;
    this.acc.add(A_WORKERS, 1, this.now);
    if (this.rMeasured[r]) {
      const w = this.now - this.rArrive[r];
      this.recorders[this.rEp[r]].acceptWait(w);
      this.overall.acceptWait(w);
    }
    if (this.cfg.timeoutMs !== null) this.q.push(this.now + this.cfg.timeoutMs, EV_TIMEOUT, r, this.rEpoch[r]);
  }

  private releaseSlot(r: number): void {
    const p = this.rProc[r];
    if (p < 0) return;
    this.busy[p]--;
    this.freeSlots++;
    this.acc.add(A_WORKERS, -1, this.now);
    let next = this.cfg.pinned ? this.grant(this.F_PROC + p) : -1;
    if (next < 0) next = this.grant(0);
    if (next >= 0) {
      this.dispatch(next, p);
      this.resumeSoon(next);
    }
  }

  /** END op. Returns true when the request continues with the next item of its batch chunk. */
  finish(r: number): boolean {
    const lat = this.now - this.rArrive[r] + this.cfg.netRttMs;
    // Completions are counted by the time they happen, inside the measurement window: one that
    // finishes after the stop is outside it (counting it over-reported short runs), and one that
    // arrived during the warm-up but finishes inside the window is in it (as in Locust or wrk).
    if (this.measuring && !this.stopped && this.counted(r)) {
      this.recorders[this.rEp[r]].success(lat); this.overall.success(lat);
      const u = this.rUser[r];
      if (u >= 0 && this.groupRecorders.length > 0) this.groupRecorders[this.userGroup[u]].success(lat);
    }
    this.onDone(this.now, lat);
    this.lastDone = this.now;
    if (this.rChunk[r] > 1) {
      this.rChunk[r]--;
      this.rArrive[r] = this.now;
      this.rPc[r] = this.prog.endpointStart[this.rEp[r]];
      return true;
    }
    this.release(r);
    return false;
  }

  /** A request of a retired warm-up user is outside the measured run (its client has gone). */
  private counted(r: number): boolean {
    const u = this.rUser[r];
    return u < 0 || u >= this.retiredBelow;
  }

  private fail(r: number, cause: ErrorCause): void {
    if (this.measuring && !this.stopped && this.counted(r)) {
      this.recorders[this.rEp[r]].error(cause); this.overall.error(cause);
      const u = this.rUser[r];
      if (u >= 0 && this.groupRecorders.length > 0) this.groupRecorders[this.userGroup[u]].error(cause);
    }
    this.onDone(this.now, -1);
    this.lastDone = this.now;
    this.release(r);
  }

  /** Frees everything the request holds, wherever it is, and recycles its record. */
  private release(r: number): void {
    if (this.rInPs[r] === 1) this.cpuRemove(r);
    else if (this.rInPs[r] === 2) this.dbRemove(r);
    const w = this.rWait[r];
    if (w >= 0) { this.fifos[w].cancelOne(); this.acc.add(this.fifoAcc[w], -1, this.now); }
    const p = this.rProc[r];
    if (p >= 0 && this.loopHolder[p] === r) this.releaseLoop(r);
    if (p >= 0 && this.hopHolder[p] === r) this.releaseHop(r);
    while (this.rLockN[r] > 0) this.releaseLock(this.rLocks[r * MAX_NEST + --this.rLockN[r]]);
    if (this.rConn[r] !== 0) this.releaseConn(r);
    this.releaseSlot(r);
    this.acc.add(A_INFLIGHT, -1, this.now);
    this.rEpoch[r]++;
    this.freeList.push(r);
    if (this.rUser[r] >= 0) this.onUserDone(this.rUser[r]);
  }

  timeout(r: number, epoch: number): void {
    if (this.rEpoch[r] === epoch) this.fail(r, 'timeout');
  }

  // ---- CPU: the host's cores shared by worker processes (one GIL each), and, on a shared
  // host, DB backends, the load generator and other processes -----------------------------

  /** Share of a core each runnable thread gets with `m` runnable on the host. */
  private cpuShare(m: number): number {
    const c = this.cfg.cores;
    if (m <= c) return 1;
    // Oversubscribed: each runnable thread gets c/m of a core, minus context-switch losses.
    const over = Math.max(0, m / Math.max(c, 1) - 1);
    return Math.min(1, c / m) / (1 + this.cfg.contextSwitchOverhead * over);
  }

  /** Runnable threads on the app host. */
  private runnable(): number {
    const cl = this.client.n;
    return this.cpuActive + (this.cfg.dbShared ? this.db.n : 0) + Math.min(cl, this.cfg.clientThreads) + this.cfg.background;
  }

  private cpuRate(st: CpuStation): number {
    return this.rr ? this.share : this.share / st.n;
  }

  private cpuSchedule(p: number): void {
    const st = this.cpu[p];
    st.gen++;
    if (st.n > 0) this.q.push(st.nextCompletion(this.now), EV_CPU, p, st.gen);
  }

  /**
   * The number of runnable threads changed: recompute the per-thread share and reschedule every
   * station that runs on the host, except `skip` (an app process the caller reschedules itself).
   */
  private hostChanged(skip: number): void {
    const m = this.runnable();
    const c = this.cfg.cores;
    this.acc.add(A_CORES, Math.min(m, c) - this.acc.level[A_CORES], this.now);
    this.acc.add(A_CORESQ, Math.max(0, m - c) - this.acc.level[A_CORESQ], this.now);
    const s = this.cpuShare(m);
    if (s === this.share) return;
    this.share = s;
    for (let o = 0; o < this.P; o++) {
      const st = this.cpu[o];
      if (o === skip || st.n === 0) continue;
      st.advance(this.now);
      st.rate = this.cpuRate(st);
      this.cpuSchedule(o);
    }
    if (this.cfg.dbShared && this.db.n > 0) { this.db.advance(this.now); this.dbRateAndSchedule(); }
    if (this.client.n > 0) { this.client.advance(this.now); this.clientSchedule(); }
  }

  private cpuActiveChanged(delta: number, p: number): void {
    this.cpuActive += delta;
    this.acc.add(A_FIXED + p, delta, this.now);
    this.hostChanged(p);
  }

  private gilWaiting(p: number): void {
    const n = this.cpu[p].n;
    this.acc.add(A_FIXED + this.P + p, Math.max(0, n - 1) - this.acc.level[A_FIXED + this.P + p], this.now);
  }

  /** Requests running or ready to run on the host's cores (in a GIL's queue or a DB backend on the host). */
  private chains = 0;

  /**
   * A thread that wakes while m requests are running or ready on c < m cores (counting its own)
   * finds its core used by another request's threads since it last ran with probability 1 − c/m
   * (a request's app thread and its DB backend hand the core to each other and stay warm). Its
   * expected loss is that share of the wake cost.
   */
  private wakeCost(): number {
    const k = this.cfg.wakeCostMs;
    if (!(k > 0)) return 0;
    const m = this.chains + 1;
    const c = this.cfg.cores;
    return m > c ? k * (1 - c / m) : 0;
  }

  cpuAdd(r: number, work: number): void {
    const p = this.rProc[r];
    const st = this.cpu[p];
    st.add(this.now, r, work);
    this.chains++;
    this.rInPs[r] = 1;
    if (st.n === 1) this.cpuActiveChanged(1, p);
    st.rate = this.cpuRate(st);
    this.gilWaiting(p);
    this.cpuSchedule(p);
  }

  private cpuAfterLeave(p: number): void {
    const st = this.cpu[p];
    if (st.n === 0) this.cpuActiveChanged(-1, p);
    else st.rate = this.cpuRate(st);
    this.gilWaiting(p);
    this.cpuSchedule(p);
  }

  /** Returns false for a stale (superseded) completion event. */
  cpuDone(p: number, gen: number): boolean {
    const st = this.cpu[p];
    if (st.gen !== gen) return false;
    st.advance(this.now);
    const r = st.popFirst();
    if (r < 0) { this.cpuSchedule(p); return true; } // GIL handed to the next thread
    this.rInPs[r] = 0;
    this.chains--;
    this.cpuAfterLeave(p);
    run(this, r);
    return true;
  }

  private cpuRemove(r: number): void {
    const p = this.rProc[r];
    this.cpu[p].remove(this.now, r);
    this.rInPs[r] = 0;
    this.chains--;
    this.cpuAfterLeave(p);
  }

  // ---- the load generator on the app host: user u prepares its next request -------------

  private clientSchedule(): void {
    const st = this.client;
    const n = st.n;
    st.gen++;
    if (n === 0) return;
    st.rate = (this.share * Math.min(n, this.cfg.clientThreads)) / n;
    this.q.push(st.nextCompletion(this.now), EV_CLIENT, 0, st.gen);
  }

  private clientChanged(delta: number): void {
    this.acc.add(A_CLIENT, delta, this.now);
    this.hostChanged(-1);
    this.clientSchedule();
  }

  clientAdd(user: number, work: number): void {
    this.client.add(this.now, user, work);
    this.clientChanged(1);
  }

  clientDone(gen: number): boolean {
    if (this.client.gen !== gen) return false;
    this.client.advance(this.now);
    const u = this.client.popFirst();
    this.clientChanged(-1);
    this.onClientReady(u);
    return true;
  }

  // ---- DB server: processor sharing on its cores (or the shared host's), with contention --

  private dbRateAndSchedule(): void {
    const st = this.db;
    const n = st.n;
    if (this.cfg.dbShared) {
      // Each active query is one backend process competing for the host's cores.
      const over = Math.max(0, n - this.cfg.cores);
      this.acc.add(A_DB, Math.min(n, this.cfg.cores) - this.acc.level[A_DB], this.now);
      this.acc.add(A_DBQ, over - this.acc.level[A_DBQ], this.now);
      if (n > 0) st.rate = this.share / (1 + this.cfg.dbContention * over);
    } else {
      const c = this.cfg.dbCores;
      const busy = Math.min(n, c);
      this.acc.add(A_DB, busy - this.acc.level[A_DB], this.now);
      this.acc.add(A_DBQ, n - busy - this.acc.level[A_DBQ], this.now);
      if (n > 0) st.rate = busy / n / (1 + this.cfg.dbContention * (n - busy));
    }
    st.gen++;
    if (n > 0) this.q.push(st.nextCompletion(this.now), EV_DB, 0, st.gen);
  }

  dbAdd(r: number, work: number): void {
    const shared = this.cfg.dbShared;
    this.db.add(this.now, r, work + (shared && this.rEp[r] >= 0 ? this.wakeCost() : 0));
    if (shared) this.chains++;
    this.rInPs[r] = 2;
    if (this.cfg.dbShared) this.hostChanged(-1);
    this.dbRateAndSchedule();
  }

  dbDone(gen: number): boolean {
    if (this.db.gen !== gen) return false;
    this.db.advance(this.now);
    const r = this.db.popFirst();
    this.rInPs[r] = 0;
    if (this.cfg.dbShared) { this.chains--; this.hostChanged(-1); }
    this.dbRateAndSchedule();
    if (this.rEp[r] < 0) { this.rEpoch[r]++; this.freeList.push(r); return true; } // a backend's exit
    run(this, r);
    return true;
  }

  /**
   * A closed connection's backend exits: DB CPU that no request waits for, carried by a detached
   * record (endpoint -1) that is recycled when its DB work is done.
   */
  private backendExit(): void {
    if (this.freeList.length === 0) this.growRequests(this.capR * 2);
    const j = this.freeList.pop() as number;
    this.rEp[j] = -1; this.rUser[j] = -1; this.rWait[j] = -1; this.rInPs[j] = 0;
    this.dbAdd(j, this.cfg.disconnectDbCpuMs);
  }

  private dbRemove(r: number): void {
    this.db.remove(this.now, r);
    this.rInPs[r] = 0;
    if (this.cfg.dbShared) { this.chains--; this.hostChanged(-1); }
    this.dbRateAndSchedule();
  }

  // ---- DB connections: per-process pool, server-wide max_connections -------------------

  /**
   * 0: a connection is held now (rConn 1: open; 2: new, still to be set up by the caller);
   * 1: waiting in the pool queue; -1: the request failed.
   */
  acquireConn(r: number): number {
    const p = this.rProc[r];
    if (this.poolIdle[p] > 0) {
      this.poolIdle[p]--;
      this.takeConn(r, 1);
      return 0;
    }
    if (this.poolOpen[p] < this.cfg.poolSize) {
      if (this.dbOpen >= this.cfg.dbMaxConnections) { this.fail(r, 'db_connections'); return -1; }
      this.openConn(p);
      this.takeConn(r, 2);
      return 0;
    }
    this.wait(r, this.F_POOL + p);
    return 1;
  }

  /**
   * Sets up a new connection: app CPU (psycopg2 connect, Django's init), DB CPU (backend fork,
   * authentication), the handshake's round trips and any other wait. Returns true when done;
   * false when the request waits for one phase (it calls this again when resumed).
   */
  connectStep(r: number): boolean {
    const c = this.cfg;
    for (;;) {
      const ph = this.rConnPhase[r]++;
      if (ph === 0) { if (c.connectAppCpuMs > 0) { this.cpuAdd(r, c.connectAppCpuMs * this.rFactor[r]); return false; } }
      else if (ph === 1) { if (c.connectDbCpuMs > 0) { this.dbAdd(r, c.connectDbCpuMs * this.rFactor[r]); return false; } }
      else if (ph === 2) {
        const w = c.connectMs + c.connectRoundTrips * c.dbRttMs;
        if (w > 0) { this.timer(r, w); return false; }
      } else {
        this.rConnPhase[r] = 0;
        this.rConn[r] = 1;
        return true;
      }
    }
  }

  private openConn(p: number): void {
    this.poolOpen[p]++;
    this.dbOpen++;
    this.acc.add(A_CONN, 1, this.now);
  }

  private takeConn(r: number, state: number): void {
    this.rConn[r] = state;
    this.acc.add(A_POOL, 1, this.now);
  }

  /** Django releases the connection when the request finishes (request_finished). */
  private releaseConn(r: number): void {
    const p = this.rProc[r];
    this.rConn[r] = 0;
    this.acc.add(A_POOL, -1, this.now);
    const next = this.grant(this.F_POOL + p);
    if (this.cfg.reconnect) {
      // CONN_MAX_AGE = 0: the connection is closed; a waiter opens a fresh one.
      this.poolOpen[p]--;
      this.dbOpen--;
      this.acc.add(A_CONN, -1, this.now);
      if (this.cfg.disconnectDbCpuMs > 0) this.backendExit();
      if (next >= 0) {
        this.openConn(p);
        this.takeConn(next, 2);
        this.resumeSoon(next);
      }
    } else if (next >= 0) {
      this.takeConn(next, 1);
      this.resumeSoon(next);
    } else {
      this.poolIdle[p]++;
    }
  }

  // ---- event loop, shared sync_to_async thread, row locks -------------------------------

  /**
   * After the last CPU step of a request: a user whose greenlet keeps the loop reserves it for its
   * next request (loopHolder = -2 - user) instead of handing it to the next waiting greenlet.
   */
  releaseLoopAtEnd(r: number): void {
    const u = this.rUser[r];
    const window = this.cfg.responseTailMs;
    if (u < 0 || this.userKeepsLoop[u] !== 1 || this.stopped || !(window > 0)) { this.releaseLoop(r); return; }
    const p = this.rProc[r];
    this.rLoopStep[r] = 0;
    this.loopHolder[p] = -2 - u;
    // The greenlet finishes the response and reads again about one round trip later: a request
    // that arrived by then is served at once; otherwise it yields and the loop goes on.
    this.q.push(this.now + window, EV_LOOP_KEEP, p, ++this.loopKeepEpoch[p]);
  }

  /** The kept loop's window ran out before the user's next request arrived: hand it on. */
  loopKeepExpired(p: number, epoch: number): void {
    if (this.loopKeepEpoch[p] !== epoch || this.loopHolder[p] > -2) return;
    const next = this.grant(this.F_LOOP + p);
    if (next >= 0) { this.loopHolder[p] = next; this.resumeSoon(next); return; }
    this.loopHolder[p] = -1;
    this.acc.add(A_LOOP, -1, this.now);
  }

  /** The user's next request takes the loop its greenlet kept (when it starts with CPU; else the loop is handed on). */
  private takeReservedLoop(r: number, p: number): void {
    if (this.loopHolder[p] !== -2 - this.rUser[r]) return;
    if (this.prog.kind[this.rPc[r]] === OP_CPU) { this.loopHolder[p] = r; this.rLoopStep[r] = 1; return; }
    this.loopHolder[p] = r;
    this.releaseLoop(r);
  }

  acquireLoop(r: number): boolean {
    const p = this.rProc[r];
    if (this.loopHolder[p] === r) return true;
    if (this.loopHolder[p] === -1) {
      this.loopHolder[p] = r;
      this.acc.add(A_LOOP, 1, this.now);
      return true;
    }
    this.wait(r, this.F_LOOP + p);
    return false;
  }

  releaseLoop(r: number): void {
    const p = this.rProc[r];
    this.rLoopStep[r] = 0;
    const next = this.grant(this.F_LOOP + p);
    if (next >= 0) { this.loopHolder[p] = next; this.resumeSoon(next); return; }
    this.loopHolder[p] = -1;
    this.acc.add(A_LOOP, -1, this.now);
  }

  acquireHop(r: number): boolean {
    const p = this.rProc[r];
    if (this.hopHolder[p] < 0) {
      this.hopHolder[p] = r;
      this.rHop[r] = 1;
      this.acc.add(A_HOP, 1, this.now);
      return true;
    }
    this.wait(r, this.F_HOP + p);
    return false;
  }

  releaseHop(r: number): void {
    const p = this.rProc[r];
    this.rHop[r] = 0;
    const next = this.grant(this.F_HOP + p);
    if (next >= 0) { this.hopHolder[p] = next; this.rHop[next] = 1; this.resumeSoon(next); return; }
    this.hopHolder[p] = -1;
    this.acc.add(A_HOP, -1, this.now);
  }

  private holdLock(r: number, id: number): void {
    this.lockHolder[id] = r;
    this.rLocks[r * MAX_NEST + this.rLockN[r]++] = id;
  }

  acquireLock(r: number, id: number): boolean {
    if (this.lockHolder[id] < 0) {
      this.holdLock(r, id);
      this.acc.add(this.A_LOCK + this.lockName[id], 1, this.now);
      return true;
    }
    this.wait(r, this.F_LOCK + id);
    return false;
  }

  releaseLock(id: number): void {
    const next = this.grant(this.F_LOCK + id);
    if (next >= 0) { this.holdLock(next, id); this.resumeSoon(next); return; }
    this.lockHolder[id] = -1;
    this.acc.add(this.A_LOCK + this.lockName[id], -1, this.now);
  }
}
