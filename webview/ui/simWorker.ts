/**
 * The simulation Web Worker: runs `simulate` and `advise` off the UI thread. One job (a "what-if") runs in phases —
 * the main run, the run with the code fixes, the two sweeps, the advice — and posts each part as soon as it is
 * ready, tagged with the job's run id. Between phases it yields to the event loop: a newer `run` that arrived in
 * the meantime makes it abandon the stale job (the UI also terminates a busy worker; both are cheap).
 */
import { advise, simulate, validateScenario } from '../sim/index';
import type { Scenario } from '../sim/types';
import { parseUiToWorker, type AdviceItem, type RunJob, type SweepPoint, type WorkerToUi } from './messages';

interface WorkerScope {
  postMessage(message: WorkerToUi): void;
  addEventListener(type: 'message', listener: (ev: MessageEvent<unknown>) => void): void;
}
const scope = self as unknown as WorkerScope;

let latestRunId = -1;

const yieldToEvents = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

function checked(s: Scenario, what: string): Scenario {
  const v = validateScenario(s);
  if (!v.ok) throw new Error(`${what}: ${v.errors.slice(0, 3).join('; ')}`);
  return v.scenario;
}

function sweep(points: { x: number; scenario: Scenario }[], what: string): SweepPoint[] {
  return points.map((p) => {
    const r = simulate(checked(p.scenario, what)).overall;
    return { x: p.x, p50: r.latency.p50, p95: r.latency.p95, p99: r.latency.p99, throughput: r.throughput, errorRate: r.errorRate };
  });
}

async function runJob(runId: number, job: RunJob): Promise<void> {
  const started = Date.now();
  const stale = async (): Promise<boolean> => { await yieldToEvents(); return runId !== latestRunId; };
  try {
    scope.postMessage({ type: 'main', runId, result: simulate(checked(job.main, 'scenario')) });
    if (await stale()) return;
    if (job.fixed) scope.postMessage({ type: 'fixed', runId, result: simulate(checked(job.fixed, 'scenario with fixes')) });
    if (await stale()) return;
    scope.postMessage({ type: 'sweep', runId, axis: job.loadSweep.axis, points: sweep(job.loadSweep.points, 'load sweep') });
    if (await stale()) return;
    scope.postMessage({ type: 'sweep', runId, axis: 'workers', points: sweep(job.workersSweep.points, 'workers sweep') });
    if (await stale()) return;
    const a = job.advice;
    const items: AdviceItem[] = advise(checked(a.scenario, 'advice'), {
      requestsPerCandidate: a.requestsPerCandidate, seed: 1, ...(a.dbConnections !== undefined ? { dbConnections: a.dbConnections } : {}),
    }).map(({ scenario: _unused, ...rest }) => rest);
    scope.postMessage({ type: 'advice', runId, items });
    scope.postMessage({ type: 'done', runId, wallMs: Date.now() - started });
  } catch (err) {
    scope.postMessage({ type: 'failed', runId, message: err instanceof Error ? err.message : String(err) });
  }
}

scope.addEventListener('message', (ev) => {
  const parsed = parseUiToWorker(ev.data);
  if (!parsed.ok) {
    console.warn(`djperf simulator worker: refused a message: ${parsed.error}`);
    return;
  }
  latestRunId = parsed.message.runId;
  void runJob(parsed.message.runId, parsed.message.job);
});
