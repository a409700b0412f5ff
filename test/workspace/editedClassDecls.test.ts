import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { parser } from '../harness/applyFixes';
import { ParsedDocument } from '../../server/core/parsing/textDocument';
import { applyRandomEdit, replaceIn } from '../harness/documentEdits';
import { extractClassDecls } from '../../server/core/django/modelDecls';

/**
 * An edited document's class declarations are taken from its previous version for the classes a keystroke did not
 * touch (a models module of 40 classes re-reads one). They must always equal a fresh extraction of the whole text.
 */

const MODELS = `from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=80)

    def __str__(self):
        return self.name


@register
class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="books")
    objects = BookManager()

    class Status(models.TextChoices):
        DRAFT = "d"

    class Meta:
        ordering = ["title"]

    def label(self):
        return self.author.name

    def shelf(self):
        return self.author.books.count()

    @property
    def first_title(self):
        return self.author.books.first()


class BookQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status="live").select_related("author")
`;

describe('class declarations of an edited document', () => {
  it('keeps the declarations of untouched classes (same objects) and equals a fresh extraction after each edit', async () => {
    const p = await parser();
    const doc = new ParsedDocument(p, 'file:///shop/models.py', MODELS, 1);
    try {
      const first = extractClassDecls(doc.tree, 'file:///shop/models.py');
      assert.deepEqual(first.map((d) => d.name), ['Author', 'Book', 'Status', 'Meta', 'BookQuerySet']);
      doc.applyChanges([replaceIn(doc.text, 'related_name="books"', 'related_name="titles"')], 2);
      const second = extractClassDecls(doc.tree, 'file:///shop/models.py');
      assert.deepEqual(second, extractClassDecls(p.parse(doc.text), 'file:///shop/models.py'));
      const byName = (list: typeof first, name: string) => list.find((d) => d.name === name);
      assert.equal(byName(second, 'Author'), byName(first, 'Author'), 'Author was read again');
      assert.equal(byName(second, 'BookQuerySet'), byName(first, 'BookQuerySet'), 'BookQuerySet was read again');
      assert.notEqual(byName(second, 'Book'), byName(first, 'Book'));
      assert.equal(byName(second, 'Book')?.fields.find((f) => f.name === 'author')?.relatedName, 'titles');
      // A line added above moves every class below it: their ranges move too.
      doc.applyChanges([replaceIn(doc.text, 'class Author', '# authors\nclass Author')], 3);
      const third = extractClassDecls(doc.tree, 'file:///shop/models.py');
      assert.deepEqual(third, extractClassDecls(p.parse(doc.text), 'file:///shop/models.py'));
      assert.equal(byName(third, 'BookQuerySet')?.range.start.line, (byName(second, 'BookQuerySet')?.range.start.line ?? 0) + 1);
    } finally {
      doc.dispose();
    }
  });

  it('keeps the facts of untouched methods of a class read again (same objects), even after a version that took the class whole', async () => {
    const p = await parser();
    const uri = 'file:///shop/models.py';
    const doc = new ParsedDocument(p, uri, MODELS, 1);
    try {
      const book = (list: ReturnType<typeof extractClassDecls>) => list.find((d) => d.name === 'Book');
      const first = book(extractClassDecls(doc.tree, uri));
      assert.ok(first?.methodReads?.label && first.methodReads.shelf && first.methodReads.first_title && first.selfCalls?.label);
      // Book taken whole, then a field of Book edited: its methods are not read again.
      doc.applyChanges([replaceIn(doc.text, 'max_length=80', 'max_length=90')], 2);
      extractClassDecls(doc.tree, uri);
      doc.applyChanges([replaceIn(doc.text, 'related_name="books"', 'related_name="titles"')], 3);
      const third = book(extractClassDecls(doc.tree, uri));
      assert.deepEqual(extractClassDecls(doc.tree, uri), extractClassDecls(p.parse(doc.text), uri));
      assert.notEqual(third, first);
      assert.equal(third?.methodReads?.label, first?.methodReads?.label, 'label was read again');
      assert.equal(third?.methodReads?.first_title, first?.methodReads?.first_title, 'first_title was read again');
      assert.equal(third?.selfCalls?.label, first?.selfCalls?.label);
      // A keystroke in one method: that method's reads follow it, the others are kept.
      doc.applyChanges([replaceIn(doc.text, 'return self.author.books.count()', 'return self.author.books.exists()')], 4);
      const fourth = book(extractClassDecls(doc.tree, uri));
      assert.deepEqual(extractClassDecls(doc.tree, uri), extractClassDecls(p.parse(doc.text), uri));
      assert.equal(fourth?.methodReads?.label, first?.methodReads?.label);
      assert.notEqual(fourth?.methodReads?.shelf, first?.methodReads?.shelf);
      assert.deepEqual(fourth?.methodReads?.shelf?.reads.map((r) => r.methods), [['exists']]);
      // A line added above the methods moves them: their ranges are read again.
      doc.applyChanges([replaceIn(doc.text, '    def label', '\n    def label')], 5);
      assert.deepEqual(extractClassDecls(doc.tree, uri), extractClassDecls(p.parse(doc.text), uri));
    } finally {
      doc.dispose();
    }
  });

  it('equals a fresh extraction after random edits', async () => {
    const p = await parser();
    const pieces = ['x', ' ', '\n', '(', ')', ':', '\r', '    ', 'class C(models.Model):\n    a = models.ForeignKey(B)\n', 'models.', '"', '@d\n', 'self.', '    def m(self):\n        return self.a.b.all()\n', '@property\n'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 12 }), async (edits) => {
        const doc = new ParsedDocument(p, 'file:///shop/models.py', MODELS, 1);
        try {
          extractClassDecls(doc.tree, 'file:///shop/models.py');
          let version = 2;
          for (const edit of edits) {
            applyRandomEdit(doc, edit, version++);
            // The document's own WASM tree copied afresh: error recovery may parse a broken text differently from scratch.
            assert.deepEqual(extractClassDecls(doc.tree, 'file:///shop/models.py'), extractClassDecls(p.copy(doc.wasmTree, doc.text), 'file:///shop/models.py'));
          }
        } finally {
          doc.dispose();
        }
      }),
      { numRuns: 300 },
    );
  });
});
