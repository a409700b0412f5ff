import * as assert from 'node:assert/strict';
import { parser } from '../harness/applyFixes';
import { extractClassDecls } from '../../server/core/django/modelDecls';
import { ModelIndex } from '../../server/core/django/modelIndex';

async function decls(text: string) {
  return extractClassDecls((await parser()).parse(text), 'shop/models.py');
}

/** Summaries of custom QuerySet/Manager methods (server/core/django/querysetMethods.ts), as the model index keeps them. */
describe('custom QuerySet and Manager method summaries', () => {
  it('reads chains on self, super().get_queryset() and QuerySet(self.model, ...) roots, keeping only load-relevant steps', async () => {
    const [qs, mgr] = await decls([
      'class BookQS(models.QuerySet):',
      '    def live(self):',
      '        return self.filter(live=True).order_by("-id")',
      '    def listing(self):',
      '        return self.live().select_related("author", "publisher__owner").prefetch_related("tags")',
      '    def ordered(self):',
      '        return super().order_by("id")',
      'class BookManager(models.Manager):',
      '    def get_queryset(self):',
      '        return BookQS(self.model, using=self._db).only("title")',
    ].join('\n'));
    assert.deepEqual(qs.querysetMethods?.live, []);
    assert.deepEqual(qs.querysetMethods?.listing, [
      { method: 'live', args: [], literal: true },
      { method: 'select_related', args: ['author', 'publisher__owner'], literal: true },
      { method: 'prefetch_related', args: ['tags'], literal: true },
    ]);
    assert.deepEqual(qs.querysetMethods?.ordered, []);
    assert.deepEqual(mgr.querysetMethods?.get_queryset, [{ method: 'only', args: ['title'], literal: true }]);
  });

  it('is null (unknown) when a return is not a chain on the queryset, or returns disagree on their loads', async () => {
    const [qs] = await decls([
      'class QS(models.QuerySet):',
      '    def local(self):',
      '        qs = self.filter(a=1)',
      '        return qs.select_related("b")',
      '    def branches(self, deep):',
      '        if deep:',
      '            return self.select_related("a")',
      '        return self.all()',
      '    def same_loads(self, x):',
      '        if x:',
      '            return self.filter(x=x).select_related("a")',
      '        return self.select_related("a")',
      '    def computed(self, *fields):',
      '        return self.select_related(*fields)',
      '    def newest(self):',
      '        return self.order_by("-id").first()',
    ].join('\n'));
    assert.equal(qs.querysetMethods?.local, null);
    assert.equal(qs.querysetMethods?.branches, null);
    assert.deepEqual(qs.querysetMethods?.same_loads, [{ method: 'select_related', args: ['a'], literal: true }]);
    assert.deepEqual(qs.querysetMethods?.computed, [{ method: 'select_related', args: [], literal: false }]);
    assert.deepEqual(qs.querysetMethods?.newest, [{ method: 'first', args: [], literal: true }]);
  });

  it('records which classes define a manager, and the model index finds their methods through bases', async () => {
    const classes = await decls([
      'class BaseQS(models.QuerySet):',
      '    def joined(self):',
      '        return self.select_related("author")',
      'class BookQS(BaseQS):',
      '    pass',
      'class Author(models.Model):',
      '    name = models.CharField(max_length=9)',
      'class Book(models.Model):',
      '    author = models.ForeignKey(Author, on_delete=models.CASCADE)',
      '    objects = models.Manager.from_queryset(BookQS)()',
      '    live = BookQS.as_manager()',
      '    other = LibraryManager()',
    ].join('\n'));
    const book = classes.find((c) => c.name === 'Book');
    assert.deepEqual(book?.managerClasses, { objects: ['BookQS'], live: ['BookQS'], other: ['LibraryManager'] });
    const index = ModelIndex.build(classes);
    assert.deepEqual(index.customMethod(['BookQS'], 'joined')?.steps, [{ method: 'select_related', args: ['author'], literal: true }]);
    assert.equal(index.customMethod(['BookQS'], 'missing'), undefined);
    assert.equal(index.knowsClasses(['BookQS']), true);
    assert.equal(index.knowsClasses(['LibraryManager']), false);
  });
});
