import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/** The Debian python3 with python3-django 3.2 and python3-djangorestframework (not the first python3 on PATH). */
export const PYTHON = '/usr/bin/python3';

/** [first, last] 0-based lines of `def name` / `class name` at any indentation. */
export function blockLines(text: string, name: string): [number, number] {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => new RegExp(`^\\s*(async\\s+def|def|class)\\s+${name}\\b`).test(l));
  assert.ok(start >= 0, `${name} not found`);
  const indent = /^\s*/.exec(lines[start])![0].length;
  let end = start;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    if (/^\s*/.exec(l)![0].length <= indent && !/^\s*[)\]}]/.test(l)) break;
    end = i;
  }
  return [start, end];
}

/** Fails with the Debian packages to install when the system Python cannot run the real-Django harnesses. */
export function requirePython(): void {
  if (!fs.existsSync(PYTHON)) assert.fail(`${PYTHON} is missing: install the Debian packages python3, python3-django and python3-djangorestframework`);
  for (const [mod, pkg] of [['django', 'python3-django'], ['rest_framework', 'python3-djangorestframework']]) {
    const r = spawnSync(PYTHON, ['-c', `import ${mod}`], { encoding: 'utf8' });
    if (r.status !== 0) assert.fail(`${PYTHON} cannot import ${mod}: install the Debian package ${pkg} (apt-get install ${pkg})\n${r.stderr}`);
  }
}
