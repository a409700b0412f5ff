import type { ModelInfo } from './modelIndex';
import type { ParamRead } from '../workspace/functionSummaries';

/** save()/delete() and validation write; what they read depends on flags and state (DJP106 reports the writes). */
export const WRITE_LIKE_METHODS: ReadonlySet<string> = new Set(['save', 'delete', 'full_clean', 'clean', 'clean_fields', 'validate_unique', 'validate_constraints', 'refresh_from_db']);

/** How many `self.method()` hops a method's reads are followed through (cycles stop earlier). */
const MAX_SELF_HOPS = 3;

/**
 * Folds into each model method's reads of `self` the reads of the methods and properties it reaches through
 * `self` (`total()` -> `self.summed()` -> `self.items.count()`), resolved on the model's own method table (its
 * workspace bases included, nearest first). A call resolves only to a method (`self.x()`), an attribute only to a
 * property (`self.x`); a name that is a field, a relation or unknown adds nothing. Reads are kept only when the
 * callee is in the same file as the caller's entry, since one entry carries one file for its ranges.
 */
export function followSelfCalls(info: ModelInfo): void {
  const calls = info.selfCalls;
  if (!calls?.size) return;
  const original = new Map(info.methodReads ?? []);
  for (const [name, entry] of calls) {
    const own = original.get(name);
    const uri = own?.uri ?? entry.uri;
    const reads: ParamRead[] = [...(own?.reads ?? [])];
    const seen = new Set([name]);
    const visit = (from: string, hops: number, path: string[]): void => {
      if (hops >= MAX_SELF_HOPS) return;
      for (const c of calls.get(from)?.calls ?? []) {
        const called = c.endsWith('()');
        const target = called ? c.slice(0, -2) : c;
        if (seen.has(target) || WRITE_LIKE_METHODS.has(target) || info.columns.has(target) || info.relations.has(target)) continue;
        const targetReads = original.get(target);
        const targetCalls = calls.get(target);
        const property = targetReads?.property ?? targetCalls?.property;
        if (property === undefined || property === called) continue;
        seen.add(target);
        if (targetReads && targetReads.uri === uri) {
          for (const r of targetReads.reads) {
            if (!reads.some((x) => x.text === r.text && x.methods.join() === r.methods.join())) reads.push({ ...r, via: [...path, target, ...(r.via ?? [])] });
          }
        }
        visit(target, hops + 1, [...path, target]);
      }
    };
    visit(name, 0, []);
    if (reads.length === (own?.reads.length ?? 0)) continue;
    (info.methodReads ??= new Map()).set(name, { property: entry.property, reads, uri, model: own?.model ?? entry.model });
  }
}
