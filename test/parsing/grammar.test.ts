import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ParseTimeoutError, PythonParser } from '../../server/core/parsing/pythonParser';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { REPO_ROOT } from '../harness/paths';

describe('grammar: pinned versions and the node types djperf relies on', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  it('loads ABI 15 from the pinned packages named in grammars/README.md', () => {
    const notes = fs.readFileSync(path.join(REPO_ROOT, 'grammars/README.md'), 'utf8');
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    for (const name of ['web-tree-sitter', 'tree-sitter-python']) {
      assert.ok(notes.includes(`| \`${name}\` | ${pkg.devDependencies[name]} |`), `grammars/README.md must name ${name}@${pkg.devDependencies[name]}`);
    }
    assert.equal(parser.language.abiVersion, 15);
  });

  it('parses the constructs the rules read, with the field names they use', () => {
    const tree = parser.parse([
      'async def v(request):',
      '    async for x in qs:',
      '        await f(x)',
      '    return [b.a for b in Book.objects.all() if b]',
      'with transaction.atomic():',
      '    pass',
    ].join('\n'));
    const s = tree.rootNode.toString();
    for (const t of ['function_definition', 'for_statement', 'await', 'list_comprehension', 'for_in_clause', 'if_clause', 'with_statement', 'attribute']) {
      assert.ok(s.includes(`(${t}`), `missing node type ${t}`);
    }
    const fn = tree.rootNode.namedChildren[0]!;
    assert.ok(fn.children.some((c) => c?.type === 'async'), 'async keyword is a child of function_definition');
    assert.ok(fn.childForFieldName('body'));
  });

  it('counts columns in UTF-16 code units, like LSP', () => {
    const src = 'x = "é😀"; y = 1\n';
    const tree = parser.parse(src);
    const y = tree.rootNode.descendantForIndex(src.indexOf("y"))!;
    assert.equal(y.startPosition.column, src.indexOf('y'));
  });

  it('abandons a parse that runs past its time budget (long comment blocks after indented code are slow in tree-sitter-python)', () => {
    const text = `def f():\n    return 1\n${Array.from({ length: 2000 }, (_, i) => `# note ${i}`).join('\n')}\n`;
    assert.throws(() => parser.parse(text, 50), ParseTimeoutError);
    const tree = parser.parse('x = 1\n', 50);
    assert.equal(tree.rootNode.type, 'module');
  });
});
