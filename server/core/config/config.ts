import { parseToml } from './toml';
import type { Severity } from '../rules/types';

/** Settings that decide what is checked, from pyproject.toml `[tool.djperf]` and the editor. */
export interface DjperfConfig {
  select: string[];
  ignore: string[];
  perFileIgnores: Record<string, string[]>;
  exclude: string[];
  extendExclude: string[];
  targetDjango: [number, number];
  severity: Record<string, Severity | 'off'>;
  /** Files larger than this many bytes are skipped with a notice. */
  maxFileSize: number;
  /** Report findings in test code and migrations too (off by default, like Ruff's per-file ignores for tests). */
  checkTests: boolean;
  /**
   * N: rows per queryset / items per loop wherever the code does not tell. One value for the hover, the CodeLens,
   * `djperf profile` and the simulator, so a cost reads the same everywhere.
   */
  rows: number;
}

/** The N assumed when neither the code nor the user tells (docs/deployment.md). */
export const DEFAULT_ROWS = 20;
const MAX_ROWS = 10_000;

export const DEFAULT_EXCLUDE: readonly string[] = [
  '.git', '.hg', 'node_modules', '.venv', 'venv', 'env', '.env', '.tox', '.nox', '__pycache__',
  'site-packages', 'dist-packages', '**/migrations/**', 'build', 'dist',
];

export const NEWEST_DJANGO: [number, number] = [5, 2];

export function defaultConfig(): DjperfConfig {
  return {
    select: ['DJP'], ignore: [], perFileIgnores: {}, exclude: [...DEFAULT_EXCLUDE], extendExclude: [],
    targetDjango: [...NEWEST_DJANGO], severity: {}, maxFileSize: 2 * 1024 * 1024, checkTests: false, rows: DEFAULT_ROWS,
  };
}

/** A bad configuration value: which file, which key, and why. The run stops; nothing falls back silently. */
export class ConfigError extends Error {
  constructor(readonly file: string, readonly key: string, readonly reason: string) {
    super(`${file}: ${key ? `[tool.djperf] ${key}: ` : ''}${reason}`);
    this.name = 'ConfigError';
  }
}

const CODE_PATTERN = /^(ALL|DJP\d{0,3})$/;
const SEVERITIES = new Set(['error', 'warning', 'information', 'hint', 'off']);
const KNOWN_KEYS = [
  'select', 'ignore', 'per-file-ignores', 'exclude', 'extend-exclude', 'target-django-version', 'severity', 'max-file-size', 'check-tests', 'rows',
];

function stringList(value: unknown, file: string, key: string, check?: (s: string) => string | undefined): string[] {
  if (!Array.isArray(value)) throw new ConfigError(file, key, `expected a list of strings, got ${describe(value)}`);
  return value.map((v, i) => {
    if (typeof v !== 'string') throw new ConfigError(file, `${key}[${i}]`, `expected a string, got ${describe(v)}`);
    const problem = check?.(v);
    if (problem) throw new ConfigError(file, `${key}[${i}]`, problem);
    return v;
  });
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const checkCode = (s: string): string | undefined =>
  CODE_PATTERN.test(s) ? undefined : `"${s}" is not a rule code or prefix (expected e.g. "DJP101", "DJP1" or "ALL")`;

export function parseDjangoVersion(value: unknown, file: string, key: string): [number, number] {
  const s = typeof value === 'number' ? value.toFixed(1) : value;
  const m = typeof s === 'string' ? /^(\d+)\.(\d+)$/.exec(s.trim()) : null;
  if (!m) throw new ConfigError(file, key, `expected a version string like "4.2", got ${describe(value)}`);
  const v: [number, number] = [Number(m[1]), Number(m[2])];
  if (v[0] < 2 || v[0] > 9) throw new ConfigError(file, key, `Django ${s} is not a Django version djperf knows`);
  return v;
}

/**
 * Validates a `[tool.djperf]`-shaped table (from TOML or editor settings) into a partial config.
 * Unknown keys are errors: a typo must not silently disable a rule.
 */
export function validateConfigTable(table: Record<string, unknown>, file: string): Partial<DjperfConfig> {
  const out: Partial<DjperfConfig> = {};
  for (const [key, value] of Object.entries(table)) {
    switch (key) {
      case 'select': out.select = stringList(value, file, key, checkCode); break;
      case 'ignore': out.ignore = stringList(value, file, key, checkCode); break;
      case 'exclude': out.exclude = stringList(value, file, key); break;
      case 'extend-exclude': out.extendExclude = stringList(value, file, key); break;
      case 'per-file-ignores': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new ConfigError(file, key, `expected a table of glob = [codes], got ${describe(value)}`);
        }
        out.perFileIgnores = {};
        for (const [glob, codes] of Object.entries(value)) out.perFileIgnores[glob] = stringList(codes, file, `${key}."${glob}"`, checkCode);
        break;
      }
      case 'target-django-version': out.targetDjango = parseDjangoVersion(value, file, key); break;
      case 'severity': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          throw new ConfigError(file, key, `expected a table of code = "error"|"warning"|"information"|"hint"|"off", got ${describe(value)}`);
        }
        out.severity = {};
        for (const [code, sev] of Object.entries(value)) {
          const problem = checkCode(code);
          if (problem) throw new ConfigError(file, `${key}.${code}`, problem);
          if (typeof sev !== 'string' || !SEVERITIES.has(sev)) {
            throw new ConfigError(file, `${key}.${code}`, `expected "error", "warning", "information", "hint" or "off", got ${describe(sev)}`);
          }
          out.severity[code] = sev as Severity | 'off';
        }
        break;
      }
      case 'max-file-size': {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1024) {
          throw new ConfigError(file, key, `expected a whole number of bytes ≥ 1024, got ${describe(value)}`);
        }
        out.maxFileSize = value;
        break;
      }
      case 'check-tests': {
        if (typeof value !== 'boolean') throw new ConfigError(file, key, `expected true or false, got ${describe(value)}`);
        out.checkTests = value;
        break;
      }
      case 'rows': {
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ROWS) {
          throw new ConfigError(file, key, `expected a whole number of rows from 1 to ${MAX_ROWS}, got ${describe(value)}`);
        }
        out.rows = value;
        break;
      }
      default: {
        const near = KNOWN_KEYS.find((k) => editDistance(k, key.toLowerCase().replace(/_/g, '-')) <= 2);
        throw new ConfigError(file, key, `unknown key${near ? ` (did you mean "${near}"?)` : ''}; known keys: ${KNOWN_KEYS.join(', ')}`);
      }
    }
  }
  return out;
}

/** Reads `[tool.djperf]` from pyproject.toml text; undefined when the table is absent. */
export function parsePyproject(text: string, file: string): Partial<DjperfConfig> | undefined {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text);
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new ConfigError(file, '', `invalid TOML: ${message}`);
  }
  const tool = doc.tool;
  if (typeof tool !== 'object' || tool === null) return undefined;
  const table = (tool as Record<string, unknown>).djperf;
  if (table === undefined) return undefined;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw new ConfigError(file, '', '[tool.djperf] must be a table');
  return validateConfigTable(table as Record<string, unknown>, file);
}

/** Later layers win key by key: defaults < pyproject.toml < editor settings < command line. */
export function mergeConfig(...layers: (Partial<DjperfConfig> | undefined)[]): DjperfConfig {
  const out = defaultConfig();
  for (const layer of layers) {
    if (!layer) continue;
    for (const [k, v] of Object.entries(layer)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** Levenshtein distance, for "did you mean" on misspelt keys. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
