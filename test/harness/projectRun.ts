import * as fs from 'node:fs';
import * as path from 'node:path';
import { scanPaths, type ScanResult } from '../../server/node/scan';
import { loadProjectConfig } from '../../server/node/projectConfig';
import { mergeConfig, type DjperfConfig } from '../../server/core/config/config';

/** Scans a fixture folder exactly as `djperf check DIR` would (its own pyproject.toml applies). */
export async function scanProject(dir: string, overrides: Partial<DjperfConfig> = {}): Promise<ScanResult> {
  const project = loadProjectConfig(dir);
  const config = mergeConfig(project.config, overrides);
  return scanPaths([dir], { root: project.root, config });
}

export interface ProjectExpectationsFile {
  /** Codes whose expectations are recorded but whose rules do not exist yet. */
  pending?: string[];
}

export function readPending(dir: string): Set<string> {
  const file = path.join(dir, 'expectations.json');
  if (!fs.existsSync(file)) return new Set();
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as ProjectExpectationsFile;
  return new Set(parsed.pending ?? []);
}
