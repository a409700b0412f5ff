import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileFacts } from '../core/workspace/fileFacts';

/**
 * The template directories every settings module of the workspace configures, as absolute paths with `/`: the union
 * (a project's base, production and test settings may each add one; a template in any of them is rendered by some
 * deployment). Relative DIRS are taken from the project root, Django's usual working directory.
 */
export function templateDirsOf(facts: Iterable<readonly [string, FileFacts]>, root: string): string[] {
  const out = new Set<string>();
  for (const [, f] of facts) {
    for (const d of f.settings?.templateDirs?.value ?? []) {
      const p = d.startsWith('./') ? path.join(root, d.slice(2)) : /^file:/.test(d) ? fileURLToPath(d) : d;
      out.add(path.resolve(p).split(path.sep).join('/'));
    }
  }
  return [...out];
}
