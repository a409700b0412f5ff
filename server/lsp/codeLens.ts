import type { CodeLens } from 'vscode-languageserver/node';
import type { FolderState } from './folders';
import { endpointsIn, formatLatency, LENS_USERS, type ProfileService } from './profiles';
import { Commands } from './protocol';

/**
 * "djperf: ~p95 1.8 s at 50 users · simulate" above every request handler of the document, opening the
 * simulator on that endpoint. A stale report is shown while a fresh one is built (`refresh` is then called).
 */
export function codeLenses(
  service: ProfileService, folder: FolderState, revision: () => string, uri: string, refresh: () => void,
): CodeLens[] {
  const now = revision();
  const cached = service.cached(folder, now);
  let report = cached?.report;
  if (!cached) report = service.report(folder, now);
  else if (!cached.current) service.refreshSoon(folder, revision, refresh);
  if (!report) return [];
  return endpointsIn(report, uri).map((endpoint) => {
    const p95 = service.p95(folder, endpoint);
    const estimate = p95 === null ? 'simulate' : `~p95 ${formatLatency(p95)} at ${LENS_USERS} users · simulate`;
    const route = endpoint.route !== undefined ? ` (/${endpoint.route.replace(/^\//, '')})` : '';
    return {
      range: { start: endpoint.handler.range.start, end: endpoint.handler.range.start },
      command: { title: `djperf: ${estimate}`, command: Commands.openSimulator, arguments: [endpoint.id], tooltip: `Simulate ${endpoint.id}${route}` },
    };
  });
}
