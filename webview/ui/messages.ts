/**
 * The simulator view's message protocol: ONE discriminated union per direction, declared as maps
 * (ast-grep-vscode's parent-to-child / child-to-parent style), with hand-written validators. Every message is
 * validated on arrival; a malformed one is refused with a reason (the view logs a console warning and shows an
 * error line; the extension logs it), never half-applied.
 *
 *   extension → webview  HostToView: profiles | select | error
 *   webview → extension  ViewToHost: ready | refresh | openLocation
 *   webview → worker     UiToWorker: run
 *   worker → webview     WorkerToUi: main | fixed | sweep | advice | failed | done
 */
import type { ProfileReport } from '../../server/core/profiles/types';
import type { Scenario, SimResult } from '../sim/types';
import type { Advice } from '../sim/advice';
import { checkProfileReport, isObject } from './profileValidation';

/** Parent (extension) to child (webview). */
export interface HostToViewMap {
  /** The profiles of the workspace (null: no Django deployment found); `select` picks an endpoint at the same time. */
  profiles: { report: ProfileReport | null; select?: string | null };
  /** Select an endpoint (CodeLens → djperf.openSimulator); null selects the URLconf mix. */
  select: { endpointId: string | null };
  /** Something went wrong on the extension side (profiling failed …), shown as an error line. */
  error: { message: string };
}

/** Child (webview) to parent (extension). */
export interface ViewToHostMap {
  /** The page is listening; the extension answers with `profiles`. */
  ready: Record<never, never>;
  /** Re-profile the workspace (Refresh button). */
  refresh: Record<never, never>;
  /** Open `uri` at `line` (0-based, like LSP ranges) in an editor ("go to code"). */
  openLocation: { uri: string; line: number };
}

type Union<M> = { [K in keyof M]: { type: K } & M[K] }[keyof M];
export type HostToView = Union<HostToViewMap>;
export type ViewToHost = Union<ViewToHostMap>;

export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

const refuse = (error: string): { ok: false; error: string } => ({ ok: false, error });
const describe = (v: unknown): string => (isObject(v) && typeof v.type === 'string' ? `"${v.type.slice(0, 40)}"` : typeof v);

export function parseHostToView(data: unknown): Parsed<HostToView> {
  if (!isObject(data) || typeof data.type !== 'string') return refuse('not a message object with a string "type"');
  switch (data.type) {
    case 'profiles': {
      if (data.select !== undefined && data.select !== null && typeof data.select !== 'string') return refuse('profiles.select must be a string or null');
      if (data.report === null) return { ok: true, message: { type: 'profiles', report: null, select: data.select } };
      const r = checkProfileReport(data.report);
      if (!r.ok) return refuse(`profiles: ${r.errors.slice(0, 3).join('; ')}${r.errors.length > 3 ? ` (+${r.errors.length - 3} more)` : ''}`);
      return { ok: true, message: { type: 'profiles', report: r.value, select: data.select } };
    }
    case 'select':
      if (data.endpointId !== null && typeof data.endpointId !== 'string') return refuse('select.endpointId must be a string or null');
      return { ok: true, message: { type: 'select', endpointId: data.endpointId } };
    case 'error':
      if (typeof data.message !== 'string') return refuse('error.message must be a string');
      return { ok: true, message: { type: 'error', message: data.message.slice(0, 2000) } };
    default:
      return refuse(`unknown message type ${describe(data)}`);
  }
}

export function parseViewToHost(data: unknown): Parsed<ViewToHost> {
  if (!isObject(data) || typeof data.type !== 'string') return refuse('not a message object with a string "type"');
  switch (data.type) {
    case 'ready':
      return { ok: true, message: { type: 'ready' } };
    case 'refresh':
      return { ok: true, message: { type: 'refresh' } };
    case 'openLocation':
      if (typeof data.uri !== 'string' || data.uri.length === 0) return refuse('openLocation.uri must be a non-empty string');
      if (typeof data.line !== 'number' || !Number.isInteger(data.line) || data.line < 0) return refuse('openLocation.line must be an integer ≥ 0');
      return { ok: true, message: { type: 'openLocation', uri: data.uri, line: data.line } };
    default:
      return refuse(`unknown message type ${describe(data)}`);
  }
}

// ---- UI ⇄ simulation worker -------------------------------------------------------------------------------------

export interface SweepPoint { x: number; p50: number; p95: number; p99: number; throughput: number; errorRate: number }
/** One ranked change from `advise`, without its scenario (the view does not need it back from the worker). */
export type AdviceItem = Omit<Advice, 'scenario'>;

export interface RunJob {
  main: Scenario;
  /** The same with the proposed code fixes applied (null: nothing fixable). */
  fixed: Scenario | null;
  loadSweep: { axis: 'users' | 'rate'; points: { x: number; scenario: Scenario }[] };
  workersSweep: { points: { x: number; scenario: Scenario }[] };
  advice: { scenario: Scenario; requestsPerCandidate: number; dbConnections?: number };
}

export interface UiToWorkerMap { run: { runId: number; job: RunJob } }
export interface WorkerToUiMap {
  main: { runId: number; result: SimResult };
  fixed: { runId: number; result: SimResult };
  sweep: { runId: number; axis: 'users' | 'rate' | 'workers'; points: SweepPoint[] };
  advice: { runId: number; items: AdviceItem[] };
  failed: { runId: number; message: string };
  done: { runId: number; wallMs: number };
}
export type UiToWorker = Union<UiToWorkerMap>;
export type WorkerToUi = Union<WorkerToUiMap>;

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonNegative = (v: unknown): boolean => finite(v) && v >= 0;

/** The worker receives scenarios; each is validated by the engine itself before it runs (see simWorker.ts). */
export function parseUiToWorker(data: unknown): Parsed<UiToWorker> {
  if (!isObject(data) || data.type !== 'run') return refuse(`unknown worker request ${describe(data)}`);
  if (!finite(data.runId)) return refuse('run.runId must be a number');
  const job = data.job;
  if (!isObject(job) || !isObject(job.main) || !isObject(job.loadSweep) || !isObject(job.workersSweep) || !isObject(job.advice)) return refuse('run.job is malformed');
  if (!Array.isArray(job.loadSweep.points) || !Array.isArray(job.workersSweep.points)) return refuse('run.job sweeps must hold points');
  return { ok: true, message: data as unknown as UiToWorker };
}

function simResultOk(r: unknown): boolean {
  if (!isObject(r) || !isObject(r.overall) || !isObject(r.series) || !Array.isArray(r.endpoints) || !Array.isArray(r.warnings)) return false;
  const lat = r.overall.latency;
  if (!isObject(lat) || !['mean', 'p50', 'p95', 'p99'].every((k) => nonNegative(lat[k]))) return false;
  if (!nonNegative(r.overall.throughput) || !nonNegative(r.overall.errorRate) || !nonNegative(r.overall.requests)) return false;
  const s = r.series;
  return Array.isArray(s.t) && Array.isArray(s.queueDepth) && s.t.length === s.queueDepth.length &&
    s.t.every(finite) && s.queueDepth.every(finite);
}

const pointOk = (p: unknown): boolean => isObject(p) && ['x', 'p50', 'p95', 'p99', 'throughput', 'errorRate'].every((k) => nonNegative(p[k]));
const adviceOk = (a: unknown): boolean => isObject(a) && typeof a.title === 'string' && typeof a.bottleneck === 'string' &&
  typeof a.baseline === 'boolean' && typeof a.feasible === 'boolean' && Array.isArray(a.violates) &&
  ['p95Ms', 'meanMs', 'throughput', 'errorRate'].every((k) => nonNegative(a[k]));

export function parseWorkerToUi(data: unknown): Parsed<WorkerToUi> {
  if (!isObject(data) || typeof data.type !== 'string' || !finite(data.runId)) return refuse('worker message without type and runId');
  const ok = { ok: true as const, message: data as unknown as WorkerToUi };
  switch (data.type) {
    case 'main':
    case 'fixed':
      return simResultOk(data.result) ? ok : refuse(`worker ${data.type}: malformed result`);
    case 'sweep':
      return ['users', 'rate', 'workers'].includes(String(data.axis)) && Array.isArray(data.points) && data.points.every(pointOk)
        ? ok : refuse('worker sweep: malformed points');
    case 'advice':
      return Array.isArray(data.items) && data.items.every(adviceOk) ? ok : refuse('worker advice: malformed items');
    case 'failed':
      return typeof data.message === 'string' ? ok : refuse('worker failed: message must be a string');
    case 'done':
      return finite(data.wallMs) ? ok : refuse('worker done: wallMs must be a number');
    default:
      return refuse(`unknown worker message ${describe(data)}`);
  }
}
