import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DjperfConfig } from '../core/config/config';
import { GlobSet } from '../core/config/glob';
import { isDeploymentFile, type DeploymentFile } from '../core/deployment/detect';

const SKIP_DIRS = new Set(['.git', 'node_modules', '.venv', 'venv', 'env', '__pycache__', '.tox', '.mypy_cache', 'dist', 'build', 'site-packages']);

/**
 * Non-Python files that describe how the app is served (Procfile, Dockerfile, docker-compose, shell scripts,
 * .env), found under `root` (4 levels deep at most, excludes honoured). Python config files come with the scan.
 */
export function discoverDeploymentFiles(root: string, config: DjperfConfig): DeploymentFile[] {
  const exclude = new GlobSet([...config.exclude, ...config.extendExclude]);
  const out: DeploymentFile[] = [];
  const visit = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const full = path.join(dir, e.name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (exclude.matches(rel)) continue;
      if (e.isDirectory()) { if (depth < 4 && !SKIP_DIRS.has(e.name)) visit(full, depth + 1); continue; }
      if (!e.isFile() || !isDeploymentFile(full)) continue;
      try {
        const st = fs.statSync(full);
        if (st.size > 256 * 1024) continue;
        out.push({ path: full, text: fs.readFileSync(full, 'utf8') });
      } catch { /* unreadable: skip */ }
    }
  };
  visit(root, 0);
  return out;
}
