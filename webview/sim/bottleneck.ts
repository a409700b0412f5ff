/**
 * One-sentence explanation of what limits a simulated configuration, read off the resource
 * utilisations and queues (the most constraining resource wins, in a fixed priority order).
 */
import type { ResourceStats, Scenario, SimResult, Step } from './types';

function usesLock(steps: Step[], key: string): boolean {
  return steps.some((s) =>
    ('lock' in s && (s.lock.key === key || usesLock(s.lock.steps, key))) ||
    ('hop' in s && usesLock(s.hop.steps, key)) || ('repeat' in s && usesLock(s.repeat.steps, key)) ||
    ('cache' in s && usesLock(s.cache.miss ?? [], key)));
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

export function explainBottleneck(s: Scenario, r: SimResult): string {
  const byKind = (k: ResourceStats['kind']): ResourceStats[] => r.resources.filter((x) => x.kind === k);
  const one = (k: ResourceStats['kind']): ResourceStats | undefined => byKind(k)[0];
  const workers = one('workers');
  const headOfLine = workers !== undefined && workers.utilisation > 0.9 && workers.meanQueue > 1;

  const lock = byKind('lock').sort((a, b) => b.utilisation - a.utilisation)[0];
  if (lock && lock.utilisation > 0.85) {
    const key = lock.name.replace(/^lock /, '');
    const through = r.endpoints
      .filter((e) => usesLock(s.endpoints.find((x) => x.name === e.name)?.steps ?? [], key))
      .reduce((sum, e) => sum + e.throughput, 0);
    const ceiling = through / lock.utilisation; // = keys / mean hold time
    let msg = `the ${key} row lock serialises requests: ${ceiling.toFixed(1)} req/s is the ceiling whatever the worker count`;
    if (headOfLine) msg += `, and requests waiting for it hold worker slots so other endpoints queue behind them`;
    return msg;
  }
  const hop = one('hopThread');
  if (hop && hop.utilisation > 0.85) {
    return `the single sync_to_async thread of each worker is ${pct(hop.utilisation)} busy: every sync part of every request queues for it`;
  }
  const loop = one('loop');
  if (loop && loop.utilisation > 0.85) {
    return `blocking or CPU work holds each event loop ${pct(loop.utilisation)} of the time, so a worker serves one request at a time`;
  }
  const db = one('db');
  if (db && db.utilisation > 0.85) {
    return `the database's ${db.capacity} cores are saturated (${db.meanQueue.toFixed(1)} queries queued on average): more app workers add contention, not throughput`;
  }
  const cores = one('cores');
  const gils = byKind('gil');
  const hotGil = gils.filter((g) => g.utilisation > 0.85).length;
  if (cores && cores.utilisation > 0.85) {
    return `all ${cores.capacity} CPU cores are ${pct(cores.utilisation)} busy: more workers or threads only add context switches`;
  }
  if (hotGil > 0 && gils.length < (cores?.capacity ?? 1)) {
    return `the GIL lets one thread per process run Python (${hotGil} of ${gils.length} processes saturated) while cores sit idle: add processes, not threads`;
  }
  const pool = one('pool');
  if (pool && pool.meanQueue > 0.5) {
    return `requests wait for a DB connection (${pool.meanQueue.toFixed(1)} waiting on average): the pool is too small`;
  }
  if (headOfLine && workers) {
    return `all ${workers.capacity} worker slots are busy and ${workers.meanQueue.toFixed(1)} requests wait in the backlog on average`;
  }
  // Busy slots with a queue are a bottleneck too, short of saturation: never call that "nothing saturated".
  if (workers && (workers.utilisation > 0.8 || workers.meanQueue > 0.5)) {
    return `the ${workers.capacity} worker slots are ${pct(workers.utilisation)} busy${workers.meanQueue > 0.05 ? ` and ${workers.meanQueue.toFixed(1)} requests wait for one on average` : ''}: more slots would cut the wait`;
  }
  return 'no shared resource is saturated: latency is the requests\' own service time';
}
