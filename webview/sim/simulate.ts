/**
 * Runs one scenario: builds the engine, generates the load (open Poisson / ramping stages,
 * closed-loop users with think time, or a batch job), drives the event loop and assembles the
 * SimResult.
 */
import { compileProgram, compileDist } from './model/program';
import { buildConfig } from './model/config';
import {
  A_BACKLOG, A_CORES, A_DB, A_INFLIGHT, EV_ARRIVAL, EV_CLIENT, EV_CPU, EV_DB, EV_LOOP_KEEP, EV_RESUME, EV_SAMPLE, EV_STOP,
  EV_TIMEOUT, EV_USER, EV_WARMUP, Engine,
} from './model/engine';
import { run } from './model/exec';
import { SeriesBuilder } from './model/series';
import { buildResult } from './model/result';
import { sample } from './rng';
import type { CompiledDist } from './rng';
import { Recorder } from './stats';
import type { Scenario, SimOptions, SimResult, UserGroup } from './types';

/** Hard ceiling on requests per run, whatever the scenario says (validation rejects more). */
export const MAX_REQUESTS = 5_000_000;

export function simulate(scenario: Scenario, options: SimOptions = {}): SimResult {
  const started = Date.now();
  const seed = options.seed ?? scenario.seed ?? 1;
  const cfg = buildConfig(scenario);
  const prog = compileProgram(scenario);
  const e = new Engine(cfg, prog, seed);
  const rng = e.rng;
  const load = scenario.load;
  const q = e.q;

  // Endpoint mix: cumulative weights, one table for the scenario and one per user group.
  const mixTable = (weight: (name: string, own: number) => number): { cum: number[]; total: number } => {
    const cum: number[] = [];
    let total = 0;
    for (const ep of scenario.endpoints) { total += weight(ep.name, ep.weight ?? 1); cum.push(total); }
    return { cum, total };
  };
  const pickFrom = (t: { cum: number[]; total: number }): number => {
    if (t.cum.length === 1) return 0;
    const u = rng.next() * t.total;
    let i = 0;
    while (i < t.cum.length - 1 && u >= t.cum[i]) i++;
    return i;
  };
  const baseMix = mixTable((_, own) => own);
  const pickEndpoint = (): number => pickFrom(baseMix);

  let maxIssue = MAX_REQUESTS;
  let stopAt = Infinity;
  let warmupMs = 0;
  let estimateMs = 60_000;
  let nextArrival: () => number = () => Infinity;
  if (load.type === 'open') {
    warmupMs = (load.warmupS ?? 0) * 1000;
    if (load.requests !== undefined) maxIssue = Math.min(maxIssue, load.requests);
    if (load.stages && load.stages.length > 0) {
      const stages = load.stages;
      const ends: number[] = [];
      let t = 0;
      for (const st of stages) { t += st.durationS * 1000; ends.push(t); }
      stopAt = t;
      const start = load.startRate ?? 0;
      const rateAt = (tm: number): number => {
        let from = start;
        let t0 = 0;
        for (let i = 0; i < stages.length; i++) {
          if (tm < ends[i]) return from + ((stages[i].target - from) * (tm - t0)) / (ends[i] - t0);
          from = stages[i].target; t0 = ends[i];
        }
        return from;
      };
      const lmax = Math.max(start, ...stages.map((s) => s.target));
      // Thinning (Lewis & Shedler): candidates at the peak rate, kept with probability rate(t)/peak.
      let cand = 0;
      nextArrival = () => {
        for (;;) {
          cand += rng.exp(1000 / lmax);
          if (cand >= stopAt) return Infinity;
          if (rng.next() * lmax < rateAt(cand)) return cand;
        }
      };
    } else {
      const mean = 1000 / (load.rate ?? 1);
      nextArrival = () => e.now + rng.exp(mean);
    }
    if (load.durationS !== undefined && !(load.stages && load.stages.length > 0)) stopAt = load.durationS * 1000;
    estimateMs = Number.isFinite(stopAt) ? stopAt : (maxIssue * 1000) / (load.rate ?? 1);
  } else if (load.type === 'closed') {
    warmupMs = (load.warmupS ?? 0) * 1000;
    if (load.requests !== undefined) maxIssue = Math.min(maxIssue, load.requests);
    if (load.durationS !== undefined) stopAt = load.durationS * 1000;
    const think = compileDist(load.thinkMs ?? 0);
    estimateMs = Number.isFinite(stopAt) ? stopAt : (maxIssue / Math.max(1, load.users)) * Math.max(think.mean, 10);
  }

  const series = new SeriesBuilder(
    Math.max(1, estimateMs / 100), { backlog: A_BACKLOG, cores: A_CORES, db: A_DB, inFlight: A_INFLIGHT },
    cfg.cores, cfg.dbCores,
  );
  e.onDone = (t, lat) => series.completed(t, lat);

  let issued = 0;
  let startMeasuredUsers: (() => void) | undefined;
  let userReady: (u: number) => void = () => undefined;
  /** Closed loads with a measured turnaround: sends user u's next request (EV_USER with b = 1). */
  let sendNow: (u: number) => void = () => undefined;
  const stop = (): void => {
    if (e.stopped) return;
    e.stopped = true;
    e.acc.stopWindow(e.now);
  };
  const countIssue = (): void => {
    issued++;
    if (issued >= maxIssue) stop();
  };

  if (warmupMs > 0) q.push(warmupMs, EV_WARMUP, 0, 0);
  else { e.measuring = true; e.acc.startWindow(0); }
  if (Number.isFinite(stopAt)) q.push(stopAt, EV_STOP, 0, 0);
  q.push(series.bucketMs, EV_SAMPLE, 0, 0);
  let sampleIndex = 0;

  if (load.type === 'open') {
    const t = nextArrival();
    if (t < Infinity) q.push(t, EV_ARRIVAL, 0, 0);
  } else if (load.type === 'closed') {
    const groups: UserGroup[] = load.groups && load.groups.length > 0
      ? load.groups : [{ name: 'users', users: load.users, thinkMs: load.thinkMs }];
    const users = groups.reduce((n, g) => n + g.users, 0);
    // A separate warm-up run (wrk run twice): its users leave at the end of the warm-up with their
    // requests still in flight, and a fresh set (indices users..2·users-1) starts all at once.
    const separate = load.separateWarmup === true && warmupMs > 0;
    const slots = separate ? 2 * users : users;
    const thinks: CompiledDist[] = groups.map((g) => compileDist(g.thinkMs ?? load.thinkMs ?? 0));
    const mixes = groups.map((g) => (g.mix ? mixTable((name) => g.mix?.[name] ?? 0) : baseMix));
    e.userGroup = new Int32Array(slots);
    e.userProc = new Int32Array(slots).fill(-1);
    e.usersPerRun = users;
    e.burstProc = new Int32Array(Math.max(1, cfg.clientThreads)).fill(-1);
    if (load.groups && load.groups.length > 0) e.groupRecorders = groups.map((g) => new Recorder(g.name));
    let u0 = 0;
    groups.forEach((g, gi) => { e.userGroup.fill(gi, u0, u0 + g.users); u0 += g.users; });
    if (separate) e.userGroup.copyWithin(users, 0, users);
    // gevent serves a keep-alive connection in one greenlet: with zero think time the next request
    // is already in its socket when it finishes, so it goes on without yielding the loop.
    e.userKeepsLoop = new Uint8Array(slots);
    if (cfg.pinned && scenario.server.workerClass === 'gevent') {
      for (let u = 0; u < slots; u++) if (thinks[e.userGroup[u]].mean === 0) e.userKeepsLoop[u] = 1;
    }
    const send = (u: number): void => {
      if (e.stopped || u < e.retiredBelow) return;
      e.issue(pickFrom(mixes[e.userGroup[u]]), u, 1);
      countIssue();
    };
    // The load generator's own CPU per request (same host) runs before the request is sent.
    const clientCpu = cfg.clientCpuMs;
    const turnaround = cfg.clientTurnaroundMs;
    if (turnaround !== null) {
      // A measured turnaround: the next request leaves after it (exponential), while the
      // generator's CPU for it loads the host alongside.
      userReady = (u) => {
        if (e.stopped) return;
        if (clientCpu > 0) e.clientAdd(u, rng.exp(clientCpu));
        q.push(e.now + (turnaround > 0 ? rng.exp(turnaround) : 0), EV_USER, u, 1);
      };
      e.onClientReady = () => undefined;
    } else {
      // Exponential: the generator's turnaround jitters (its event loop, other connections, the scheduler).
      userReady = clientCpu > 0 ? (u) => { if (!e.stopped) e.clientAdd(u, rng.exp(clientCpu)); } : send;
      e.onClientReady = send;
    }
    sendNow = send;
    e.onUserDone = (u) => { if (!e.stopped && u >= e.retiredBelow) q.push(e.now + sample(rng, thinks[e.userGroup[u]]), EV_USER, u, 0); };
    // Users start spread over one think time, like a ramped-up load test at steady state.
    const start = (from: number): void => {
      for (let u = from; u < from + users; u++) {
        const m = thinks[e.userGroup[u]].mean;
        q.push(e.now + (m > 0 ? rng.next() * m : 0), EV_USER, u, 0);
      }
    };
    start(0);
    // The measured run opens its own connections: new bursts for the accept race.
    if (separate) startMeasuredUsers = () => { e.retiredBelow = users; e.burstProc.fill(-1); start(users); };
  } else {
    const chunk = load.chunkSize ?? 1;
    for (let left = load.items; left > 0; left -= chunk) {
      e.issue(pickEndpoint(), -1, Math.min(chunk, left));
      countIssue();
    }
  }

  let events = 0;
  const progress = options.onProgress;
  while (q.pop()) {
    const k = q.k;
    e.now = q.t;
    switch (k) {
      case EV_RESUME:
        if (e.rEpoch[q.a] === q.b) run(e, q.a); else continue;
        break;
      case EV_CPU: if (!e.cpuDone(q.a, q.b)) continue; break;
      case EV_DB: if (!e.dbDone(q.b)) continue; break;
      case EV_ARRIVAL: {
        if (e.stopped) break;
        e.issue(pickEndpoint(), -1, 1);
        countIssue();
        const t = nextArrival();
        if (!e.stopped && t < Infinity) q.push(t, EV_ARRIVAL, 0, 0);
        break;
      }
      case EV_USER:
        if (e.stopped) break;
        if (q.b === 1) sendNow(q.a); else userReady(q.a);
        break;
      case EV_CLIENT: if (!e.clientDone(q.b)) continue; break;
      case EV_LOOP_KEEP: e.loopKeepExpired(q.a, q.b); break;
      case EV_TIMEOUT: e.timeout(q.a, q.b); break;
      case EV_WARMUP:
        e.measuring = true; e.acc.startWindow(e.now);
        if (startMeasuredUsers) startMeasuredUsers();
        break;
      case EV_STOP: stop(); break;
      case EV_SAMPLE: {
        series.sample(sampleIndex, e.now, e.acc, e.takeBacklogMax());
        sampleIndex = Math.round(e.now / series.bucketMs);
        if (q.size > 0) q.push((sampleIndex + 1) * series.bucketMs, EV_SAMPLE, 0, 0);
        continue;
      }
    }
    events++;
    if (progress && (events & 0xffff) === 0) {
      progress(e.stopped ? 1 : Number.isFinite(stopAt) ? e.now / stopAt : issued / maxIssue);
    }
  }
  // A batch is measured until its last item finishes; the others stopped at their limit already.
  if (!e.stopped) { e.now = e.lastDone; stop(); }
  if (progress) progress(1);
  return buildResult(scenario, e, {
    seed, events, wallMs: Date.now() - started, warmupMs, series: series.build(e.lastDone),
  });
}
