/**
 * What the view keeps across hide/show and reloads through `vscode.getState/setState` (the view does not use
 * `retainContextWhenHidden`): the last profiles, the selection and the what-if inputs. Restored state is validated
 * like a message: an old or corrupt state is dropped, never trusted.
 */
import type { ProfileReport } from '../../server/core/profiles/types';
import { checkProfileReport, isObject } from './profileValidation';
import { WORKER_CLASSES, type WhatIfInputs } from './scenarioBuilder';

export const STATE_VERSION = 1;

export interface ViewState {
  version: typeof STATE_VERSION;
  report: ProfileReport | null;
  /** Endpoint id, or null for the URLconf mix. */
  selection: string | null;
  inputs: WhatIfInputs | null;
}

export const emptyState = (): ViewState => ({ version: STATE_VERSION, report: null, selection: null, inputs: null });

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): boolean => v === null || num(v);

export function checkInputs(v: unknown): WhatIfInputs | null {
  if (!isObject(v)) return null;
  const ok = (v.loadMode === 'closed' || v.loadMode === 'open') &&
    ['users', 'thinkMs', 'rate', 'durationS', 'workers', 'threads'].every((k) => num(v[k])) &&
    ['rows', 'queryMs', 'cacheHitRatio', 'dbPool'].every((k) => numOrNull(v[k])) &&
    typeof v.workerClass === 'string' && (WORKER_CLASSES as readonly string[]).includes(v.workerClass) &&
    (v.groups === undefined || typeof v.groups === 'string');
  return ok ? (v as unknown as WhatIfInputs) : null;
}

export function restoreState(saved: unknown): { state: ViewState; problem?: string } {
  if (saved === undefined || saved === null) return { state: emptyState() };
  if (!isObject(saved) || saved.version !== STATE_VERSION) return { state: emptyState(), problem: 'saved view state is from another version; starting fresh' };
  let report: ProfileReport | null = null;
  if (saved.report !== null) {
    const r = checkProfileReport(saved.report);
    if (!r.ok) return { state: emptyState(), problem: `saved view state is corrupt (${r.errors[0]}); starting fresh` };
    report = r.value;
  }
  const selection = typeof saved.selection === 'string' && report?.endpoints.some((p) => p.id === saved.selection) ? saved.selection : null;
  return { state: { version: STATE_VERSION, report, selection, inputs: checkInputs(saved.inputs) } };
}
