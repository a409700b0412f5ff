import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { parser } from '../harness/applyFixes';
import { ParsedDocument } from '../../server/core/parsing/textDocument';
import { applyRandomEdit, replaceIn } from '../harness/documentEdits';
import { summarizeFunctions } from '../../server/core/workspace/functionSummaries';
import { extractFileFacts } from '../../server/core/workspace/fileFacts';
import { WorkspaceIndex } from '../../server/core/workspace/workspaceIndex';
import { MemoKey } from '../../server/core/memo';

/**
 * An edited document's function summaries are taken from its previous version for the functions a keystroke did
 * not touch. They must always equal a fresh summary of the whole text: these tests edit the places the unchanged
 * functions' summaries depend on (another function's return, module-level clients, imports) and random places.
 */

const MODULE = `import httpx
from .models import Order


def make_client():
    return httpx.Client()


client = make_client()


def fetch(url):
    c = make_client()
    return c.get(url)


def shared(url):
    return client.get(url)


def rows(order):
    for line in order.lines.all():
        print(line.product.name)
    return Order.objects.filter(pk=order.pk).first()


def calls_rows(order):
    return rows(order)


class Api:
    timeout = 5

    def session(self):
        return httpx.Client(timeout=self.timeout)


def via_class(url):
    return Api().session().get(url)


class ItemViewSet:
    queryset = Order.objects.all()
    page_size = 10
`;

describe('function summaries of an edited document', () => {
  const fresh = async (text: string) => summarizeFunctions((await parser()).parse(text));
  /** A fresh copy of the document's own WASM tree: tree-sitter's error recovery may parse a broken text differently when parsing it anew. */
  const freshCopy = (p: Awaited<ReturnType<typeof parser>>, doc: ParsedDocument) => summarizeFunctions(p.copy(doc.wasmTree, doc.text));
  type Summaries = ReturnType<typeof summarizeFunctions>;
  const byName = (list: Summaries, name: string) => list.find((s) => s.name === name);
  const blocking = (list: Summaries, name: string) => byName(list, name)?.work?.some((w) => w.kind === 'blocking');
  /** Replaces the first `find` in the document, and returns the new version's summaries, checked equal to a fresh summary. */
  const edit = async (doc: ParsedDocument, find: string, replace: string, version: number): Promise<Summaries> => {
    doc.applyChanges([replaceIn(doc.text, find, replace)], version);
    const summaries = summarizeFunctions(doc.tree);
    assert.deepEqual(summaries, await fresh(doc.text));
    return summaries;
  };
  /** Runs `test` on MODULE opened as an edited document, disposed of after. */
  const withModule = async (test: (doc: ParsedDocument) => Promise<void>): Promise<void> => {
    const doc = new ParsedDocument(await parser(), 'file:///helpers.py', MODULE, 1);
    try {
      await test(doc);
    } finally {
      doc.dispose();
    }
  };

  it('reuses the summaries of untouched functions, and equals a fresh summary after each edit', () => withModule(async (doc) => {
    const first = summarizeFunctions(doc.tree);
    assert.deepEqual(first, await fresh(doc.text));
    // A keystroke in `rows` keeps `fetch`'s summary (same object), and changes only `rows`.
    const second = await edit(doc, 'print(line', 'print( line', 2);
    assert.equal(byName(second, 'fetch')?.reads, byName(first, 'fetch')?.reads, 'fetch was summarised again');
    assert.notEqual(byName(second, 'rows')?.reads, byName(first, 'rows')?.reads);
  }));

  it('summarises again the functions whose types came from an edited function or module statement', () => withModule(async (doc) => {
    const before = summarizeFunctions(doc.tree);
    assert.equal(blocking(before, 'fetch'), true);
    assert.equal(blocking(before, 'shared'), true);
    // `make_client` no longer returns a client: `fetch` and `shared` (through `client = make_client()`) block no more.
    const after = await edit(doc, 'return httpx.Client()', 'return dict()', 2);
    assert.notEqual(blocking(after, 'fetch'), true);
    assert.notEqual(blocking(after, 'shared'), true);
    // And back, then the import goes: every summary is as a fresh one's each time.
    await edit(doc, 'return dict()', 'return httpx.Client()', 3);
    await edit(doc, 'import httpx\n', '', 4);
    // A line break before the functions moves them: their ranges must move too.
    await edit(doc, 'from .models', '\n\nfrom .models', 5);
  }));

  it('keeps the summaries across an edit of a class body no summary read, and not across one of a class inference read', () => withModule(async (doc) => {
    const first = summarizeFunctions(doc.tree);
    assert.equal(blocking(first, 'via_class'), true, 'Api().session() is an httpx client');
    // A viewset's attribute: no function's summary read that class, so none is summarised again.
    const second = await edit(doc, 'page_size = 10', 'page_size = 100', 2);
    assert.equal(byName(second, 'rows')?.reads, byName(first, 'rows')?.reads, 'rows was summarised again');
    assert.equal(byName(second, 'via_class')?.work, byName(first, 'via_class')?.work, 'via_class was summarised again');
    // The class `via_class` reads a method's return from: its summary follows the edit.
    const third = await edit(doc, 'return httpx.Client(timeout=self.timeout)', 'return dict(timeout=self.timeout)', 3);
    assert.notEqual(blocking(third, 'via_class'), true);
    // A class renamed: the names the module binds changed, every summary is made again, and equals a fresh one.
    await edit(doc, 'class Api:', 'class Client:', 4);
    await edit(doc, 'class Client:', 'class Api:', 5);
  }));

  it('equals a fresh summary after random edits', async () => {
    const p = await parser();
    const pieces = ['x', ' ', '\n', '(', ')', '.all()', 'httpx.get(u)', 'return ', '    ', 'def f(a):\n    a.b.c\n', '\r', 'client', ':', 'Api', 'session', 'class '];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.constantFrom(...pieces)), { minLength: 1, maxLength: 12 }), async (edits) => {
        const doc = new ParsedDocument(p, 'file:///helpers.py', MODULE, 1);
        try {
          summarizeFunctions(doc.tree);
          let version = 2;
          for (const edit of edits) {
            applyRandomEdit(doc, edit, version++);
            assert.deepEqual(summarizeFunctions(doc.tree), freshCopy(p, doc));
          }
        } finally {
          doc.dispose();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('workspace index: a keystroke in a helper module', () => {
  const helpers = (work: string) => `from .models import Order\n\n\ndef total(order):\n    ${work}\n    return order.lines.count()\n`;

  it('patches the function index in place, and callers resolve the new summary', async () => {
    const p = await parser();
    const index = new WorkspaceIndex();
    const uri = '/proj/shop/helpers.py';
    const view = '/proj/shop/views.py';
    const facts = (text: string) => extractFileFacts(p.parse(text), uri, text);
    index.setFile(uri, facts(helpers('pass')));
    const firstIndex = index.facts().functions;
    assert.equal(firstIndex?.resolve(view, '.helpers.total')?.summary.work, undefined);
    assert.equal(index.setFile(uri, facts(helpers('Order.objects.get(pk=order.pk)'))), true);
    assert.equal(index.lastScope, 'module');
    const functions = index.facts().functions;
    assert.equal(functions, firstIndex, 'the function index was built again');
    assert.equal(functions?.resolve(view, '.helpers.total')?.summary.work?.[0]?.kind, 'query');
  });

  it('a models edit rebuilds the models but patches the function index, which then resolves the new summaries', async () => {
    const p = await parser();
    const index = new WorkspaceIndex();
    const uri = '/proj/shop/helpers.py';
    const view = '/proj/shop/views.py';
    const text = (field: string, work: string) => `${helpers(work)}\n\nclass Coupon(models.Model):\n    ${field} = models.CharField(max_length=9)\n`;
    const set = (t: string) => index.setFile(uri, extractFileFacts(p.parse(t), uri, t));
    set(text('code', 'pass'));
    index.setFile('/proj/shop/other.py', extractFileFacts(p.parse('def other(order):\n    return order.lines.count()\n'), '/proj/shop/other.py', 'def other(order):\n    return order.lines.count()\n'));
    const before = index.facts();
    assert.equal(before.functions?.resolve(view, '.helpers.total')?.summary.work, undefined);
    assert.equal(set(text('number', 'Order.objects.get(pk=order.pk)')), true);
    assert.equal(index.lastScope, 'global');
    const after = index.facts();
    assert.equal(after.functions, before.functions, 'the function index was built again');
    assert.notEqual(after.models, before.models);
    assert.deepEqual([after.models.get('shop.Coupon')?.columns.has('number'), after.models.get('shop.Coupon')?.columns.has('code')], [true, false]);
    assert.equal(after.functions?.resolve(view, '.helpers.total')?.summary.work?.[0]?.kind, 'query');
    assert.ok(after.functions?.resolve(view, '.other.other'));
  });

  it('tells what an edit reached: nothing, the importers (module) or every file (global)', async () => {
    const p = await parser();
    const index = new WorkspaceIndex();
    const uri = '/proj/shop/helpers.py';
    const set = (t: string) => index.setFile(uri, extractFileFacts(p.parse(t), uri, t));
    set(helpers('pass'));
    // The same text parsed again: new objects, same data.
    assert.equal(set(helpers('pass')), false);
    assert.equal(index.lastScope, 'none');
    assert.equal(set(helpers('Order.objects.get(pk=order.pk)')), true);
    assert.equal(index.lastScope, 'module');
    assert.equal(set(`${helpers('pass')}\n\nclass Coupon(models.Model):\n    code = models.CharField(max_length=9)\n`), true);
    assert.equal(index.lastScope, 'global');
    index.removeFile(uri);
    assert.equal(index.lastScope, 'global');
  });

  it('builds the exported types again when they changed', async () => {
    const p = await parser();
    const index = new WorkspaceIndex();
    const uri = '/proj/shop/clients.py';
    const text = (ctor: string) => `import httpx\n\nhttp = ${ctor}\n\n\ndef ping(order):\n    return order.lines.count()\n`;
    const set = (t: string) => index.setFile(uri, extractFileFacts(p.parse(t), uri, t));
    set(text('httpx.Client()'));
    const lookup = index.facts().moduleTypes?.lookupFor('/proj/shop/views.py');
    assert.ok(lookup?.('.clients.http'));
    set(text('dict()'));
    assert.equal(index.facts().moduleTypes?.lookupFor('/proj/shop/views.py')?.('.clients.http'), undefined);
  });
});

describe('workspace index: caller lookups across edits of the models', () => {
  const MODELS = (field: string) => `from django.db import models\n\n\nclass Order(models.Model):\n    ${field} = models.CharField(max_length=9)\n`;

  it('keeps one caller index, whose mention lists and trees follow the texts', async () => {
    const p = await parser();
    const texts = new Map([['/proj/shop/models.py', MODELS('code')], ['/proj/shop/views.py', 'def view(request):\n    return 1\n']]);
    const parsed: string[] = [];
    const index = new WorkspaceIndex();
    index.setCallerSource({
      files: [...texts.keys()].map((uri) => ({ uri, relPath: uri.slice('/proj/'.length) })),
      read: (uri) => texts.get(uri),
      parse: (text, uri) => {
        parsed.push(uri);
        return p.parse(text);
      },
    });
    const setModels = (text: string) => {
      texts.set('/proj/shop/models.py', text);
      index.textChanged('/proj/shop/models.py', text);
      return index.setFile('/proj/shop/models.py', extractFileFacts(p.parse(text), '/proj/shop/models.py', text));
    };
    setModels(MODELS('code'));
    const callers = index.facts().callers;
    assert.deepEqual(callers?.filesMentioning('view'), ['/proj/shop/views.py']);
    assert.ok(callers?.file('/proj/shop/views.py'));
    // The views module is edited (an open document), then a field of the models: both before the next lookup.
    texts.set('/proj/shop/views.py', 'def view(request):\n    return Order.objects.count()\n');
    index.textChanged('/proj/shop/views.py', texts.get('/proj/shop/views.py')!);
    assert.equal(setModels(MODELS('number')), true);
    assert.equal(index.lastScope, 'global');
    const after = index.facts().callers;
    assert.equal(after, callers, 'a new caller index was made');
    assert.deepEqual(after?.filesMentioning('Order'), ['/proj/shop/models.py', '/proj/shop/views.py']);
    assert.deepEqual(after?.filesMentioning('number'), ['/proj/shop/models.py']);
    assert.deepEqual(after?.filesMentioning('code'), []);
    assert.match(after?.file('/proj/shop/views.py')?.text ?? '', /Order\.objects/);
    assert.deepEqual(parsed, ['/proj/shop/views.py', '/proj/shop/views.py']);
  });

  it('a whole index built after a first wave takes over its caller lookups, without what their trees carried', async () => {
    const p = await parser();
    const texts = new Map([['/proj/shop/models.py', MODELS('code')], ['/proj/shop/views.py', 'def view(request):\n    return 1\n']]);
    let parses = 0;
    const source = {
      files: [...texts.keys()].map((uri) => ({ uri, relPath: uri.slice('/proj/'.length) })),
      read: (uri: string) => texts.get(uri),
      parse: (text: string) => (parses++, p.parse(text)),
    };
    const firstWave = new WorkspaceIndex();
    firstWave.setCallerSource(source);
    const callers = firstWave.facts().callers;
    assert.deepEqual(callers?.filesMentioning('view'), ['/proj/shop/views.py']);
    const DERIVED = new MemoKey<string>('made with the first wave\'s facts');
    callers?.file('/proj/shop/views.py')?.root.tree.memos.set(DERIVED, 'first wave');
    const whole = new WorkspaceIndex();
    whole.shareCallers(firstWave);
    const text = MODELS('code');
    whole.setFile('/proj/shop/models.py', extractFileFacts(p.parse(text), '/proj/shop/models.py', text));
    assert.equal(whole.facts().callers, callers);
    assert.equal(callers?.file('/proj/shop/views.py')?.root.tree.memos.peek(DERIVED), undefined);
    assert.equal(parses, 1);
  });
});
