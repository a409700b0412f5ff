/**
 * The read-only parts of the view: the selected endpoint(s) with their findings, the detected deployment with where
 * each value came from, the result summary and the ranked advice. Navigation ("go to code") is a real <button>,
 * so it is reachable with Tab and activated with Enter/Space.
 */
import type { DetectedDeployment, EndpointProfile, Sourced, ValueSource } from '../../server/core/profiles/types';
import type { SimResult } from '../sim/types';
import { change, h, ms, pct, rate } from './dom';
import { adviceView, fixVerdict } from './adviceView';
import type { AdviceItem } from './messages';

export type OpenLocation = (uri: string, line0: number) => void;

/**
 * Finding, invalidation, handler and urlconf lines of a profile are 0-based (LSP, as the server stores them);
 * only ValueSource.line is 1-based (it is listed to people). `openLocation` always takes a 0-based line; labels
 * show 1-based lines, as editors do.
 */
const fromOneBased = (line: number): number => Math.max(0, line - 1);

function goTo(label: string, uri: string, line0: number, open: OpenLocation, describedBy?: string): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'link', 'data-uri': uri, 'data-line': line0, 'aria-describedby': describedBy, text: label });
  b.addEventListener('click', () => open(uri, line0));
  return b;
}

function fileName(uri: string): string {
  return decodeURIComponent(uri.replace(/^.*[\\/]/, ''));
}

function findingsList(p: EndpointProfile, open: OpenLocation): HTMLElement {
  if (p.findings.length === 0) return h('p', { class: 'muted', text: 'No findings shaped this profile.' });
  return h('ul', { class: 'findings' }, ...p.findings.map((f, i) => {
    const id = `finding-${cssId(p.id)}-${i}`;
    return h('li', {},
      h('span', { id, class: 'finding' }, h('code', { text: f.code }), ` ${f.cost}`),
      ' ', goTo(`go to code (${fileName(p.handler.uri)}:${f.line + 1})`, p.handler.uri, f.line, open, id));
  }));
}

const cssId = (s: string): string => s.replace(/[^A-Za-z0-9_-]/g, '_');

export function renderEndpoints(root: HTMLElement, profiles: EndpointProfile[], mix: boolean, open: OpenLocation): void {
  root.replaceChildren();
  if (mix) {
    const total = profiles.reduce((s, p) => s + (p.endpoint.weight ?? 1), 0) || 1;
    root.append(h('p', { class: 'muted', text: `Every endpoint the deployment routes, weighted by traffic share (${profiles.length} endpoints).` }));
  const list = h('ul', { class: 'endpoints' }, ...profiles.map((p) => h('li', {},
      h('strong', { text: p.route ?? p.id }), ` ${pct((p.endpoint.weight ?? 1) / total)} of requests · `,
      goTo(`${p.handler.name} (go to code)`, p.handler.uri, p.handler.range.start.line, open),
      findingsList(p, open))));
    root.append(list);
    return;
  }
  const p = profiles[0];
  if (!p) return;
  root.append(
    h('p', {}, h('strong', { text: `${(p.methods ?? []).join(' ')} ${p.route ?? ''}`.trim() || p.id }), ' ',
      goTo(`${p.handler.name} (go to code)`, p.handler.uri, p.handler.range.start.line, open)),
    h('p', { class: 'muted', text: `${p.id}${p.handler.async ? ' · async view' : ''}${p.readOnly ? ' · read-only' : ''}` }),
    findingsList(p, open),
  );
  if (p.cacheAdvice) {
    const c = p.cacheAdvice;
    root.append(h('div', { class: 'callout' },
      h('p', { text: `Cache candidate (${c.kind}, key ${c.key}, ${c.ttlSeconds} s): ${c.rationale.replace(/[\s.]+$/, '')}.` }),
      c.invalidateAt.length > 0 ? h('ul', {}, ...c.invalidateAt.map((w) => h('li', {}, `invalidate at ${w.what} `,
        goTo(`go to code (${fileName(w.uri)}:${w.line + 1})`, w.uri, w.line, open)))) : null));
  } else if (p.cacheUnsafe) {
    root.append(h('p', { class: 'muted', text: `Not a cache candidate: ${p.cacheUnsafe}.` }));
  }
  if (p.notes?.length) root.append(h('ul', { class: 'notes' }, ...p.notes.map((n) => h('li', { text: n }))));
}

function sourceText(s: ValueSource): string {
  const where = s.file ? `${s.file}${s.line ? `:${s.line}` : ''}` : 'default';
  return `${where} — ${s.note}`;
}

function show(v: unknown): string {
  if (typeof v === 'object' && v !== null && 'dist' in v) {
    const d = v as { dist: string; mean?: number };
    return d.mean !== undefined ? `${d.dist} mean ${d.mean}` : d.dist;
  }
  return String(v);
}

const LABELS: [string, (d: DetectedDeployment) => Sourced<unknown> | undefined, string?][] = [
  ['worker class', (d) => d.server.workerClass],
  ['workers', (d) => d.server.workers],
  ['threads', (d) => d.server.threads],
  ['connections', (d) => d.server.connections],
  ['timeout', (d) => d.server.timeoutMs, 'ms'],
  ['backlog', (d) => d.server.backlog],
  ['app cores', (d) => d.machine?.cores],
  ['DB CONN_MAX_AGE', (d) => d.db?.connMaxAge, 's'],
  ['DB pool', (d) => d.db?.poolSize],
  ['DB max connections', (d) => d.db?.maxConnections],
  ['ATOMIC_REQUESTS', (d) => d.db?.atomicRequests],
  ['cache', (d) => d.cache?.backend],
  ['cache latency', (d) => d.cache?.latencyMs, 'ms'],
  ['application', (d) => d.app],
  ['ROOT_URLCONF', (d) => d.rootUrlconf],
];

export function renderDeployment(root: HTMLElement, d: DetectedDeployment, open: OpenLocation): void {
  root.replaceChildren();
  root.append(h('p', { class: 'muted', text: [d.name, d.program].filter(Boolean).join(' · ') || 'detected deployment' }));
  const dl = h('dl', { class: 'deployment' });
  for (const [label, pick, unit] of LABELS) {
    const s = pick(d);
    if (!s) continue;
    const src = s.source;
    const text = sourceText(src);
    const where = src.file ? `${src.file}${src.line ? `:${src.line}` : ''}` : 'default';
    dl.append(
      h('dt', { text: label }),
      h('dd', { title: text, 'data-source': text },
        h('span', { class: 'value', text: `${show(s.value)}${unit ? ` ${unit}` : ''}` }), ' ',
        src.uri ? goTo(where, src.uri, fromOneBased(src.line ?? 1), open) : h('span', { class: 'muted', text: where }),
        h('span', { class: 'visually-hidden', text: ` (${src.note})` })),
    );
  }
  root.append(dl);
  if (d.conflicts.length) root.append(h('ul', { class: 'conflicts', 'aria-label': 'Conflicts' }, ...d.conflicts.map((c) => h('li', { text: c }))));
  if (d.notes?.length) root.append(h('ul', { class: 'notes', 'aria-label': 'Notes' }, ...d.notes.map((c) => h('li', { text: c }))));
}

export function renderSummary(root: HTMLElement, r: SimResult, fixed: SimResult | null): void {
  const l = r.overall.latency;
  const cells: [string, string, string?][] = [
    ['p50', ms(l.p50)], ['p95', ms(l.p95)], ['p99', ms(l.p99)], ['mean', ms(l.mean)],
    ['throughput', rate(r.overall.throughput)], ['errors', pct(r.overall.errorRate)],
  ];
  root.replaceChildren(
    h('dl', { class: 'metrics' }, ...cells.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { 'data-metric': k, text: v })])),
    h('p', { class: 'muted', text: `${r.overall.requests.toLocaleString('en-US')} requests simulated (${r.events.toLocaleString('en-US')} events in ${r.wallMs} ms).` }),
  );
  if (fixed) {
    const f = fixed.overall.latency;
    // Green only when the fixes really help: a lower p95 bought with a lower throughput is not a plain gain.
    const verdict = fixVerdict({ p95Ms: l.p95, throughput: r.overall.throughput }, { p95Ms: f.p95, throughput: fixed.overall.throughput });
    root.append(h('p', { class: `fix-gain fix-${verdict}`, 'data-verdict': verdict,
      text: `With the proposed fixes: p95 ${ms(l.p95)} → ${ms(f.p95)} (${change(l.p95, f.p95)}), throughput ${rate(r.overall.throughput)} → ${rate(fixed.overall.throughput)} (${change(r.overall.throughput, fixed.overall.throughput)}).` }));
  }
  if (r.groups && r.groups.length > 0) root.append(groupsTable(r.groups));
  if (r.warnings.length) root.append(h('ul', { class: 'warnings' }, ...r.warnings.map((w) => h('li', { text: w }))));
}

/** One row per user group: what each population sees. */
function groupsTable(groups: NonNullable<SimResult['groups']>): HTMLElement {
  const head = ['group', 'req/s', 'mean', 'p95', 'p99', 'errors'];
  return h('table', { class: 'groups', 'aria-label': 'User groups' },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col', text: c })))),
    h('tbody', {}, ...groups.map((g) => h('tr', { 'data-group': g.name },
      h('th', { scope: 'row', text: g.name }), h('td', { text: rate(g.throughput) }), h('td', { text: ms(g.latency.mean) }),
      h('td', { text: ms(g.latency.p95) }), h('td', { text: ms(g.latency.p99) }), h('td', { text: pct(g.errorRate) })))));
}

/**
 * The advice: the bottleneck now, then only the changes worth making, best predicted gain first, in the result
 * panel's numbers (`now`, from the main run). A change's own bottleneck is said only where it differs.
 */
export function renderAdvice(root: HTMLElement, items: AdviceItem[], now: SimResult): void {
  const view = adviceView(items, { p95Ms: now.overall.latency.p95, throughput: now.overall.throughput });
  root.replaceChildren();
  if (view.bottleneck) root.append(h('p', { class: 'bottleneck' }, h('strong', { text: 'Bottleneck now: ' }), view.bottleneck));
  if (view.rows.length === 0) {
    root.append(h('p', { class: 'muted no-advice', text: 'No change among the workers, threads, worker classes, pool sizes, cache and code fixes tried predicts a gain of 1 % or more.' }));
    return;
  }
  root.append(h('ol', { class: 'advice' }, ...view.rows.map((a) => h('li', {},
    h('strong', { text: a.title }),
    h('span', { class: 'gain', text: ` — p95 ${ms(now.overall.latency.p95)} → ${ms(a.p95Ms)} (${change(1, 1 + a.p95Change)}), throughput ${rate(a.throughput)} (${change(1, 1 + a.throughputChange)})${a.errorRate > 0.01 ? `, ${pct(a.errorRate)} errors` : ''}` }),
    a.then ? h('p', { class: 'why', text: `then: ${a.then}` }) : null))));
}
