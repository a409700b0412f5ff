import type { Rule, RuleMeta } from './types';
import { rule as DJP101 } from './n1/DJP101';

/** Every rule djperf ships, in code order. Adding a rule: one module, one line here, one docs page, one fixture. */
export const ALL_RULES: readonly Rule[] = [
  DJP101,
];

const byCode = new Map(ALL_RULES.map((r) => [r.meta.code, r]));

export function ruleByCode(code: string): Rule | undefined {
  return byCode.get(code);
}

export function allRuleMeta(): RuleMeta[] {
  return ALL_RULES.map((r) => r.meta);
}
