import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import type { Finding } from '../../server/core/rules/types';

describe('model methods reached through self (issue 15)', () => {
  let findings: { file: string; f: Finding }[] = [];
  before(async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'model_method_callees'));
    findings = scan.results.flatMap((r) => r.findings.map((f) => ({ file: path.basename(r.relPath), f })));
  });
  const at = (file: string, line: number): Finding | undefined => findings.find((x) => x.file === file && x.f.range.start.line + 1 === line)?.f;

  it('a relation of self inside a model method is a related manager of that model', () => {
    const f = at('models.py', 26);
    assert.equal(f?.code, 'DJP105');
    // The query runs for every role of every story: the inner loop over `roles` multiplies (1 + N·M).
    assert.deepEqual(f?.cost, { kind: 'queries', base: 1, perRow: 1, rowFactors: ['rows of self.stories.all()', 'iterations of roles'], relationPath: 'estimates', model: 'planning.Story' });
  });

  it('reads reached through self.method() count per row, with the read in the callee as related information', () => {
    const f = at('views.py', 16);
    assert.equal(f?.code, 'DJP101');
    assert.equal(f?.cost?.kind === 'queries' ? f.cost.perRow : undefined, 2);
    const rel = f?.related?.find((r) => /self\.board\.team/.test(r.message));
    assert.ok(rel, JSON.stringify(f?.related));
    assert.equal(rel.message, 'Story.team_name() → board_label() reads `self.board.team.name` here');
    // The read sits in board_label() (line 59), one self-call below team_name().
    assert.equal(rel.range.start.line + 1, 59);
    assert.equal(at('views.py', 6)?.code, 'DJP104');
  });

  it('abstract bases resolve; save(), decorated methods and non-model classes stay silent', () => {
    assert.equal(at('views.py', 29)?.code, 'DJP101');
    assert.match(at('views.py', 29)?.message ?? '', /Stamped\.creator_line\(\) reads self\.created_by/);
    for (const line of [11, 20, 24, 34, 39, 44]) assert.equal(at('views.py', line), undefined, `views.py:${line}`);
    assert.equal(findings.filter((x) => x.file === 'models.py').length, 1);
  });
});
