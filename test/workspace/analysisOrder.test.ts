import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { importsFirst } from '../../server/core/workspace/analysisOrder';
import { CallerIndex } from '../../server/core/workspace/callerIndex';
import type { Tree } from '../../server/core/parsing/syntaxTree';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';

const file = (rel: string, text: string) => ({ path: `/w/${rel}`, text });
const names = (files: readonly { path: string }[]) => files.map((f) => f.path.slice(3));

describe('analysis order: imports first', () => {
  it('puts each module before the files that import it (absolute, relative, package), path order otherwise', () => {
    const files = [
      file('app/__init__.py', ''),
      file('app/api/views.py', 'from ..helpers import label\nfrom app.models import Book\n'),
      file('app/helpers.py', 'from .models import Book\nimport os\n'),
      file('app/models.py', 'from django.db import models\n'),
      file('app/urls.py', 'from app.api import views\n'),
      file('other/tool.py', 'x = 1\n'),
    ];
    assert.deepEqual(names(importsFirst(files)), [
      'app/__init__.py', 'app/models.py', 'app/helpers.py', 'app/api/views.py', 'app/urls.py', 'other/tool.py',
    ]);
  });

  it('an import cycle is entered once, at its first file in path order; every file appears exactly once', () => {
    const files = [
      file('a.py', 'import b\n'),
      file('b.py', 'from c import x\n'),
      file('c.py', 'import a\nimport a\n'),
      file('d.py', 'import c\n'),
    ];
    const order = names(importsFirst(files));
    assert.deepEqual(order, ['c.py', 'b.py', 'a.py', 'd.py']);
  });

  it('two modules of one name: the one nearest the importer is the one ordered first', () => {
    const files = [
      file('billing/views.py', 'from utils import money\n'),
      file('billing/utils.py', ''),
      file('shop/utils.py', ''),
    ];
    assert.deepEqual(names(importsFirst(files)), ['billing/utils.py', 'billing/views.py', 'shop/utils.py']);
  });
});

describe('caller index: trees kept for the host', () => {
  const texts: Record<string, string> = { '/w/a.py': 'a = 1\n', '/w/b.py': 'b = 2\n', '/w/big.py': 'c = 3\n'.repeat(400_000) };
  const fakeTree = (uri: string): Tree => ({ rootNode: { tree: { uri } } }) as unknown as Tree;
  const index = (pending: Set<string>, parsed: string[]) => new CallerIndex({
    files: Object.keys(texts).map((uri) => ({ uri, relPath: uri.slice(3) })),
    read: (uri) => texts[uri],
    parse: (_text, uri) => {
      parsed.push(uri);
      return fakeTree(uri);
    },
    pending: (uri) => pending.has(uri),
  });

  it('a pending file parsed for a lookup is handed to the host once, then stays findable without a new parse', () => {
    const parsed: string[] = [];
    const callers = index(new Set(['/w/a.py']), parsed);
    const tree = callers.file('/w/a.py')?.root.tree;
    assert.ok(tree);
    assert.equal(callers.take('/w/a.py'), tree);
    assert.equal(callers.file('/w/a.py')?.root.tree, tree);
    assert.deepEqual(parsed, ['/w/a.py']);
    assert.deepEqual(callers.work, { files: 1, chars: texts['/w/a.py'].length });
  });

  it('nothing is kept past the budget for the host: a large pending file goes to the recently used ones', () => {
    const parsed: string[] = [];
    const callers = index(new Set(['/w/big.py', '/w/b.py']), parsed);
    callers.file('/w/big.py');
    callers.file('/w/b.py');
    // Still there (recently used), and b was kept for the host: both are taken without a parse.
    assert.ok(callers.take('/w/big.py'));
    assert.ok(callers.take('/w/b.py'));
    assert.deepEqual(parsed, ['/w/big.py', '/w/b.py']);
  });

  it('a scan parses each caller file it later analyses only once (fixture project)', async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'caller_contexts'), {});
    assert.ok((scan.stats.callerFiles ?? 0) > 0);
    assert.equal(scan.stats.reusedTrees, scan.stats.callerFiles, 'every caller file parsed is one the scan analyses, and it is analysed from that tree');
  });
});
