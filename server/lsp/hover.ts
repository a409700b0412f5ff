/** Hover on a finding: what is wrong, what it costs in words and milliseconds, the fix, the docs. */
import { MarkupKind, type Hover, type Position } from 'vscode-languageserver/node';
import type { ReportedFinding } from '../core/analyzer';
import { formatQueryCost, type Cost } from '../core/rules/types';
import type { ServerSettings } from './settings';

/** What the hover needs to turn a query count into time: N (DjperfConfig.rows) and ms per query. */
export type HoverAssumptions = ServerSettings['hover'] & { rows: number };

export function hoverAt(findings: readonly ReportedFinding[], position: Position, settings: HoverAssumptions): Hover | null {
  const hits = findings.filter((f) => contains(f.range, position));
  if (hits.length === 0) return null;
  const sections = hits.map((f) => describeFinding(f, settings));
  return { contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') }, range: hits[0].range };
}

/**
 * The diagnostic's own one-line message is shown by the editor right above this hover, so the hover does not repeat
 * it: it gives the rest of the rule's full explanation (or the rule's summary when the message says it all).
 */
export function describeFinding(f: ReportedFinding, settings: HoverAssumptions): string {
  const lines = [`**${f.code}** (${f.meta.name}): ${explanation(f)}`];
  if (f.cost) lines.push(`Cost: ${costInWords(f.cost, settings)}`);
  const fix = (f.fixes ?? []).find((x) => x.isPreferred) ?? f.fixes?.[0];
  if (fix) lines.push(`Fix: ${fix.message}${fix.applicability === 'safe' ? '' : ` (${fix.applicability})`}`);
  lines.push(`[Documentation for ${f.code}](${f.meta.docsUrl})`);
  return lines.join('\n\n');
}

/**
 * The full explanation without the gist the one-line message already says: the rest after the gist's clause, or
 * the whole text when the message had to cut its sentence short ("…").
 */
export function explanation(f: Pick<ReportedFinding, 'message' | 'detail' | 'meta'>): string {
  if (!f.detail) return f.meta.summary;
  const gist = messageGist(f.message);
  if (/…/.test(f.message.slice(gist.length, gist.length + 1)) || !f.detail.startsWith(gist)) return f.detail;
  const separator = /^[\s.,;:—]+/.exec(f.detail.slice(gist.length))?.[0] ?? '';
  const rest = f.detail.slice(gist.length + separator.length);
  if (!rest) return f.meta.summary;
  return /[.;]/.test(separator) ? `${rest[0].toUpperCase()}${rest.slice(1)}` : rest;
}

/** The one-line message without its cost and context in parentheses (a closing ellipsis stays). */
export function messageGist(message: string): string {
  let gist = message;
  for (let prev = ''; prev !== gist;) {
    prev = gist;
    gist = gist.replace(/ \((?:[^()]|\([^()]*\))*\)$/, '');
  }
  return gist.replace(/…$/, '');
}

/** "1 + 2N queries; N = rows of Book.objects.all(); at N = 20 and 2 ms a query ≈ 80 ms". */
export function costInWords(cost: Cost, settings: HoverAssumptions): string {
  switch (cost.kind) {
    case 'queries': {
      const names = cost.rowFactors.length <= 1 ? ['N'] : cost.rowFactors.map((_, i) => 'NMKL'[i] ?? `N${i}`);
      const meaning = cost.rowFactors.map((r, i) => {
        const source = cost.rowLimits?.[i] != null ? cost.rowLimitSources?.[i] : undefined;
        return `${names[i]} = ${r}${source ? `, capped by ${source}` : ''}`;
      }).join('; ');
      const rows = Math.max(1, cost.rowFactors.length);
      // A factor the code caps (`qs[:10]`) counts its cap; the others the configured N (djperf.rows).
      const ns = names.slice(0, rows).map((_, i) => cost.rowLimits?.[i] ?? settings.rows);
      const queries = cost.base + cost.perRow * ns.reduce((a, b) => a * b, 1);
      const at = names.slice(0, rows).map((n, i) => `${n} = ${ns[i]}`).join(', ');
      const total = roughly(queries * settings.queryMs);
      return `${formatQueryCost(cost)}${meaning ? `; ${meaning}` : ''}; at ${at} and ${settings.queryMs} ms a query ≈ ${total} ms (${queries} queries)`;
    }
    case 'lock': {
      if (cost.taken === false) return `no row lock is taken on ${cost.rowKey}: concurrent requests are not serialised (a race, not a wait)`;
      const across = cost.heldAcross.length ? ` across ${cost.heldAcross.join(', ')}` : '';
      const hold = cost.estimatedHoldMs !== undefined ? `, held ≈ ${roughly(cost.estimatedHoldMs)} ms` : '';
      return `row lock on ${cost.rowKey} held${across}${hold}; requests for the same row wait in line`;
    }
    case 'blocking': {
      const ms = cost.estimatedMs !== undefined ? ` for ≈ ${roughly(cost.estimatedMs)} ms` : '';
      const hops = cost.threadHops ? `; ${cost.threadHops} thread hop${cost.threadHops === 1 ? '' : 's'} per request` : '';
      return `\`${cost.call}\` blocks the event loop${ms}${hops}`;
    }
  }
}

/** Two significant digits: the inputs are guesses, the output should not pretend otherwise. */
function roughly(ms: number): string {
  if (ms < 10) return String(Math.round(ms * 10) / 10);
  const digits = Math.floor(Math.log10(ms)) - 1;
  const unit = 10 ** digits;
  return String(Math.round(ms / unit) * unit);
}

function contains(range: { start: Position; end: Position }, p: Position): boolean {
  const after = p.line > range.start.line || (p.line === range.start.line && p.character >= range.start.character);
  const before = p.line < range.end.line || (p.line === range.end.line && p.character <= range.end.character);
  return after && before;
}
