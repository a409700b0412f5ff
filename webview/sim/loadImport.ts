/**
 * User groups from the load tools' own descriptions: Locust user classes and k6 scenarios.
 * Each becomes one closed-loop group with its own users, think time and endpoint mix.
 */
import type { Duration, UserGroup } from './types';

/** A Locust `User` class: its `weight` or `fixed_count`, `wait_time` (seconds) and `@task` weights. */
export interface LocustUserClass {
  name: string;
  weight?: number;
  fixedCount?: number;
  /** `constant(s)` → {constant: s}; `between(a, b)` → {between: [a, b]}. */
  waitTime?: { constant: number } | { between: [number, number] };
  /** Task (endpoint name) → @task weight. */
  tasks: Record<string, number>;
}

function locustThink(w: LocustUserClass['waitTime']): Duration {
  if (!w) return 0;
  if ('constant' in w) return w.constant * 1000;
  return { dist: 'uniform', min: w.between[0] * 1000, max: w.between[1] * 1000 };
}

/**
 * Splits `users` over the classes as Locust does: `fixed_count` classes first, the rest in
 * proportion to `weight` (default 1), rounded by largest remainder. Classes left with no user
 * are dropped.
 */
export function groupsFromLocust(classes: LocustUserClass[], users: number): UserGroup[] {
  const counts = classes.map((c) => c.fixedCount ?? 0);
  const fixed = counts.reduce((a, b) => a + b, 0);
  const rest = Math.max(0, users - fixed);
  const weighted = classes.map((c) => (c.fixedCount === undefined ? c.weight ?? 1 : 0));
  const total = weighted.reduce((a, b) => a + b, 0);
  if (total > 0) {
    const exact = weighted.map((w) => (rest * w) / total);
    const floor = exact.map(Math.floor);
    let left = rest - floor.reduce((a, b) => a + b, 0);
    const order = exact.map((x, i) => [x - floor[i], i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, i] of order) { if (left-- <= 0) break; floor[i]++; }
    floor.forEach((n, i) => { if (classes[i].fixedCount === undefined) counts[i] = n; });
  }
  return classes
    .map((c, i): UserGroup => ({ name: c.name, users: counts[i], thinkMs: locustThink(c.waitTime), mix: { ...c.tasks } }))
    .filter((g) => g.users > 0);
}

/** A k6 scenario from `options.scenarios`. Think time is the script's sleep() per iteration. */
export interface K6Scenario {
  executor: string;
  vus?: number;
  stages?: { duration?: string; target: number }[];
  startVUs?: number;
  exec?: string;
}

/** What one k6 exec function does per iteration: the requests it sends (endpoint → weight) and its sleep. */
export interface K6Exec { mix: Record<string, number>; sleepS?: number }

/**
 * Closed-loop k6 executors (constant-vus, ramping-vus at its peak, per-vu-iterations,
 * shared-iterations) become groups of their VUs; arrival-rate executors are open loads and are
 * rejected with an explanation.
 */
export function groupsFromK6(scenarios: Record<string, K6Scenario>, execs: Record<string, K6Exec>): UserGroup[] {
  return Object.entries(scenarios).map(([name, sc]): UserGroup => {
    if (/arrival-rate/.test(sc.executor)) {
      throw new Error(`k6 scenario "${name}": ${sc.executor} is an open load (requests per second), not a group of users`);
    }
    const vus = sc.executor === 'ramping-vus'
      ? Math.max(sc.startVUs ?? 1, ...(sc.stages ?? []).map((s) => s.target))
      : sc.vus ?? 1;
    const fn = sc.exec ?? 'default';
    const ex = execs[fn];
    if (!ex) throw new Error(`k6 scenario "${name}": no description of exec function "${fn}"`);
    return { name, users: vus, thinkMs: (ex.sleepS ?? 0) * 1000, mix: { ...ex.mix } };
  });
}
