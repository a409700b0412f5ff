/**
 * The `djperf.*` editor settings: their shape, their defaults, and how they map onto DjperfConfig.
 * The client sends only the keys the user set explicitly (see extension/main.ts), so a key that is present
 * overrides pyproject.toml and an absent one leaves the project's value alone.
 */
import { ConfigError, validateConfigTable, type DjperfConfig } from '../core/config/config';

export type RunMode = 'onType' | 'onSave';

/** Server behaviour that is not part of DjperfConfig. */
export interface ServerSettings {
  enable: boolean;
  run: RunMode;
  /** N comes from DjperfConfig.rows (shared with the CodeLens and the simulator); this is the time per query. */
  hover: { queryMs: number };
}

export const DEFAULT_SERVER_SETTINGS: ServerSettings = { enable: true, run: 'onType', hover: { queryMs: 2 } };

/** Where an editor setting lands in `[tool.djperf]` terms. Every `djperf.*` setting is declared in package.json. */
const CONFIG_KEYS: Record<string, string> = {
  'rules.select': 'select',
  'rules.ignore': 'ignore',
  'rules.severity': 'severity',
  exclude: 'exclude',
  targetDjangoVersion: 'target-django-version',
  maxFileSize: 'max-file-size',
  checkTests: 'check-tests',
  rows: 'rows',
};

/** Every setting the server reads (package.json must declare each as `djperf.<key>`; a test checks it). */
export const SETTING_KEYS: readonly string[] = ['enable', 'run', 'hover.queryMs', ...Object.keys(CONFIG_KEYS), 'trace.server'];

const SOURCE = 'VS Code settings';

function settingError(key: string, reason: string): ConfigError {
  const e = new ConfigError(SOURCE, `djperf.${key}`, reason);
  e.message = `${SOURCE}: djperf.${key}: ${reason}`;
  return e;
}

/** Reads `a.b.c` from the nested object `workspace/configuration` returns. */
function lookup(section: unknown, dotted: string): unknown {
  let v: unknown = section;
  for (const part of dotted.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

export interface EditorSettings {
  server: ServerSettings;
  /** Keys the user set, already validated; merged over pyproject.toml. */
  config: Partial<DjperfConfig>;
}

/** Validates the `djperf` section; a bad value throws a ConfigError naming the setting. */
export function readEditorSettings(section: unknown): EditorSettings {
  const server: ServerSettings = { ...DEFAULT_SERVER_SETTINGS, hover: { ...DEFAULT_SERVER_SETTINGS.hover } };
  const enable = lookup(section, 'enable');
  if (enable !== undefined && enable !== null) {
    if (typeof enable !== 'boolean') throw settingError('enable', `expected true or false, got ${JSON.stringify(enable)}`);
    server.enable = enable;
  }
  const run = lookup(section, 'run');
  if (run !== undefined && run !== null) {
    if (run !== 'onType' && run !== 'onSave') throw settingError('run', `expected "onType" or "onSave", got ${JSON.stringify(run)}`);
    server.run = run;
  }
  for (const key of ['queryMs'] as const) {
    const v = lookup(section, `hover.${key}`);
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw settingError(`hover.${key}`, `expected a positive number, got ${JSON.stringify(v)}`);
    server.hover[key] = v;
  }
  const table: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const [setting, key] of Object.entries(CONFIG_KEYS)) {
    const v = lookup(section, setting);
    if (v === undefined || v === null) continue;
    table[key] = v;
    origin[key] = setting;
  }
  let config: Partial<DjperfConfig>;
  try {
    config = validateConfigTable(table, SOURCE);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // `ignore[2]` → `djperf.rules.ignore[2]`: name the setting the user actually wrote.
    const head = /^[^.[]+/.exec(e.key)?.[0] ?? e.key;
    throw settingError(`${origin[head] ?? head}${e.key.slice(head.length)}`, e.reason);
  }
  return { server, config };
}
