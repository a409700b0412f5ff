/**
 * The four charts of the simulator view, drawn with chart.js. Only the pieces used are registered (tree-shaken:
 * line and bar charts, linear and category scales, legend and tooltip). Colours come from VS Code's
 * `--vscode-charts-*` theme variables and are re-read when the theme changes. Each canvas also carries an
 * `aria-label` summarising its data in words (a canvas is otherwise invisible to screen readers).
 */
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration, type ChartDataset, type ChartOptions,
} from 'chart.js';
import type { SimResult, TimeSeries } from '../sim/types.js';
import type { SweepPoint } from './messages.js';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface ChartTheme {
  foreground: string;
  grid: string;
  font: string;
  /** p50/before, p95/after, p99, extra. */
  series: [string, string, string, string];
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

/** Reads the theme from the `--vscode-*` variables VS Code sets on the page (fallbacks: VS Code's dark defaults). */
export function readTheme(): ChartTheme {
  const style = getComputedStyle(document.body);
  const foreground = cssVar(style, '--vscode-charts-foreground', cssVar(style, '--vscode-foreground', '#cccccc'));
  return {
    foreground,
    grid: cssVar(style, '--vscode-charts-lines', 'rgba(128, 128, 128, 0.35)'),
    font: cssVar(style, '--vscode-font-family', 'system-ui, sans-serif'),
    series: [
      cssVar(style, '--vscode-charts-blue', '#3794ff'),
      cssVar(style, '--vscode-charts-orange', '#d18616'),
      cssVar(style, '--vscode-charts-red', '#f14c4c'),
      cssVar(style, '--vscode-charts-green', '#89d185'),
    ],
  };
}

type Kind = 'load' | 'workers' | 'queue' | 'compare';

const round = (v: number): number => Math.round(v * 10) / 10;

export class SimCharts {
  private readonly charts = new Map<Kind, Chart>();
  private theme: ChartTheme;

  constructor(private readonly canvases: Record<Kind, HTMLCanvasElement>) {
    this.theme = readTheme();
    this.charts.set('load', this.make('load', 'line', 'users', 'latency (ms)'));
    this.charts.set('workers', this.make('workers', 'line', 'workers', 'throughput (req/s)'));
    this.charts.set('queue', this.make('queue', 'line', 'time (s)', 'requests waiting'));
    this.charts.set('compare', this.make('compare', 'bar', '', 'latency (ms)'));
  }

  private readonly titles = new Map<Kind, { x: string; y: string }>();

  private make(kind: Kind, type: 'line' | 'bar', xTitle: string, yTitle: string): Chart {
    this.titles.set(kind, { x: xTitle, y: yTitle });
    const config: ChartConfiguration = { type, data: { labels: [], datasets: [] }, options: this.options(kind) };
    return new Chart(this.canvases[kind], config);
  }

  /**
   * Fresh options for one chart in the current theme. Chart.js wraps `chart.options` in resolver proxies, so a
   * theme change replaces the whole object instead of patching it (Chart.js docs: "Updating Options").
   */
  private options(kind: Kind): ChartOptions {
    const t = this.theme;
    const titles = this.titles.get(kind) ?? { x: '', y: '' };
    const font = { family: t.font };
    const axis = (text: string): object => ({
      ticks: { color: t.foreground, font },
      grid: { color: t.grid },
      border: { color: t.grid },
      title: { display: text !== '', text, color: t.foreground, font },
    });
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: 1.7,
      interaction: { mode: 'index', intersect: false },
      plugins: { legend: { position: 'bottom', labels: { boxWidth: 12, color: t.foreground, font } }, tooltip: { enabled: true } },
      scales: { x: axis(titles.x), y: { ...axis(titles.y), beginAtZero: true } },
    };
  }

  /** Applies the current theme to one chart: options and dataset colours. */
  private style(kind: Kind, chart: Chart): void {
    chart.options = this.options(kind);
    chart.data.datasets.forEach((d, i) => {
      const c = this.theme.series[i % this.theme.series.length];
      d.borderColor = c;
      d.backgroundColor = c;
    });
  }

  applyTheme(theme: ChartTheme = readTheme()): void {
    this.theme = theme;
    for (const [kind, chart] of this.charts) { this.style(kind, chart); chart.update('none'); }
  }

  private set(kind: Kind, labels: (string | number)[], datasets: ChartDataset[], xTitle: string | undefined, summary: string): void {
    const chart = this.charts.get(kind);
    if (!chart) return;
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    const titles = this.titles.get(kind);
    if (xTitle !== undefined && titles) titles.x = xTitle;
    this.style(kind, chart);
    chart.update('none');
    const canvas = this.canvases[kind];
    canvas.setAttribute('aria-label', summary);
    canvas.dataset.datasets = String(datasets.length);
    canvas.dataset.points = String(datasets.reduce((n, d) => n + d.data.length, 0));
  }

  setLoadSweep(axis: 'users' | 'rate', points: SweepPoint[]): void {
    const xs = points.map((p) => p.x);
    const line = (label: string, pick: (p: SweepPoint) => number): ChartDataset => ({ type: 'line', label, data: points.map((p) => round(pick(p))), pointRadius: 3, tension: 0.2 });
    const first = points[0];
    const last = points[points.length - 1];
    const unit = axis === 'users' ? 'users' : 'req/s';
    this.set('load', xs, [line('p50', (p) => p.p50), line('p95', (p) => p.p95), line('p99', (p) => p.p99)], axis === 'users' ? 'users' : 'arrival rate (req/s)',
      first && last ? `Latency percentiles against load: p95 ${round(first.p95)} ms at ${first.x} ${unit}, ${round(last.p95)} ms at ${last.x} ${unit}.` : 'No data.');
  }

  setWorkersSweep(points: SweepPoint[]): void {
    const best = points.reduce<SweepPoint | undefined>((b, p) => (!b || p.throughput > b.throughput ? p : b), undefined);
    this.set('workers', points.map((p) => p.x), [
      { type: 'line', label: 'throughput (req/s)', data: points.map((p) => round(p.throughput)), pointRadius: 3, tension: 0.2 },
    ], undefined, best ? `Throughput against workers: best ${round(best.throughput)} req/s with ${best.x} workers.` : 'No data.');
  }

  setQueue(series: TimeSeries): void {
    const labels = series.t.map((t) => (t / 1000).toFixed(1));
    const peak = Math.max(0, ...series.queueMax);
    this.set('queue', labels, [
      { type: 'line', label: 'waiting (mean)', data: series.queueDepth.map(round), pointRadius: 0, tension: 0.1 },
      { type: 'line', label: 'waiting (max)', data: series.queueMax.map(round), pointRadius: 0, tension: 0.1 },
      { type: 'line', label: 'in flight', data: series.inFlight.map(round), pointRadius: 0, tension: 0.1 },
    ], undefined, `Queue depth over ${labels[labels.length - 1] ?? 0} s of simulated time; at most ${round(peak)} requests waiting.`);
  }

  setCompare(before: SimResult, after: SimResult | null): void {
    const pick = (r: SimResult): number[] => [r.overall.latency.p50, r.overall.latency.p95, r.overall.latency.p99].map(round);
    const datasets: ChartDataset[] = [{ type: 'bar', label: 'now', data: pick(before) }];
    if (after) datasets.push({ type: 'bar', label: 'with the fixes', data: pick(after) });
    this.set('compare', ['p50', 'p95', 'p99'], datasets, undefined, after
      ? `Before and after the code fixes: p95 ${round(before.overall.latency.p95)} ms now, ${round(after.overall.latency.p95)} ms with the fixes.`
      : `p95 ${round(before.overall.latency.p95)} ms; no code fix is proposed for this selection.`);
  }

  /** Re-measures every chart against its box (called when the view is resized). */
  resize(): void {
    for (const c of this.charts.values()) c.resize();
  }

  destroy(): void {
    for (const c of this.charts.values()) c.destroy();
    this.charts.clear();
  }
}
