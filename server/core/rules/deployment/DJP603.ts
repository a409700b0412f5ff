import { ruleMeta, type Rule } from '../types';
import { fmtMs, scenarioFor, simulateCached, subsetStats } from '../../profiles/scenario';
import { perDeployment, handlerLocation, isFrom, list, onLine, served, shortId } from './shared';

export const meta = ruleMeta({
  code: 'DJP603',
  name: 'sync-views-under-asgi',
  family: 'deployment',
  defaultSeverity: 'warning',
  summary: 'Sync views served by uvicorn workers: they all queue on one thread-sensitive executor per worker.',
});

const THREADS = 4;

export const rule: Rule = {
  meta,
  check: perDeployment((ctx, dep, view) => {
    const cls = dep.server.workerClass;
    if (cls.value !== 'uvicorn' || !isFrom(cls, ctx)) return undefined;
    const eps = served(view.report, dep);
    const syncEps = eps.filter((e) => !e.handler.async);
    if (!syncEps.length) return undefined;
    const workers = dep.server.workers?.value ?? 1;
    const ids = new Set(syncEps.map((e) => e.id));
    const users = Math.max(8, 2 * workers * THREADS);
    const before = subsetStats(simulateCached(view.report, scenarioFor(dep, eps, { users })), ids);
    const after = subsetStats(simulateCached(view.report, scenarioFor(dep, eps, { server: { workerClass: 'gthread', workers, threads: THREADS }, users })), ids);
    return onLine(ctx, cls.source.line!, meta.code,
      `${syncEps.length} of the ${eps.length} views served here are sync (${list(syncEps.map((e) => shortId(e.id)))}): under uvicorn workers Django runs every sync view ` +
      `in the one thread-sensitive executor thread of its worker, so with ${workers} worker${workers > 1 ? 's' : ''} at most ${workers} sync request${workers > 1 ? 's' : ''} run at once. ` +
      `Serve them with gthread workers, or make the hot ones async end to end. ` +
      `Simulated with gthread ${workers} × ${THREADS} threads: p95 of the sync views ${fmtMs(before.p95)} → ${fmtMs(after.p95)}.`,
      syncEps.slice(0, 10).map((e) => handlerLocation(e, `def ${shortId(e.id)} (sync)`)));
  }),
};
