import * as assert from 'node:assert/strict';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import type { Node, Tree } from '../../server/core/parsing/syntaxTree';
import { functionNamed, identifiersNamed, nodesOfType } from '../../server/core/python/syntax';
import { asyncFunctionOf } from '../../server/core/django/asyncContext';
import { transactionScopes } from '../../server/core/django/transactions';
import { semanticIndex } from '../../server/core/python/semantic/bindings';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';

// The lookups the rules make of every call, now answered from per-tree indexes: the same answers as a walk.
describe('per-tree lookups', () => {
  let parser: PythonParser;
  before(async () => { parser = await PythonParser.load(nodeGrammarLocation()); });

  const lineOf = (n: Node | undefined): number | undefined => n?.startPosition.row;
  const call = (tree: Tree, text: string): Node => {
    const hit = nodesOfType(tree.rootNode, 'call').find((c) => c.text === text);
    assert.ok(hit, `no call ${text}`);
    return hit;
  };

  it('functionNamed: the first def of that name written directly in the block, decorated or not', () => {
    const tree = parser.parse([
      'def helper():',             // 0
      '    def inner():',          // 1
      '        pass',
      '',
      '@cache',                    // 4
      'def cached():',             // 5
      '    pass',
      '',
      'def helper():',             // 8: a second def of the name; the first is the one found
      '    pass',
      '',
      'class Shop:',               // 11
      '    def helper(self):',     // 12
      '        pass',
      '',
    ].join('\n'));
    const root = tree.rootNode;
    assert.equal(lineOf(functionNamed(root, 'helper')), 0);
    assert.equal(lineOf(functionNamed(root, 'cached')), 5);
    assert.equal(functionNamed(root, 'inner'), undefined, 'nested defs are not the block\'s');
    assert.equal(functionNamed(root, 'Shop'), undefined, 'a class is no def');
    const body = root.namedChildren.find((c) => c.type === 'class_definition')!.childForFieldName('body')!;
    assert.equal(lineOf(functionNamed(body, 'helper')), 12, 'each block has its own index');
    assert.equal(functionNamed(body, 'cached'), undefined);
  });

  it('asyncFunctionOf: null everywhere in a module without async def, the nearest async def otherwise', () => {
    const sync = parser.parse('def view(request):\n    return load(request)\n');
    assert.equal(asyncFunctionOf(call(sync, 'load(request)')), null);
    const mixed = parser.parse([
      'async def view(request):',
      '    await load(request)',
      '    def later():',
      '        return sync_call()',
      '    return later',
      '',
      'def plain():',
      '    return other()',
      '',
    ].join('\n'));
    assert.equal(lineOf(asyncFunctionOf(call(mixed, 'load(request)')) ?? undefined), 0);
    assert.equal(asyncFunctionOf(call(mixed, 'sync_call()')), null, 'a plain def nested in an async def is sync code');
    assert.equal(asyncFunctionOf(call(mixed, 'other()')), null);
  });

  it('transactionScopes: atomic with-blocks and decorated functions, nested ones too, in source order', () => {
    const tree = parser.parse([
      'from django.db import transaction',
      '',
      '@transaction.atomic',         // 2
      'def pay(order):',
      '    with transaction.atomic():',  // 4
      '        order.save()',
      '',
      'def ship(order):',
      '    with open("log") as f:',   // 8: not a transaction
      '        f.write("x")',
      '    async def later():',
      '        async with transaction.atomic():',  // 11: async with is not a sync scope
      '            pass',
      '    with transaction.atomic(using="other"):',  // 13
      '        order.save()',
      '',
    ].join('\n'));
    const scopes = transactionScopes(tree.rootNode);
    assert.deepEqual(scopes.map((s) => [s.kind, s.node.startPosition.row]), [
      ['atomic-decorator', 3], ['atomic-block', 4], ['atomic-block', 13],
    ]);
  });

  it('scopeAt: every named node has its innermost scope, a scope node the one it is written in, across nesting and siblings', () => {
    const tree = parser.parse([
      'x = 1',
      'def f(a):',
      '    y = [b for b in [c for c in a]]',
      '    class C:',
      '        z = lambda q: q',
      '    return y',
      'w = [d for d in x]',
      '',
    ].join('\n'));
    const index = semanticIndex(tree);
    const scopeOf = (name: string, nth = 0): string => {
      const id = identifiersNamed(tree.rootNode, name)[nth];
      assert.ok(id, `no identifier ${name}`);
      const scope = index.scopeAt[id.namedIndex];
      return `${scope.kind}@${scope.node.startPosition.row}:${scope.node.startPosition.column}`;
    };
    assert.equal(scopeOf('x'), 'module@0:0');
    assert.equal(scopeOf('a', 1), 'comprehension@2:20'); // the inner comprehension's iterable
    assert.equal(scopeOf('b', 0), 'comprehension@2:8');
    assert.equal(scopeOf('c', 0), 'comprehension@2:20');
    assert.equal(scopeOf('z'), 'class@3:4');
    assert.equal(scopeOf('q', 1), 'lambda@4:12');
    assert.equal(scopeOf('y', 1), 'function@1:0');
    assert.equal(scopeOf('w'), 'module@0:0');
    assert.equal(scopeOf('d', 1), 'comprehension@6:4');
    // The scope nodes themselves: a def in the module, a class in the function, each comprehension in its outer one.
    const scopeNode = (type: string, nth = 0): string => {
      const n = nodesOfType(tree.rootNode, type)[nth];
      const scope = index.scopeAt[n.namedIndex];
      return `${scope.kind}@${scope.node.startPosition.row}`;
    };
    assert.equal(scopeNode('function_definition'), 'module@0');
    assert.equal(scopeNode('class_definition'), 'function@1');
    assert.equal(scopeNode('list_comprehension', 1), 'comprehension@2');
    assert.equal(scopeNode('list_comprehension', 2), 'module@0');
  });
});
