import * as assert from 'node:assert/strict';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import type { Node } from '../../server/core/parsing/syntaxTree';
import { nearestAncestorIn, SCOPE_TYPES } from '../../server/core/python/syntax';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';

/** The nearest ancestor in `types` by climbing every parent: what nearestAncestorIn must answer, however deep. */
function climbed(node: Node, types: ReadonlySet<string>): Node | null {
  for (let p = node.parent; p; p = p.parent) if (types.has(p.type) && (p.isNamed || !node.isNamed)) return p;
  return null;
}

/** Functions nested `depth` deep, each with a loop and a call, then 300 levels of parentheses. */
function nested(depth: number): string {
  const lines: string[] = [];
  for (let i = 0; i < depth; i++) {
    const pad = '    '.repeat(i);
    lines.push(`${pad}def f${i}(a):`, `${pad}    for x in a.b(${i}):`, `${pad}        g(x)`);
  }
  lines.push(`y = ${'('.repeat(300)}1${')'.repeat(300)}`);
  return `${lines.join('\n')}\n`;
}

describe('nearestAncestorIn: the same answer from the short climb and from the per-tree table', () => {
  it('answers like a full climb for every node of a file nested far past the climb limit', async () => {
    const parser = await PythonParser.load(nodeGrammarLocation());
    const tree = parser.parse(nested(100));
    const sets: ReadonlySet<string>[] = [SCOPE_TYPES, new Set(['for_statement']), new Set(['call', 'argument_list']), new Set(['module'])];
    const stack: Node[] = [tree.rootNode];
    let checked = 0;
    let deep = 0;
    while (stack.length) {
      const n = stack.pop()!;
      let depth = 0;
      for (let p = n.parent; p; p = p.parent) depth++;
      if (depth > 48) deep++;
      for (const types of sets) {
        const got = nearestAncestorIn(n, types);
        const want = climbed(n, types);
        assert.equal(got, want, `${n.type} at ${n.startIndex} (depth ${depth}): ${[...types].join(',')}`);
        checked++;
      }
      stack.push(...n.children);
    }
    assert.ok(deep > 1000, `nodes past the climb limit: ${deep}`);
    assert.ok(checked > 10_000, `nodes checked: ${checked}`);
  });
});
