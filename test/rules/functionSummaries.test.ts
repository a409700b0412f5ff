import * as assert from 'node:assert/strict';
import { parser } from '../harness/applyFixes';
import { FunctionIndex, mayHaveFunctionSummaries, summarizeFunctions } from '../../server/core/workspace/functionSummaries';
import { moduleToPath } from '../../server/core/django/urlFacts';

const HELPERS = `import time
from .models import Product


def render_row(product, extra=None):
    tags = product.tags.all()
    return {"c": product.category.name, "t": [t.name for t in tags], "n": product.reviews.count()}


def rebinding(product):
    product = product.category
    return product.name


def load(pk):
    return Product.objects.get(pk=pk)


def nap():
    time.sleep(1)


def pure(a, b):
    return a + b
`;

describe('function summaries (one level of helper calls)', () => {
  it('records attribute chains per parameter and the work a function does', async () => {
    const p = await parser();
    const tree = p.parse(HELPERS);
    assert.ok(mayHaveFunctionSummaries(HELPERS));
    const byName = new Map(summarizeFunctions(tree).map((s) => [s.name, s]));
    const row = byName.get('render_row');
    assert.ok(row);
    assert.deepEqual(row.params, ['product', 'extra']);
    const reads = row.reads.product.map((r) => `${r.attrs.join('.')}|${r.methods.join('.')}|${r.evaluated}`).sort();
    assert.deepEqual(reads, ['category.name||false', 'reviews|count|true', 'tags|all|true']);
    assert.equal(byName.get('rebinding'), undefined, 'a rebound parameter is not summarised');
    assert.equal(byName.get('load')?.work?.[0]?.model, 'Product');
    assert.equal(byName.get('nap')?.work?.[0]?.kind, 'blocking');
    assert.equal(byName.get('pure'), undefined);
  });

  it('resolves absolute, relative and package-attribute imports to the nearest module', () => {
    const summary = { name: 'render_row', params: ['p'], isAsync: false, reads: {}, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
    const other = { ...summary, name: 'other' };
    const index = new FunctionIndex([
      ['/w/shop/catalog/helpers.py', [summary]],
      ['/w/legacy/catalog/helpers.py', [other]],
      ['/w/shop/catalog/views.py', []],
    ]);
    assert.equal(index.resolve('/w/shop/catalog/views.py', '.helpers.render_row')?.uri, '/w/shop/catalog/helpers.py');
    assert.equal(index.resolve('/w/shop/catalog/views.py', 'catalog.helpers.render_row')?.uri, '/w/shop/catalog/helpers.py');
    assert.equal(index.resolve('/w/shop/catalog/views.py', 'catalog.helpers.missing'), undefined);
    assert.equal(index.resolve('/w/shop/catalog/views.py', 'render_row'), undefined);
    // Half-typed code can put a newline inside a dotted name (found by fuzzing): no match, no exception.
    assert.equal(index.resolve('/w/shop/catalog/views.py', 's.all()\nync_to_async.f'), undefined);
    assert.deepEqual(moduleToPath('.a\nb', '/w/shop/catalog/views.py'), { module: '/w/shop/catalog/a\nb', exact: true });
    const lazy = new FunctionIndex([['/w/app/services/__init__.py', undefined]], () => [summary]);
    assert.equal(lazy.resolve('/w/app/views.py', '.services.render_row')?.uri, '/w/app/services/__init__.py');
  });
});
