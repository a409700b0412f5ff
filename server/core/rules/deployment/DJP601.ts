import { ruleMeta, type Rule } from '../types';
import { fmtMs, scenarioFor, simulateCached, subsetStats } from '../../profiles/scenario';
import { perDeployment, handlerLocation, isCpuBound, isFrom, list, onLine, served, shortId } from './shared';

export const meta = ruleMeta({
  code: 'DJP601',
  name: 'cpu-bound-on-threads',
  family: 'deployment',
  defaultSeverity: 'warning',
  summary: 'CPU-bound endpoints served by many threads of one process: the GIL runs one at a time.',
});

const CORES_DEFAULT = 4;

export const rule: Rule = {
  meta,
  check: perDeployment((ctx, dep, view) => {
    const cls = dep.server.workerClass.value;
    const threads = dep.server.threads;
    if ((cls !== 'gthread' && cls !== 'waitress') || !threads || threads.value <= 1 || !isFrom(threads, ctx)) return undefined;
    const eps = served(view.report, dep);
    const cpu = eps.filter(isCpuBound);
    if (!cpu.length) return undefined;
    const cores = dep.machine?.cores?.value ?? CORES_DEFAULT;
    const workers = dep.server.workers?.value ?? 1;
    const ids = new Set(cpu.map((e) => e.id));
    const before = subsetStats(simulateCached(view.report, scenarioFor(dep, eps)), ids);
    const change = cls === 'waitress'
      ? { workerClass: 'sync' as const, workers: cores, threads: 1 }
      : { workerClass: 'sync' as const, workers: Math.max(workers, cores), threads: 1 };
    const after = subsetStats(simulateCached(view.report, scenarioFor(dep, eps, { server: change, users: Math.max(4, 2 * workers * threads.value) })), ids);
    const changeText = cls === 'waitress'
      ? `${cores} processes (e.g. gunicorn -w ${cores}) instead of one waitress process with ${threads.value} threads`
      : `${change.workers} sync workers instead of ${workers} × ${threads.value} threads`;
    return onLine(ctx, threads.source.line!, meta.code,
      `${cpu.length} CPU-bound endpoint${cpu.length > 1 ? 's' : ''} (${list(cpu.map((e) => shortId(e.id)))}) run on ${threads.value} threads of ${workers === 1 ? 'one process' : `each of ${workers} processes`}: ` +
      `the GIL lets one thread run Python at a time, so extra threads add queueing and context switches, not throughput. ` +
      `Simulated with ${changeText} (${cores} cores assumed): p95 of these endpoints ${fmtMs(before.p95)} → ${fmtMs(after.p95)}.`,
      cpu.map((e) => handlerLocation(e, `${shortId(e.id)} is CPU-bound`)));
  }),
};
