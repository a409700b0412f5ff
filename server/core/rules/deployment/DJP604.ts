import { ruleMeta, type Rule } from '../types';
import { fmtMs, scenarioFor, simulateCached, slotsOf, serverSpec, subsetStats } from '../../profiles/scenario';
import { perDeployment, handlerLocation, isFrom, list, onLine, served, shortId, slowWork } from './shared';

export const meta = ruleMeta({
  code: 'DJP604',
  name: 'slow-endpoints-hold-all-slots',
  family: 'deployment',
  defaultSeverity: 'warning',
  summary: 'Lock-bound or slow-I/O endpoints can hold every worker slot and starve the other endpoints.',
});

/** An endpoint waits this long per request (external I/O, a lock across I/O) before it counts as slot-hogging. */
export const SLOW_WAIT_MS = 250;

export const rule: Rule = {
  meta,
  check: perDeployment((ctx, dep, view) => {
    const cls = dep.server.workerClass.value;
    if (cls === 'uvicorn' || cls === 'gevent') return undefined;
    const anchor = cls === 'sync' ? dep.server.workers : dep.server.threads ?? dep.server.workers;
    if (!isFrom(anchor, ctx)) return undefined;
    const eps = served(view.report, dep);
    const slow = eps.map((e) => ({ e, w: slowWork(e) })).filter((x) => x.w.lockedWaitMs > 0 || x.w.waitMs >= SLOW_WAIT_MS);
    const others = eps.filter((e) => !slow.some((s) => s.e.id === e.id));
    if (!slow.length || !others.length) return undefined;
    const slots = slotsOf(serverSpec(dep));
    const ids = new Set(others.map((e) => e.id));
    const before = subsetStats(simulateCached(view.report, scenarioFor(dep, eps)), ids);
    const after = subsetStats(simulateCached(view.report, scenarioFor(dep, others, { users: Math.max(4, 2 * slots) })), ids);
    const shape = cls === 'sync' ? `${slots} sync workers` : `${dep.server.workers?.value ?? 1} × ${dep.server.threads?.value ?? 1} = ${slots} thread slots`;
    return onLine(ctx, anchor.source.line!, meta.code,
      `${list(slow.map((s) => `${shortId(s.e.id)} (${s.w.what.join(', ') || `${Math.round(s.w.waitMs)} ms waiting`})`))} can occupy all ${shape}: ` +
      `while they wait, every other request queues in the backlog behind them (head-of-line blocking). ` +
      `Move the waiting out of the request (background job, on_commit, a separate pool for these routes) or shorten it. ` +
      `Simulated p95 of the other ${others.length} endpoints: ${fmtMs(before.p95)} with them in the mix, ${fmtMs(after.p95)} without.`,
      slow.map((s) => handlerLocation(s.e, `${shortId(s.e.id)}: ${s.w.what.join(', ') || 'slow I/O'}`)));
  }),
};
