import * as fs from 'node:fs';
import * as path from 'node:path';
import { parsePyproject, type DjperfConfig } from '../core/config/config';

export interface ProjectConfig {
  /** Folder paths are relative to: the pyproject.toml's folder, else the starting folder. */
  root: string;
  /** pyproject.toml that held `[tool.djperf]`, if any. */
  configFile?: string;
  config: Partial<DjperfConfig>;
}

/** Finds the nearest pyproject.toml with a `[tool.djperf]` table at or above `start` (throws ConfigError). */
export function loadProjectConfig(start: string): ProjectConfig {
  let dir = path.resolve(start);
  try {
    if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    dir = path.dirname(dir);
  }
  const first = dir;
  for (;;) {
    const candidate = path.join(dir, 'pyproject.toml');
    if (fs.existsSync(candidate)) {
      const parsed = parsePyproject(fs.readFileSync(candidate, 'utf8'), candidate);
      if (parsed) return { root: dir, configFile: candidate, config: parsed };
    }
    const parent = path.dirname(dir);
    if (parent === dir) return { root: first, config: {} };
    dir = parent;
  }
}
