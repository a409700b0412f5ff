import type { Rule, RuleMeta } from './types';
import { rule as DJP101 } from './n1/DJP101';
import { rule as DJP102 } from './n1/DJP102';
import { rule as DJP103 } from './n1/DJP103';
import { rule as DJP104 } from './n1/DJP104';
import { rule as DJP105 } from './n1/DJP105';
import { rule as DJP106 } from './n1/DJP106';
import { rule as DJP107 } from './n1/DJP107';
import { rule as DJP108 } from './n1/DJP108';
import { rule as DJP109 } from './n1/DJP109';
import { rule as DJP112 } from './n1/DJP112';
import { rule as DJP110 } from './templates/DJP110';
import { rule as DJP111 } from './templates/DJP111';
import type { TemplateRule } from '../templates/templateRule';
import { rule as DJP201 } from './locks/DJP201';
import { rule as DJP202 } from './locks/DJP202';
import { rule as DJP203 } from './locks/DJP203';
import { rule as DJP204 } from './locks/DJP204';
import { rule as DJP205 } from './locks/DJP205';
import { rule as DJP206 } from './locks/DJP206';
import { rule as DJP301 } from './async/DJP301';
import { rule as DJP302 } from './async/DJP302';
import { rule as DJP303 } from './async/DJP303';
import { rule as DJP304 } from './async/DJP304';
import { rule as DJP305 } from './async/DJP305';
import { rule as DJP401 } from './async/DJP401';
import { rule as DJP402 } from './async/DJP402';
import { rule as DJP403 } from './async/DJP403';
import { rule as DJP404 } from './async/DJP404';
import { rule as DJP405 } from './async/DJP405';
import { rule as DJP406 } from './async/DJP406';
import { rule as DJP407 } from './async/DJP407';
import { rule as DJP408 } from './async/DJP408';
import { rule as DJP409 } from './async/DJP409';
import { rule as DJP601 } from './deployment/DJP601';
import { rule as DJP602 } from './deployment/DJP602';
import { rule as DJP603 } from './deployment/DJP603';
import { rule as DJP604 } from './deployment/DJP604';
import { rule as DJP605 } from './deployment/DJP605';
import { rule as DJP606 } from './deployment/DJP606';

/** Every rule djperf ships, in code order. Adding a rule: one module, one line here, one docs page, one fixture. */
export const ALL_RULES: readonly Rule[] = [
  DJP101,
  DJP102,
  DJP103,
  DJP104,
  DJP105,
  DJP106,
  DJP107,
  DJP108,
  DJP109,
  DJP112,
  DJP201,
  DJP202,
  DJP203,
  DJP204,
  DJP205,
  DJP206,
  DJP301,
  DJP302,
  DJP303,
  DJP304,
  DJP305,
  DJP401,
  DJP402,
  DJP403,
  DJP404,
  DJP405,
  DJP406,
  DJP407,
  DJP408,
  DJP409,
  DJP601,
  DJP602,
  DJP603,
  DJP604,
  DJP605,
  DJP606,
];

/** Rules over Django template files (their reads come from the views that render them). */
export const TEMPLATE_RULES: readonly TemplateRule[] = [DJP110, DJP111];

const byCode = new Map(ALL_RULES.map((r) => [r.meta.code, r]));

export function ruleByCode(code: string): Rule | undefined {
  return byCode.get(code);
}

/** Python and template rules, in code order. */
export function allRuleMeta(): RuleMeta[] {
  return [...ALL_RULES, ...TEMPLATE_RULES].map((r) => r.meta).sort((a, b) => a.code.localeCompare(b.code));
}
