import { ruleMeta, type Rule } from '../types';
import { fmtMs, scenarioFor, simulateCached } from '../../profiles/scenario';
import { perDeployment, handlerLocation, isFrom, onLine, served, shortId, slowWork } from './shared';

export const meta = ruleMeta({
  code: 'DJP606',
  name: 'timeout-below-p99',
  family: 'deployment',
  defaultSeverity: 'warning',
  summary: 'Worker timeout below the predicted p99 of a lock-bound or slow endpoint.',
});

export const rule: Rule = {
  meta,
  check: perDeployment((ctx, dep, view) => {
    const t = dep.server.timeoutMs;
    if (!isFrom(t, ctx) || t.value === null) return undefined;
    const eps = served(view.report, dep);
    const candidates = eps.filter((e) => { const w = slowWork(e); return w.locked || w.waitMs > 0; });
    if (!candidates.length) return undefined;
    // The p99 each endpoint would reach without the timeout (the timeout itself truncates latencies).
    const free = simulateCached(view.report, scenarioFor(dep, eps, { server: { timeoutMs: null } }));
    const over = candidates
      .map((e) => ({ e, p99: free.endpoints.find((x) => x.name === e.id)?.latency.p99 ?? 0 }))
      .filter((x) => x.p99 > t.value!)
      .sort((a, b) => b.p99 - a.p99);
    if (!over.length) return undefined;
    const withTimeout = simulateCached(view.report, scenarioFor(dep, eps));
    const errs = (id: string) => withTimeout.endpoints.find((x) => x.name === id);
    const worst = over[0];
    const w = errs(worst.e.id);
    const suggested = Math.ceil((worst.p99 * 1.5) / 1000);
    const raised = simulateCached(view.report, scenarioFor(dep, eps, { server: { timeoutMs: suggested * 1000 } }));
    const r = raised.endpoints.find((x) => x.name === worst.e.id);
    const cls = dep.server.workerClass.value;
    const effect = cls === 'sync'
      ? 'gunicorn kills a sync worker whose request outlives it, failing that request and wasting the work done. '
      : `with ${cls} workers gunicorn's heartbeat keeps the worker alive, so the timeout does not bound these requests either: they hold a slot for their full duration, and an upstream timeout set to match fails them. `;
    return onLine(ctx, t.source.line!, meta.code,
      `timeout = ${t.value / 1000} s is below the predicted p99 of ${over.map((o) => `${shortId(o.e.id)} (${fmtMs(o.p99)}; ${slowWork(o.e).what.join(', ') || 'slow'})`).join(', ')}: ` +
      effect +
      `Simulated with requests aborted at ${t.value / 1000} s: ${w ? `${(100 * w.errorRate).toFixed(1)} % of ${shortId(worst.e.id)} requests fail` : 'requests fail'}; ` +
      `at ${suggested} s: ${r ? `${(100 * r.errorRate).toFixed(1)} %` : 'none'}. Better: move the slow work out of the request.`,
      over.map((o) => handlerLocation(o.e, `${shortId(o.e.id)}: predicted p99 ${fmtMs(o.p99)}`)));
  }),
};
