import type { DjperfConfig } from './config';
import { GlobSet } from './glob';
import type { Severity, RuleMeta } from '../rules/types';

function longestPrefix(code: string, prefixes: readonly string[]): number {
  let best = -1;
  for (const p of prefixes) {
    const pref = p === 'ALL' ? '' : p;
    if (code.startsWith(pref) && pref.length > best) best = pref.length;
  }
  return best;
}

/** ruff's rule: the more specific of select/ignore wins (`select=["DJP1"]`, `ignore=["DJP103"]`). */
export function isSelected(code: string, select: readonly string[], ignore: readonly string[]): boolean {
  const s = longestPrefix(code, select);
  if (s < 0) return false;
  return longestPrefix(code, ignore) < s || longestPrefix(code, ignore) < 0;
}

/** Decides, per file, which rules run and at which severity. */
export class RuleSelection {
  private readonly perFile: { globs: GlobSet; codes: string[] }[];
  constructor(readonly config: DjperfConfig) {
    this.perFile = Object.entries(config.perFileIgnores).map(([g, codes]) => ({ globs: new GlobSet([g]), codes }));
  }

  /** Per code: selected and not off, from select/ignore/severity alone (the same for every file). */
  private readonly globallyEnabled = new Map<string, boolean>();

  enabled(meta: RuleMeta, relPath: string): boolean {
    let global = this.globallyEnabled.get(meta.code);
    if (global === undefined) {
      global = isSelected(meta.code, this.config.select, this.config.ignore) && this.severity(meta) !== 'off';
      this.globallyEnabled.set(meta.code, global);
    }
    if (!global) return false;
    for (const pf of this.perFile) {
      if (pf.globs.matches(relPath) && longestPrefix(meta.code, pf.codes) >= 0) return false;
    }
    return true;
  }

  /** Whether the user set this rule's severity (then djperf does not rank it by execution context). */
  hasExplicitSeverity(meta: RuleMeta): boolean {
    return Object.keys(this.config.severity).some((k) => k === 'ALL' || meta.code.startsWith(k));
  }

  severity(meta: RuleMeta): Severity | 'off' {
    const s = this.config.severity;
    let best: string | undefined;
    for (const k of Object.keys(s)) {
      const pref = k === 'ALL' ? '' : k;
      if (meta.code.startsWith(pref) && (best === undefined || pref.length > (best === 'ALL' ? 0 : best.length))) best = k;
    }
    return best !== undefined ? s[best] : meta.defaultSeverity;
  }
}
