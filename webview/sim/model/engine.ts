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
import { MAX_NEST, Program } from './program';
import { PsStation } from './ps';
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

// Accumulator ids; per-process GILs and per-lock entries follow A_FIXED.
export const A_CORES = 0, A_DB = 1, A_DBQ = 2, A_BACKLOG = 3, A_INFLIGHT = 4, A_WORKERS = 5,
  A_CONN = 6, A_POOL = 7, A_POOLQ = 8, A_HOP = 9, A_HOPQ = 10, A_LOOP = 11, A_LOOPQ = 12, A_FIXED = 13;

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

  // Request records.
  private capR = 0;
  private freeList: number[] = [];
  rEp = new Int32Array(0); rPc = new Int32Array(0); rSub = new Int32Array(0); rEpoch = new Int32Array(0);
  rProc = new Int32Array(0); rUser = new Int32Array(0); rConn = new Int32Array(0); rHop = new Int32Array(0);
  rLoopStep = new Int32Array(0); rLockN = new Int32Array(0); rLocks = new Int32Array(0);
  rRepN = new Int32Array(0); rRep = new Int32Array(0); rChunk = new Int32Array(0); rMeasured = new Int32Array(0);
  rWait = new Int32Array(0); rInPs = new Int32Array(0);
  rArrive = new Float64Array(0); rWork = new Float64Array(0);

  // Processes.
  private readonly P: number;
  private readonly busy: Int32Array;
  private freeSlots: number;
  private readonly cpu: PsStation[];
  private cpuActive = 0;
  private share = 1;
  private readonly loopHolder: Int32Array;
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
  readonly A_LOCK: number;

  constructor(readonly cfg: EngineConfig, readonly prog: Program, seed: number) {
    this.rng = new Rng(seed);
    this.hopMs = cfg.hopMs;
    this.dbRtt = cfg.dbRttMs;
    const P = (this.P = cfg.processes);
    this.busy = new Int32Array(P);
    this.freeSlots = P * cfg.slotsPerProcess;
    this.cpu = Array.from({ length: P }, () => new PsStation(8));
    this.loopHolder = new Int32Array(P).fill(-1);
    this.hopHolder = new Int32Array(P).fill(-1);
    this.poolOpen = new Int32Array(P);
    this.poolIdle = new Int32Array(P);
    this.lockHolder = new Int32Array(prog.lockCount).fill(-1);
    this.lockName = new Int32Array(prog.lockCount);
    this.cacheExpiry = new Float64Array(prog.cacheKeys);
    prog.lockBase.forEach((base, i) => this.lockName.fill(i, base, base + prog.lockKeys[i]));
    this.A_LOCK = A_FIXED + P;
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
    this.rArrive = g64(this.rArrive); this.rWork = g64(this.rWork);
    for (let r = cap - 1; r >= this.capR; r--) this.freeList.push(r);
    this.capR = cap;
  }

  sample(distIndex: number): number {
    const p = this.prog;
    return sampleDist(this.rng, p.distKind[distIndex], p.distP1[distIndex], p.distP2[distIndex]);
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
    this.rMeasured[r] = this.measuring && !this.stopped ? 1 : 0;
    if (this.rMeasured[r]) { this.recorders[ep].requests++; this.overall.requests++; }
    this.acc.add(A_INFLIGHT, 1, this.now);
    if (this.freeSlots > 0) {
      this.dispatch(r, this.pickProcess());
      run(this, r);
    } else if (this.fifos[0].live >= this.cfg.backlog) {
      this.fail(r, 'backlog');
    } else {
      this.wait(r, 0);
    }
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
    const next = this.grant(0);
    if (next >= 0) {
      this.dispatch(next, p);
      this.resumeSoon(next);
    }
  }

  /** END op. Returns true when the request continues with the next item of its batch chunk. */
  finish(r: number): boolean {
    const lat = this.now - this.rArrive[r] + this.cfg.netRttMs;
    if (this.rMeasured[r]) { this.recorders[this.rEp[r]].success(lat); this.overall.success(lat); }
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

  private fail(r: number, cause: ErrorCause): void {
    if (this.rMeasured[r]) { this.recorders[this.rEp[r]].error(cause); this.overall.error(cause); }
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
    if (this.rConn[r] === 1) this.releaseConn(r);
    this.releaseSlot(r);
    this.acc.add(A_INFLIGHT, -1, this.now);
    this.rEpoch[r]++;
    this.freeList.push(r);
    if (this.rUser[r] >= 0) this.onUserDone(this.rUser[r]);
  }

  timeout(r: number, epoch: number): void {
    if (this.rEpoch[r] === epoch) this.fail(r, 'timeout');
  }

  // ---- CPU: per-process processor sharing (the GIL), processes sharing the cores ---------

  private cpuShare(m: number): number {
    const c = this.cfg.cores;
    if (m <= c) return 1;
    // Oversubscribed: each process gets c/m of a core, minus context-switch losses.
    return c / m / (1 + this.cfg.contextSwitchOverhead * (m / c - 1));
  }

  private cpuSchedule(p: number): void {
    const st = this.cpu[p];
    st.gen++;
    if (st.n > 0) this.q.push(st.nextCompletion(this.now), EV_CPU, p, st.gen);
  }

  private cpuActiveChanged(delta: number, p: number): void {
    this.cpuActive += delta;
    this.acc.add(A_FIXED + p, delta, this.now);
    this.acc.add(A_CORES, Math.min(this.cpuActive, this.cfg.cores) - this.acc.level[A_CORES], this.now);
    const s = this.cpuShare(this.cpuActive);
    if (s === this.share) return;
    this.share = s;
    for (let o = 0; o < this.P; o++) {
      const st = this.cpu[o];
      if (o === p || st.n === 0) continue;
      st.advance(this.now);
      st.rate = s / st.n;
      this.cpuSchedule(o);
    }
  }

  cpuAdd(r: number, work: number): void {
    const p = this.rProc[r];
    const st = this.cpu[p];
    st.add(this.now, r, work);
    this.rInPs[r] = 1;
    if (st.n === 1) this.cpuActiveChanged(1, p);
    st.rate = this.share / st.n;
    this.cpuSchedule(p);
  }

  private cpuAfterLeave(p: number): void {
    const st = this.cpu[p];
    if (st.n === 0) this.cpuActiveChanged(-1, p);
    else st.rate = this.share / st.n;
    this.cpuSchedule(p);
  }

  /** Returns false for a stale (superseded) completion event. */
  cpuDone(p: number, gen: number): boolean {
    const st = this.cpu[p];
    if (st.gen !== gen) return false;
    st.advance(this.now);
    const r = st.popFirst();
    this.rInPs[r] = 0;
    this.cpuAfterLeave(p);
    run(this, r);
    return true;
  }

  private cpuRemove(r: number): void {
    const p = this.rProc[r];
    this.cpu[p].remove(this.now, r);
    this.rInPs[r] = 0;
    this.cpuAfterLeave(p);
  }

  // ---- DB server: processor sharing on its cores, with a contention penalty --------------

  private dbRateAndSchedule(): void {
    const st = this.db;
    const n = st.n;
    const c = this.cfg.dbCores;
    const busy = Math.min(n, c);
    this.acc.add(A_DB, busy - this.acc.level[A_DB], this.now);
    this.acc.add(A_DBQ, n - busy - this.acc.level[A_DBQ], this.now);
    if (n > 0) st.rate = busy / n / (1 + this.cfg.dbContention * (n - busy));
    st.gen++;
    if (n > 0) this.q.push(st.nextCompletion(this.now), EV_DB, 0, st.gen);
  }

  dbAdd(r: number, work: number): void {
    this.db.add(this.now, r, work);
    this.rInPs[r] = 2;
    this.dbRateAndSchedule();
  }

  dbDone(gen: number): boolean {
    if (this.db.gen !== gen) return false;
    this.db.advance(this.now);
    const r = this.db.popFirst();
    this.rInPs[r] = 0;
    this.dbRateAndSchedule();
    run(this, r);
    return true;
  }

  private dbRemove(r: number): void {
    this.db.remove(this.now, r);
    this.rInPs[r] = 0;
    this.dbRateAndSchedule();
  }

  // ---- DB connections: per-process pool, server-wide max_connections -------------------

  /** 0: connection held now; 1: waiting (timer or queue); -1: the request failed. */
  acquireConn(r: number): number {
    const p = this.rProc[r];
    if (this.poolIdle[p] > 0) {
      this.poolIdle[p]--;
      this.takeConn(r);
      return 0;
    }
    if (this.poolOpen[p] < this.cfg.poolSize) {
      if (this.dbOpen >= this.cfg.dbMaxConnections) { this.fail(r, 'db_connections'); return -1; }
      this.openConn(p);
      this.takeConn(r);
      if (this.cfg.connectMs > 0) { this.timer(r, this.cfg.connectMs); return 1; }
      return 0;
    }
    this.wait(r, this.F_POOL + p);
    return 1;
  }

  private openConn(p: number): void {
    this.poolOpen[p]++;
    this.dbOpen++;
    this.acc.add(A_CONN, 1, this.now);
  }

  private takeConn(r: number): void {
    this.rConn[r] = 1;
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
      if (next >= 0) {
        this.openConn(p);
        this.takeConn(next);
        this.rWait[next] = -1;
        this.timer(next, this.cfg.connectMs);
      }
    } else if (next >= 0) {
      this.takeConn(next);
      this.resumeSoon(next);
    } else {
      this.poolIdle[p]++;
    }
  }

  // ---- event loop, shared sync_to_async thread, row locks -------------------------------

  acquireLoop(r: number): boolean {
    const p = this.rProc[r];
    if (this.loopHolder[p] < 0) {
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
