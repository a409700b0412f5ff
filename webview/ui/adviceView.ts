/**
 * What the advice panel lists, decided without the DOM: only the changes worth making, best predicted gain first,
 * in the result panel's own numbers. `advise` simulates every candidate with fewer requests than the main run
 * (and the same seed, so candidates compare fairly with its own baseline); its absolute p95 therefore differs a
 * little from the result panel's. The panel shows the result panel's p95 and throughput as "now", and each
 * candidate as that figure times the change `advise` measured against its baseline.
 */
import type { AdviceItem } from './messages';

export interface Now {
  p95Ms: number;
  throughput: number;
}

export interface AdviceRow {
  title: string;
  /** Predicted, in the result panel's terms. */
  p95Ms: number;
  throughput: number;
  /** Relative changes against now: −0.4 is 40 % lower. */
  p95Change: number;
  throughputChange: number;
  errorRate: number;
  /** What would limit it then, only when that is another resource than the bottleneck now. */
  then?: string;
}

export interface AdviceView {
  bottleneck: string | undefined;
  rows: AdviceRow[];
  /** Candidates simulated that are not worth making (no gain, or a loss), not listed. */
  dropped: number;
}

const NOTHING_SATURATED = /^no shared resource is saturated/;
/** The same sentence with other figures ("2.2 queries queued" vs "1.7") names the same bottleneck. */
const sameResource = (a: string, b: string): boolean => a.replace(/\d+(\.\d+)?/g, '#') === b.replace(/\d+(\.\d+)?/g, '#');

/** A change below one percent shows as "+0 %": not worth listing. */
const WORTH = 0.01;

export function adviceView(items: readonly AdviceItem[], now: Now, max = 8): AdviceView {
  const base = items.find((a) => a.baseline);
  const candidates = items.filter((a) => !a.baseline);
  if (!base || !(base.p95Ms > 0) || !(base.throughput > 0)) return { bottleneck: base?.bottleneck, rows: [], dropped: candidates.length };
  const rows: AdviceRow[] = [];
  for (const a of candidates) {
    const p95Change = a.p95Ms / base.p95Ms - 1;
    const throughputChange = a.throughput / base.throughput - 1;
    const moreErrors = a.errorRate > Math.max(base.errorRate, 0.01);
    const better = p95Change <= -WORTH || throughputChange >= WORTH;
    const worse = p95Change >= WORTH || throughputChange <= -WORTH;
    if (!a.feasible || moreErrors || !better || worse) continue;
    rows.push({
      title: a.title,
      p95Ms: now.p95Ms * (1 + p95Change),
      throughput: now.throughput * (1 + throughputChange),
      p95Change,
      throughputChange,
      errorRate: a.errorRate,
      // Said only when the change moves the bottleneck to another resource; "nothing saturated" is not news per item.
      ...(sameResource(a.bottleneck, base.bottleneck) || NOTHING_SATURATED.test(a.bottleneck) ? {} : { then: a.bottleneck }),
    });
  }
  rows.sort((x, y) => x.p95Change - y.p95Change || y.throughputChange - x.throughputChange);
  return { bottleneck: base.bottleneck, rows: rows.slice(0, max), dropped: candidates.length - Math.min(rows.length, max) };
}

/** Whether the proposed fixes really help: lower p95 and no lower throughput (each beyond 1 %). */
export function fixVerdict(now: Now, fixed: Now): 'better' | 'worse' | 'mixed' | 'same' {
  const p95 = fixed.p95Ms / now.p95Ms - 1;
  const tput = now.throughput > 0 ? fixed.throughput / now.throughput - 1 : 0;
  const p95Better = p95 <= -WORTH;
  const p95Worse = p95 >= WORTH;
  const tputWorse = tput <= -WORTH;
  const tputBetter = tput >= WORTH;
  if ((p95Better || tputBetter) && !p95Worse && !tputWorse) return 'better';
  if ((p95Worse || tputWorse) && !p95Better && !tputBetter) return 'worse';
  return p95Better || p95Worse || tputBetter || tputWorse ? 'mixed' : 'same';
}
