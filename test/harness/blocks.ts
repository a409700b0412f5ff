import * as assert from 'node:assert/strict';

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
