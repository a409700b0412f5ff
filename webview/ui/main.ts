/**
 * The djperf simulator view (a VS Code webview view; also loaded by the headless-Chromium tests). It shows the
 * selected endpoint or the URLconf mix, the detected deployment, the what-if inputs, four charts and the ranked
 * advice. Simulation runs in a Web Worker (simWorker.ts); inputs are debounced and stale runs cancelled. State
 * lives in `vscode.getState/setState`; every message from the extension is validated (messages.ts).
 */
import type { ProfileReport } from '../../server/core/profiles/types';
import type { SimResult } from '../sim/types';
import { byId, h } from './dom';
import { buildForm } from './form';
import { parseHostToView, type HostToView, type RunJob, type ViewToHost, type WorkerToUi } from './messages';
import { renderAdvice, renderDeployment, renderEndpoints, renderSummary } from './panels';
import {
  LIMITS, buildScenario, cacheInputUse, defaultInputs, loadSweep, namedDefault, selectedProfiles, withFixes, withLoad, workersSweep, type WhatIfInputs,
} from './scenarioBuilder';
import { restoreState, type ViewState } from './state';
import { SimWorkerClient } from './workerClient';

interface VsCodeApi {
  postMessage(message: ViewToHost): void;
  getState(): unknown;
  setState(state: ViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const DEBOUNCE_MS = 250;
const vscode = acquireVsCodeApi();
const restored = restoreState(vscode.getState());
let state: ViewState = restored.state;
let pendingSelect: string | null | undefined;
let debounce: ReturnType<typeof setTimeout> | undefined;
let results: { main: SimResult | null; fixed: SimResult | null } = { main: null, fixed: null };
const loadCharts = () => import('./charts.mjs');
type Charts = InstanceType<Awaited<ReturnType<typeof loadCharts>>['SimCharts']>;
let charts: Charts | undefined;

const post = (m: ViewToHost): void => vscode.postMessage(m);
const save = (): void => vscode.setState(state);

// ---- page skeleton -------------------------------------------------------------------------------------------

const canvas = (id: string, label: string): HTMLCanvasElement => h('canvas', { id, role: 'img', 'aria-label': label });
const figure = (id: string, caption: string): HTMLElement =>
  h('figure', { class: 'chart' }, h('figcaption', { text: caption }), h('div', { class: 'chart-box' }, canvas(id, `${caption}: waiting for the simulation`)));

const errorsEl = h('ul', { id: 'errors', class: 'errors', role: 'alert', 'aria-label': 'Errors' });
const select = h('select', { id: 'endpoint', name: 'endpoint', 'aria-describedby': 'endpoint-hint' });
const refresh = h('button', { type: 'button', id: 'refresh', class: 'secondary', text: 'Refresh profiles' });
const form = buildForm(() => { readForm(); }, () => resetInputs());
const noticesEl = h('ul', { id: 'notices', class: 'notices', role: 'status', 'aria-live': 'polite' });
const statusEl = h('p', { id: 'run-status', class: 'muted', role: 'status', 'aria-live': 'polite' });

document.body.append(h('main', { id: 'app' },
  h('header', {}, h('h1', { text: 'djperf simulator' }), refresh),
  errorsEl,
  h('section', { 'aria-labelledby': 'h-endpoint' },
    h('h2', { id: 'h-endpoint', text: 'Endpoint' }),
    h('div', { class: 'field stacked' }, h('label', { for: 'endpoint', text: 'Simulate' }), select,
      h('span', { id: 'endpoint-hint', class: 'hint', text: 'one endpoint, or the whole URLconf weighted by traffic' })),
    h('div', { id: 'endpoint-info' })),
  h('section', { 'aria-labelledby': 'h-deployment' }, h('h2', { id: 'h-deployment', text: 'Detected deployment' }), h('div', { id: 'deployment' })),
  h('section', { 'aria-labelledby': 'h-whatif' }, h('h2', { id: 'h-whatif', text: 'What if' }), form.root, noticesEl),
  h('section', { id: 'results', 'aria-labelledby': 'h-results', 'aria-busy': 'false' },
    h('h2', { id: 'h-results', text: 'Result' }), statusEl, h('div', { id: 'summary' }),
    figure('chart-load', 'Latency percentiles vs load'),
    figure('chart-workers', 'Throughput vs workers'),
    figure('chart-queue', 'Queue depth over time'),
    figure('chart-compare', 'Before / after the code fixes')),
  h('section', { 'aria-labelledby': 'h-advice' }, h('h2', { id: 'h-advice', text: 'Advice (ranked)' }), h('div', { id: 'advice' })),
));

function showError(message: string): void {
  console.warn(`djperf simulator: ${message}`);
  errorsEl.append(h('li', { text: message }));
  while (errorsEl.children.length > 5) errorsEl.firstElementChild?.remove();
}

const openLocation = (uri: string, line: number): void => post({ type: 'openLocation', uri, line });

// ---- rendering ---------------------------------------------------------------------------------------------------

function renderSelection(): void {
  const report = state.report;
  select.replaceChildren(h('option', { value: '', text: 'All endpoints (weighted mix)' }),
    ...(report?.endpoints ?? []).map((p) => h('option', { value: p.id, text: `${p.route ?? p.id} — ${p.handler.name}` })));
  select.value = state.selection ?? '';
  select.disabled = !report;
  if (!report) {
    byId('endpoint-info').replaceChildren(h('p', { class: 'muted', text: 'Waiting for the workspace profiles…' }));
    byId('deployment').replaceChildren();
    return;
  }
  renderEndpoints(byId('endpoint-info'), selectedProfiles(report, state.selection), state.selection === null, openLocation);
  renderDeployment(byId('deployment'), report.deployment, openLocation);
}

function placeholders(report: ProfileReport): Partial<Record<'rows' | 'queryMs' | 'cacheHitRatio', string>> {
  if (state.selection !== null) return {};
  const ranges = (name: 'rows' | 'queryMs' | 'cacheHitRatio'): string | undefined => {
    const vals = selectedProfiles(report, null).map((p) => namedDefault(p, name)).filter((v): v is number => v !== undefined);
    if (vals.length === 0) return undefined;
    const show = (v: number): string => String(name === 'cacheHitRatio' ? Math.round(v * 100) : v);
    return `as profiled (${show(Math.min(...vals))}–${show(Math.max(...vals))})`;
  };
  return { rows: ranges('rows'), queryMs: ranges('queryMs'), cacheHitRatio: ranges('cacheHitRatio') };
}

function writeForm(): void {
  if (!state.report || !state.inputs) return;
  form.write(state.inputs, placeholders(state.report));
  const cache = cacheInputUse(selectedProfiles(state.report, state.selection));
  form.explain('cacheHitRatio', cache.note, cache.applies);
}

// ---- running ---------------------------------------------------------------------------------------------------

function readForm(): void {
  const r = form.read();
  if (!r.ok) { noticesEl.replaceChildren(h('li', { class: 'invalid', text: r.error })); return; }
  state.inputs = r.inputs;
  save();
  schedule();
}

function schedule(): void {
  clearTimeout(debounce);
  debounce = setTimeout(run, DEBOUNCE_MS);
}

const worker = new SimWorkerClient(onWorker, (m) => { showError(m); setBusy(false); });

function setBusy(busy: boolean): void {
  byId('results').setAttribute('aria-busy', String(busy));
  if (busy) statusEl.textContent = 'Simulating…';
}

function run(): void {
  const report = state.report;
  const inputs = state.inputs;
  if (!report || !inputs) return;
  try {
    const built = buildScenario(report, state.selection, inputs);
    noticesEl.replaceChildren(...built.notices.map((n) => h('li', { text: n })));
    const sel = state.selection;
    const at = (i: WhatIfInputs, requests: number): RunJob['main'] => buildScenario(report, sel, i, { requests }).scenario;
    const job: RunJob = {
      main: built.scenario,
      fixed: withFixes(built.scenario),
      loadSweep: { axis: inputs.loadMode === 'open' ? 'rate' : 'users', points: loadSweep(built.inputs).map((x) => ({ x, scenario: at(withLoad(built.inputs, x), LIMITS.sweepRequests) })) },
      workersSweep: { points: workersSweep(built.inputs).map((x) => ({ x, scenario: at({ ...built.inputs, workers: x }, LIMITS.sweepRequests) })) },
      advice: { scenario: at(built.inputs, LIMITS.adviceRequests), requestsPerCandidate: LIMITS.adviceRequests, dbConnections: report.deployment.db?.maxConnections?.value },
    };
    results = { main: null, fixed: null };
    setBusy(true);
    worker.run(job);
  } catch (err) {
    showError(`could not start the simulation: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function chartsReady(): Promise<Charts> {
  if (!charts) {
    const { SimCharts } = await loadCharts();
    charts ??= new SimCharts({
      load: byId<HTMLCanvasElement>('chart-load'), workers: byId<HTMLCanvasElement>('chart-workers'),
      queue: byId<HTMLCanvasElement>('chart-queue'), compare: byId<HTMLCanvasElement>('chart-compare'),
    });
  }
  return charts;
}

function onWorker(m: WorkerToUi): void {
  void chartsReady().then((c) => {
    if (m.runId !== worker.currentRunId) return;
    switch (m.type) {
      case 'main':
        results.main = m.result;
        renderSummary(byId('summary'), m.result, null);
        c.setQueue(m.result.series);
        c.setCompare(m.result, null);
        break;
      case 'fixed':
        results.fixed = m.result;
        if (results.main) { renderSummary(byId('summary'), results.main, m.result); c.setCompare(results.main, m.result); }
        break;
      case 'sweep':
        if (m.axis === 'workers') c.setWorkersSweep(m.points); else c.setLoadSweep(m.axis, m.points);
        break;
      case 'advice':
        if (results.main) renderAdvice(byId('advice'), m.items, results.main);
        break;
      case 'failed':
        showError(`simulation failed: ${m.message}`);
        setBusy(false);
        statusEl.textContent = 'The simulation failed.';
        break;
      case 'done':
        setBusy(false);
        statusEl.textContent = `What-if simulated in ${m.wallMs} ms.`;
        break;
    }
  });
}

// ---- selection and messages --------------------------------------------------------------------------------------

function selectEndpoint(id: string | null): void {
  const report = state.report;
  if (!report) { pendingSelect = id; return; }
  if (id !== null && !report.endpoints.some((p) => p.id === id)) { showError(`no profile for endpoint "${id}"`); return; }
  state.selection = id;
  // Load and server knobs carry over; the code inputs follow the endpoint's own defaults.
  const fresh = defaultInputs(report, id);
  state.inputs = state.inputs ? { ...state.inputs, rows: fresh.rows, queryMs: fresh.queryMs, cacheHitRatio: fresh.cacheHitRatio } : fresh;
  save();
  renderSelection();
  writeForm();
  schedule();
}

function resetInputs(): void {
  if (!state.report) return;
  state.inputs = defaultInputs(state.report, state.selection);
  save();
  writeForm();
  schedule();
}

function onHostMessage(m: HostToView): void {
  switch (m.type) {
    case 'profiles': {
      state.report = m.report;
      if (m.report && state.selection !== null && !m.report.endpoints.some((p) => p.id === state.selection)) state.selection = null;
      if (m.report) state.inputs ??= defaultInputs(m.report, state.selection);
      save();
      renderSelection();
      writeForm();
      const wanted = m.select !== undefined ? m.select : pendingSelect;
      pendingSelect = undefined;
      if (wanted !== undefined) selectEndpoint(wanted); else schedule();
      if (!m.report) statusEl.textContent = 'No Django deployment found in this workspace.';
      break;
    }
    case 'select':
      selectEndpoint(m.endpointId);
      break;
    case 'error':
      showError(m.message);
      break;
  }
}

window.addEventListener('message', (ev: MessageEvent<unknown>) => {
  const parsed = parseHostToView(ev.data);
  if (!parsed.ok) { showError(`refused a malformed message: ${parsed.error}`); return; }
  onHostMessage(parsed.message);
});

select.addEventListener('change', () => selectEndpoint(select.value === '' ? null : select.value));
refresh.addEventListener('click', () => post({ type: 'refresh' }));

// Theme changes: VS Code rewrites the `--vscode-*` variables on <html> and the theme class on <body>.
const retheme = (): void => { charts?.applyTheme(); };
const observer = new MutationObserver(retheme);
observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });

// Charts follow the view's width (a sidebar resize): chart.js's own listener misses some webview resizes.
const resizer = new ResizeObserver(() => { charts?.resize(); });
document.querySelectorAll('.chart-box').forEach((box) => resizer.observe(box));

if (restored.problem) showError(restored.problem);
renderSelection();
writeForm();
if (state.report) schedule();
void chartsReady();
post({ type: 'ready' });
