import * as assert from 'node:assert/strict';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { extractFacts, KeptTrees } from '../../server/node/scan';

describe('scan: facts-pass trees kept for the analysis pass', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  it('keeps the WASM trees of facts files within its character budget and hands each over once', () => {
    const models = (name: string, pad: number) => ({
      path: `/p/${name}/models.py`,
      text: `from django.db import models\n\nclass ${name}(models.Model):\n    title = models.CharField(max_length=${pad})\n${'#\n'.repeat(pad)}`,
    });
    const a = models('A', 10);
    const b = models('B', 10);
    const views = { path: '/p/a/views.py', text: 'def v(request):\n    return 1\n' };
    const kept = new KeptTrees(a.text.length + 5);
    const { facts } = extractFacts(parser, [a, views, b], kept);
    assert.deepEqual(facts.map(([p]) => p), [a.path, b.path], 'both models files are indexed');
    const tree = kept.take(a.path);
    assert.ok(tree, 'the first fits the budget');
    assert.equal(tree.rootNode.text, a.text);
    tree.delete();
    assert.equal(kept.take(a.path), undefined, 'handed over once');
    assert.equal(kept.take(b.path), undefined, 'the second is over the budget: parsed again by the analysis');
    assert.equal(kept.take(views.path), undefined, 'files without facts are not parsed by the facts pass');
    kept.dispose();
    // A worker reuses one KeptTrees for each scan: after dispose, the whole budget is available again.
    const again = parser.parseWasm(a.text, null);
    assert.ok(kept.keep(a.path, a.text, again), 'the budget is whole again after dispose');
    kept.dispose();
  });
});
