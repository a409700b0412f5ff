import type { RuleContext } from '../context';
import type { Finding, RelatedLocation } from '../types';
import type { DetectedDeployment, EndpointProfile, ProfileReport, Sourced } from '../../profiles/types';
import type { Step } from '../../../../webview/sim/types';
import { isGunicornConfig } from '../../deployment/pythonConfig';
import { MemoKey } from '../../memo';

/** Shared plumbing of the DJP6xx rules: they report on the config lines of a deployment, using workspace profiles. */

export interface DeploymentView {
  report: ProfileReport;
  /** Deployments with at least one value read from this file. */
  here: DetectedDeployment[];
}

/** Profiles name files by path (the CLI's uris); the language server's uris are `file://` URLs: compare paths. */
function norm(p: string | undefined): string {
  const s = p ?? '';
  const path = s.startsWith('file://') ? decodeURIComponent(new URL(s).pathname) : s;
  return path.replace(/\\/g, '/');
}

/** Cheap text test: can this file configure how the app is served (the only files DJP6xx report on)? */
export function mayConfigureDeployment(uri: string, text: string): boolean {
  return isGunicornConfig(uri, text) || ((text.includes('waitress') || text.includes('uvicorn')) && /\b(waitress|uvicorn)\b/.test(text));
}

const DEPLOYMENTS_HERE = new MemoKey<DeploymentView | null>('deployments configured in this file');

/**
 * The deployments configured in this file, or undefined (cheap text test first: most files are not config);
 * once per file, not once per DJP6xx rule: the text test scans the whole file.
 */
export function deploymentsHere(ctx: RuleContext): DeploymentView | undefined {
  return ctx.memos.get(DEPLOYMENTS_HERE, () => computeDeploymentsHere(ctx) ?? null) ?? undefined;
}

function computeDeploymentsHere(ctx: RuleContext): DeploymentView | undefined {
  const { uri, text } = ctx.file;
  if (!mayConfigureDeployment(uri, text)) return undefined;
  const report = ctx.workspace.profiles?.();
  if (!report) return undefined;
  const all = report.deployments ?? [report.deployment];
  const here = all.filter((d) => [...Object.values(d.server), d.app].some((v) => v && norm((v as Sourced<unknown>).source.uri) === norm(uri)));
  return here.length ? { report, here } : undefined;
}

/**
 * The `check` of a DJP6xx rule: `perDeployment` runs once for each deployment configured in this file and
 * returns that deployment's finding, if any.
 */
export function perDeployment(
  perDeployment: (ctx: RuleContext, dep: DetectedDeployment, view: DeploymentView) => Finding | undefined,
): (ctx: RuleContext) => Finding[] {
  return (ctx) => {
    const view = deploymentsHere(ctx);
    if (!view) return [];
    const out: Finding[] = [];
    for (const dep of view.here) {
      const finding = perDeployment(ctx, dep, view);
      if (finding) out.push(finding);
    }
    return out;
  };
}

export function isFrom(v: Sourced<unknown> | undefined, ctx: RuleContext): v is Sourced<unknown> {
  return !!v && norm(v.source.uri) === norm(ctx.file.uri) && !!v.source.line;
}

/** The endpoints a deployment serves (its ROOT_URLCONF), or every endpoint when that is unknown. */
export function served(report: ProfileReport, dep: DetectedDeployment): EndpointProfile[] {
  if (!dep.endpointIds) return report.endpoints;
  const ids = new Set(dep.endpointIds);
  return report.endpoints.filter((e) => ids.has(e.id));
}

/** A finding on a whole (1-based) config line, trimmed. */
export function onLine(ctx: RuleContext, line1: number, code: string, message: string, related: RelatedLocation[] = []): Finding {
  const line = line1 - 1;
  const text = ctx.file.lineMap.lineText(line);
  const start = text.length - text.trimStart().length;
  const hash = text.search(/\s+#/);
  const end = hash > start ? hash : text.trimEnd().length;
  return { code, range: { start: { line, character: start }, end: { line, character: Math.max(start, end) } }, message, ...(related.length ? { related } : {}) };
}

export function handlerLocation(e: EndpointProfile, message: string): RelatedLocation {
  return { uri: e.handler.uri, range: { start: e.handler.range.start, end: e.handler.range.start }, message };
}

export function walkSteps(steps: readonly Step[], visit: (s: Step, inLock: boolean) => void, inLock = false): void {
  for (const s of steps) {
    visit(s, inLock);
    if ('lock' in s) walkSteps(s.lock.steps, visit, true);
    if ('hop' in s) walkSteps(s.hop.steps, visit, inLock);
    if ('repeat' in s) walkSteps(s.repeat.steps, visit, inLock);
    if ('cache' in s) walkSteps(s.cache.miss ?? [], visit, inLock);
  }
}

export function isCpuBound(e: EndpointProfile): boolean {
  let heavy = false;
  walkSteps(e.endpoint.steps, (s) => { if ('cpu' in s && typeof s.cpu !== 'number') heavy = true; });
  return heavy;
}

function meanOf(d: unknown): number {
  if (typeof d === 'number') return d;
  const o = d as { dist?: string; mean?: number; min?: number; max?: number; ms?: unknown };
  if (o && 'ms' in o) return meanOf(o.ms);
  if (o?.dist === 'uniform') return ((o.min ?? 0) + (o.max ?? 0)) / 2;
  return o?.mean ?? 0;
}

/** Expected wait on external I/O and sleeps per request (ms), and whether some of it happens under a row lock. */
export function slowWork(e: EndpointProfile): { waitMs: number; lockedWaitMs: number; locked: boolean; what: string[] } {
  const out = { waitMs: 0, lockedWaitMs: 0, locked: false, what: [] as string[] };
  const visit = (steps: readonly Step[], mult: number, inLock: boolean) => {
    for (const s of steps) {
      if ('io' in s || 'sleep' in s) {
        const ms = meanOf('io' in s ? s.io : s.sleep) * mult;
        out.waitMs += ms;
        if (inLock) out.lockedWaitMs += ms;
      }
      if ('lock' in s) { out.locked = true; visit(s.lock.steps, mult, true); }
      if ('hop' in s) visit(s.hop.steps, mult, inLock);
      if ('repeat' in s) visit(s.repeat.steps, mult * s.repeat.times, inLock);
    }
  };
  visit(e.endpoint.steps, 1, false);
  if (out.lockedWaitMs > 0) out.what.push(`row lock held across ${Math.round(out.lockedWaitMs)} ms of external I/O`);
  else if (out.locked) out.what.push('row lock');
  let repeats = 0;
  walkSteps(e.endpoint.steps, (s) => { if ('repeat' in s && s.repeat.steps.some((x) => 'io' in x || 'sleep' in x)) repeats = s.repeat.times; });
  if (repeats) out.what.push(`${repeats} sequential external calls`);
  else if (out.waitMs - out.lockedWaitMs >= 200) out.what.push(`${Math.round(out.waitMs)} ms of external I/O`);
  return out;
}

export function shortId(id: string): string {
  const parts = id.split('.');
  return parts.slice(-2).join('.').replace(/^views\./, '');
}

export function list(items: string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
