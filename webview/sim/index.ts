/**
 * djperf simulation engine: a discrete-event model of a Django deployment.
 * Pure TypeScript (no DOM, no Node APIs) so it runs in a Web Worker and in Node.
 */
export * from './types';
export { validateScenario, MAX_SCENARIO_REQUESTS, MAX_SCENARIO_USERS } from './schema';
export { simulate } from './simulate';
export { advise } from './advice';
export type { Advice, AdviceLimits } from './advice';
export { parseK6Summary, parseLocustStats, parseWrk, parsePlainCsv, parseMeasuredPoints, compareResult } from './compare';
export type { Measured, MeasuredPoint, MeasuredStats, Comparison, ComparisonRow } from './compare';
export { groupsFromLocust, groupsFromK6 } from './loadImport';
export type { LocustUserClass, K6Scenario } from './loadImport';
export { formatResult, formatComparison, formatAdvice } from './report';
export { parseMeasured } from './compare';
