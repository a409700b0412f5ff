/** Plain-text tables for the CLI (and any text view). */
import type { Advice } from './advice';
import type { Comparison } from './compare';
import type { EndpointStats, SimResult } from './types';

export function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ').trimEnd();
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export const ms = (v: number): string => (v >= 10000 ? `${(v / 1000).toFixed(1)}s` : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

function endpointRow(e: EndpointStats): string[] {
  const errs = Object.entries(e.errors).map(([k, v]) => `${k}:${v}`).join(' ');
  const ci = e.latency.ci95 ? `±${ms((e.latency.ci95.p95.hi - e.latency.ci95.p95.lo) / 2)}` : '';
  return [e.name, String(e.completed), e.throughput.toFixed(1), ms(e.latency.mean), ms(e.latency.p50), ms(e.latency.p90),
    `${ms(e.latency.p95)}${ci}`, ms(e.latency.p99), ms(e.latency.max), e.errorRate > 0 ? `${pct(e.errorRate)} ${errs}` : '0'];
}

export function formatResult(r: SimResult): string {
  const out: string[] = [];
  out.push(`${r.name} (seed ${r.seed}): ${r.events.toLocaleString('en-US')} events in ${r.wallMs} ms; ` +
    `window ${(r.window.startMs / 1000).toFixed(1)}–${(r.window.endMs / 1000).toFixed(1)} s simulated, last request done at ${(r.makespanMs / 1000).toFixed(2)} s\n\n`);
  out.push(table(['endpoint', 'done', 'req/s', 'mean', 'p50', 'p90', 'p95 (±95% CI)', 'p99', 'max', 'errors'],
    [...r.endpoints.map(endpointRow), ...(r.endpoints.length > 1 ? [endpointRow(r.overall)] : [])]));
  out.push('\nlatency in ms (s when suffixed); throughput counts successful requests\n\n');
  const shown = r.resources.filter((x) => x.kind !== 'gil' || r.resources.filter((g) => g.kind === 'gil').length <= 8);
  out.push(table(['resource', 'capacity', 'busy', 'mean queue'],
    shown.map((x) => [x.name, Number.isFinite(x.capacity) ? String(x.capacity) : '∞', pct(x.utilisation), x.meanQueue.toFixed(2)])));
  if (r.warnings.length > 0) out.push(`\n${r.warnings.map((w) => `warning: ${w}`).join('\n')}\n`);
  return out.join('');
}

export function formatComparison(c: Comparison): string {
  return table(['endpoint', 'metric', 'predicted', 'measured', 'rel. error'], c.rows.map((r) => [
    r.endpoint, r.metric,
    r.metric === 'errorRate' ? pct(r.predicted) : r.metric === 'throughput' ? r.predicted.toFixed(1) : ms(r.predicted),
    r.metric === 'errorRate' ? pct(r.measured) : r.metric === 'throughput' ? r.measured.toFixed(1) : ms(r.measured),
    r.relError === null ? '—' : `${r.relError >= 0 ? '+' : ''}${(r.relError * 100).toFixed(1)}%`,
  ]));
}

export function formatAdvice(list: Advice[]): string {
  return table(['#', 'change', 'p95', 'mean', 'req/s', 'errors', 'bottleneck'], list.map((a, i) => [
    String(i + 1), `${a.title}${a.baseline ? ' (now)' : ''}${a.feasible ? '' : ` [over limits: ${a.violates.join('; ')}]`}`,
    ms(a.p95Ms), ms(a.meanMs), a.throughput.toFixed(1), pct(a.errorRate), a.bottleneck,
  ]));
}
