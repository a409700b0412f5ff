import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';

describe('DJP105 loop invariance through callees', () => {
  it('a query is invariant only when no callee writes its model; an opaque callee gets no hoisting advice', async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'loop_callees'));
    const found = scan.results.flatMap((r) => r.findings.filter((f) => f.code === 'DJP105'));
    // Local helper, helper two modules away, module attribute, self.method(), a model's custom method: all write Volume.
    assert.deepEqual(found.map((f) => f.range.start.line + 1), [51, 59]);
    const [writesOther, reexported] = found;
    assert.match(writesOther.detail ?? writesOther.message, /^Loop-invariant query: .*run it once before the loop\.$/);
    assert.equal(writesOther.fixes?.[0]?.message, 'Hoist `total = …` out of the loop');
    assert.match(reexported.detail ?? reexported.message, /the loop also calls `file_again\(\)`, which djperf cannot see into/);
    assert.doesNotMatch(reexported.detail ?? reexported.message, /invariant|hoist|before the loop/i);
    assert.equal(reexported.fixes, undefined);
    assert.equal(reexported.related?.[0]?.message, 'the loop');
  });
});
