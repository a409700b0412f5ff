/**
 * Where a scan's time goes, by phase (rule families, execution contexts, ...), for `npm run bench`. A host that
 * wants the figures passes a PhaseTimes to the analysis; without one nothing is timed (two clock reads per rule
 * and file are cheap, but not free).
 */
export class PhaseTimes {
  private readonly ms = new Map<string, number>();

  add(phase: string, ms: number): void {
    this.ms.set(phase, (this.ms.get(phase) ?? 0) + ms);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.ms);
  }
}
