import * as assert from 'node:assert/strict';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { scopeOfDefinition } from '../../server/core/python/semantic/bindings';
import { mayTypeFromCallers } from '../../server/core/django/callerArguments';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';

let parser: PythonParser;
before(async () => { parser = await PythonParser.load(nodeGrammarLocation()); });

/** Whether parameter `param` of the function named `fn` may be typed from its callers. */
function mayType(src: string, fn: string, param: string): boolean {
  const tree = parser.parse(src);
  const def = tree.namedNodes.find((n) => n.type === 'function_definition' && n.childForFieldName('name')?.text === fn);
  assert.ok(def, `no function ${fn}`);
  const binding = scopeOfDefinition(def)?.bindings.get(param)?.find((b) => b.kind === 'parameter');
  assert.ok(binding, `no parameter ${param} of ${fn}`);
  return mayTypeFromCallers(binding);
}

describe('caller arguments: which parameters are worth typing from their callers', () => {
  // The evaluator asks this before searching the function's body and the workspace: it must keep every parameter
  // callerArguments could answer for, and rule out the rest from the parameter and its function alone.
  const src = [
    'import functools',
    '',
    'def totals(orders, label, *rest, **options):',
    '    for o in orders:',
    '        print(o.customer.name, label)',
    '    return [r.x for r in rest] + [options.get("y")]',
    '',
    'def rows(items):',
    '    return sum(1 for _ in items)',
    '',
    'def iterated(qs):',
    '    return [x for x in qs]',
    '',
    '@functools.lru_cache',
    'def cached(order):',
    '    return order.customer.name',
    '',
    'class Report:',
    '    def lines(self, order):',
    '        return order.lines.all()',
    '',
    'def outer(order):',
    '    def inner(line):',
    '        return line.product.name',
    '    return inner(order.first_line)',
    '',
  ].join('\n');

  it('keeps a plain parameter of an undecorated module-level function that the body reads through or iterates', () => {
    assert.equal(mayType(src, 'totals', 'orders'), true);
    assert.equal(mayType(src, 'iterated', 'qs'), true);
    assert.equal(mayType(src, 'outer', 'order'), true);
    // Iterated inside a generator expression: still `in items`.
    assert.equal(mayType(src, 'rows', 'items'), true);
  });

  it('rules out methods, nested and decorated functions, splats, and parameters read through nothing', () => {
    assert.equal(mayType(src, 'lines', 'self'), false);
    assert.equal(mayType(src, 'lines', 'order'), false);
    assert.equal(mayType(src, 'inner', 'line'), false);
    assert.equal(mayType(src, 'cached', 'order'), false);
    assert.equal(mayType(src, 'totals', 'rest'), false);
    assert.equal(mayType(src, 'totals', 'options'), false);
    assert.equal(mayType(src, 'totals', 'label'), false);
  });
});
