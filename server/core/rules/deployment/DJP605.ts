import { ruleMeta, type Rule } from '../types';
import { scenarioFor, simulateCached, slotsOf, serverSpec } from '../../profiles/scenario';
import type { DetectedDeployment } from '../../profiles/types';
import { perDeployment, isFrom, onLine, served } from './shared';

export const meta = ruleMeta({
  code: 'DJP605',
  name: 'more-threads-than-db-connections',
  family: 'deployment',
  defaultSeverity: 'warning',
  summary: 'Workers × threads can open more database connections than the database (or pool) allows.',
});

/** Connections one deployment may hold: one per thread that runs sync ORM code. */
export function dbConnectionsOf(dep: DetectedDeployment): number {
  const s = serverSpec(dep);
  const workers = s.workers ?? 1;
  if (s.workerClass === 'uvicorn') return workers; // the thread-sensitive executor: one ORM thread per worker
  if (dep.db?.poolSize) return workers * dep.db.poolSize.value;
  return slotsOf(s);
}

export const rule: Rule = {
  meta,
  check: perDeployment((ctx, dep, view) => {
    const all = view.report.deployments ?? [view.report.deployment];
    const max = dep.db?.maxConnections?.value;
    const anchor = dep.server.workers ?? dep.server.threads;
    if (!max || !isFrom(anchor, ctx)) return undefined;
    // Deployments on the same database (same settings' DATABASES) share its max_connections.
    const same = all.filter((d) => d.db?.maxConnections?.source.uri === dep.db?.maxConnections?.source.uri);
    const total = same.reduce((n, d) => n + dbConnectionsOf(d), 0);
    if (total <= max) return undefined;
    const mine = dbConnectionsOf(dep);
    const eps = served(view.report, dep);
    // A busy moment: twice as many users as threads, thinking 50 ms, so that every thread wants its connection.
    const r = simulateCached(view.report, scenarioFor(dep, eps, { users: 2 * mine, thinkMs: 50 }));
    const errors = r.overall.errors.db_connections ?? 0;
    return onLine(ctx, anchor.source.line!, meta.code,
      `This deployment can hold ${mine} database connections${same.length > 1 ? ` and, with the other ${same.length - 1} process group${same.length > 2 ? 's' : ''} on the same database, ${total}` : ''}: ` +
      `more than max_connections = ${max} (${dep.db!.maxConnections!.source.note}). Under load the extra threads fail with "too many connections" or wait on a pool. ` +
      `Lower workers × threads, or put a pooler (PgBouncer) / a pool size in front. ` +
      (errors > 0
        ? `Simulated at ${2 * mine} busy users: ${errors} of ${r.overall.requests} requests fail for want of a connection (${(100 * r.overall.errorRate).toFixed(1)} % errors).`
        : `The simulator reaches no connection error at ${2 * mine} busy users (the requests are short), but any slowdown that keeps more than ${max} threads in a query will.`));
  }),
};
