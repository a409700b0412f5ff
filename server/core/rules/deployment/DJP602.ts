import { ruleMeta, type Rule } from '../types';
import { fmtMs, scenarioFor, simulateCached, subsetStats } from '../../profiles/scenario';
import { perDeployment, handlerLocation, isFrom, list, onLine, served, shortId } from './shared';

export const meta = ruleMeta({
  code: 'DJP602',
  name: 'async-views-under-wsgi',
  family: 'deployment',
  defaultSeverity: 'warning',
  summary: 'Async views served by a WSGI worker: each request runs in its own event loop, with no concurrency.',
});

export const rule: Rule = {
  meta,
  check: perDeployment((ctx, dep, view) => {
    const cls = dep.server.workerClass;
    if (cls.value === 'uvicorn' || !isFrom(cls, ctx)) return undefined;
    const eps = served(view.report, dep);
    const asyncEps = eps.filter((e) => e.handler.async);
    if (!asyncEps.length) return undefined;
    const ids = new Set(asyncEps.map((e) => e.id));
    const fixedIds = new Set(asyncEps.filter((e) => e.endpoint.fixed).map((e) => e.id));
    const before = subsetStats(simulateCached(view.report, scenarioFor(dep, asyncEps)), ids);
    const after = subsetStats(simulateCached(view.report, scenarioFor(dep, asyncEps, {
      server: { workerClass: 'uvicorn', workers: dep.server.workers?.value ?? 1 }, fixed: fixedIds,
      users: Math.max(4, 2 * (dep.server.workers?.value ?? 1) * (dep.server.threads?.value ?? 1)),
    })), ids);
    return onLine(ctx, cls.source.line!, meta.code,
      `${asyncEps.length} async view${asyncEps.length > 1 ? 's' : ''} (${list(asyncEps.map((e) => shortId(e.id)))}) ${asyncEps.length > 1 ? 'are' : 'is'} served by the WSGI worker class "${cls.value}": ` +
      `Django runs each one through async_to_sync in a new event loop per request, so they hold a ${cls.value === 'sync' ? 'worker' : 'thread'} for their whole duration and gain nothing from being async. ` +
      (after.p95 < before.p95
        ? `Serve them with uvicorn workers (their blocking calls fixed) or make them plain def views. Simulated with ${dep.server.workers?.value ?? 1} uvicorn workers${fixedIds.size ? ' and the async fixes applied' : ''}: p95 of these views ${fmtMs(before.p95)} → ${fmtMs(after.p95)}.`
        : `Make them plain def views: the simulator predicts no gain from moving them to ${dep.server.workers?.value ?? 1} uvicorn workers${fixedIds.size ? ' even with the async fixes applied' : ''} (p95 ${fmtMs(before.p95)} → ${fmtMs(after.p95)} for this mix of views).`),
      asyncEps.slice(0, 10).map((e) => handlerLocation(e, `async def ${shortId(e.id)}`)));
  }),
};
