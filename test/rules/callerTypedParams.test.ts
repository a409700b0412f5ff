import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import type { Finding } from '../../server/core/rules/types';

describe('helper parameters typed from their callers (issue 15)', () => {
  let findings: Finding[] = [];
  before(async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'caller_typed_params'));
    findings = scan.results.filter((r) => r.relPath.endsWith('services.py')).flatMap((r) => r.findings);
  });
  const at = (line: number): Finding | undefined => findings.find((f) => f.range.start.line + 1 === line);

  it('rows every caller passes are read with the loads all callers share; the fix extends the helper chain', () => {
    const f = at(11);
    assert.equal(f?.code, 'DJP101');
    assert.deepEqual(f?.cost, { kind: 'queries', base: 1, perRow: 1, rowFactors: ['rows of queryset'], relationPath: 'owner', model: 'exports.Card' });
    // Both callers lack owner: both are named; the quick fix edits the helper's own select_related("board").
    const callers = f?.related?.filter((r) => /this caller passes rows that do not load owner/.test(r.message)) ?? [];
    assert.deepEqual(callers.map((r) => [path.basename(r.uri ?? ''), r.range.start.line + 1]), [['views.py', 9], ['views.py', 13]]);
    assert.equal(f?.fixes?.[0]?.edits[0]?.newText, ', "owner"');
    assert.equal(f?.fixes?.[0]?.edits[0]?.range.start.line, 8);
  });

  it('only the caller that does not join the relation is named; a shared join is silent', () => {
    const f = at(22);
    assert.equal(f?.code, 'DJP101');
    const callers = f?.related?.filter((r) => r.uri) ?? [];
    assert.deepEqual(callers.map((r) => [path.basename(r.uri ?? ''), r.range.start.line + 1]), [['views.py', 29]]);
    assert.equal(at(17), undefined); // card_titles: every caller joins board
  });

  it('disagreeing, unknown and test-only callers leave the parameter unknown', () => {
    assert.equal(at(27), undefined);
    assert.equal(at(37), undefined);
    assert.equal(at(32)?.code, 'DJP104');
    assert.equal(findings.length, 4);
  });

  it('a helper read only on the way to a raise is not per row; the same read on the normal path is', () => {
    assert.equal(at(51), undefined);
    assert.equal(at(64)?.code, 'DJP101');
  });
});
