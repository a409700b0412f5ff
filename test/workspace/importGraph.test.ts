import * as assert from 'node:assert/strict';
import { ImportGraph, importedNames, importTarget } from '../../server/core/workspace/importGraph';

const at = (rel: string): string => `file:///w/${rel}`;

describe('ImportGraph: who imports a module (language server re-checks)', () => {
  it('reads absolute, relative, parenthesised, aliased and indented imports; `from p import m` also names p.m', () => {
    const text = [
      'import os, shop.helpers as h',
      'from . import views',
      'from ..core.util import (',
      '    a,',
      '    b as c,',
      ')',
      'def f():',
      '    from shop.models import Book  # late import',
      'from .x import *',
    ].join('\n');
    const from = at('shop/api/views.py');
    const got = importedNames(text).map((d) => importTarget(d, from)).map((t) => `${t.exact ? '=' : '~'}${t.module}`).sort();
    assert.deepEqual(got, [
      '=file:///w/shop/api', '=file:///w/shop/api/views', '=file:///w/shop/api/x',
      '=file:///w/shop/core/util', '=file:///w/shop/core/util/a', '=file:///w/shop/core/util/b',
      '~os', '~shop/helpers', '~shop/models', '~shop/models/Book',
    ]);
  });

  it('dependants: importers, then theirs, up to the depth; none past the limit', () => {
    const g = new ImportGraph();
    g.setFile(at('app/helpers.py'), 'import os\n');
    g.setFile(at('app/views.py'), 'from .helpers import label\n');
    g.setFile(at('app/urls.py'), 'from app import views\n');
    g.setFile(at('app/admin.py'), 'from app.urls import urlpatterns\n');
    g.setFile(at('other/helpers_test.py'), 'from other import helpers\n');
    g.setFile(at('app/unrelated.py'), 'from app.models import Book\n');
    assert.deepEqual(g.dependantsOf(at('app/helpers.py'), 1, 10), [at('app/views.py')]);
    assert.deepEqual(g.dependantsOf(at('app/helpers.py'), 3, 10), [at('app/views.py'), at('app/urls.py'), at('app/admin.py')]);
    assert.equal(g.dependantsOf(at('app/helpers.py'), 3, 2), undefined);
    g.removeFile(at('app/views.py'));
    assert.deepEqual(g.dependantsOf(at('app/helpers.py'), 3, 10), []);
  });
});
