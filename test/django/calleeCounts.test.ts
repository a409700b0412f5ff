import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURE_PROJECTS, REPO_ROOT } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import type { Finding } from '../../server/core/rules/types';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(REPO_ROOT, 'test', 'django', 'callee_counts.py');
const SIZES = [3, 7];

/**
 * A fixture function and where djperf reports it: `finding` is file:line of the N+1 whose cost predicts the count
 * (base + perRow·N + extra), none for a clean function (its count must not grow with N).
 */
interface Case {
  project: string;
  finding?: string;
  /** One-off queries outside the finding's loop (a get() before it). */
  extra?: number;
}

const CASES: Record<string, Case> = {
  'planning.board_totals': { project: 'model_method_callees', finding: 'views.py:6' },
  'planning.board_totals_prefetched': { project: 'model_method_callees' },
  'planning.story_teams': { project: 'model_method_callees', finding: 'views.py:16' },
  'planning.story_teams_joined': { project: 'model_method_callees' },
  'planning.note_lines': { project: 'model_method_callees', finding: 'views.py:29' },
  'planning.note_lines_joined': { project: 'model_method_callees' },
  // The board's stories are its rows (one role): Board.roles_in_use runs its related query per story.
  'planning.Board.roles_in_use': { project: 'model_method_callees', finding: 'models.py:26' },
  'exports.export_all': { project: 'caller_typed_params', finding: 'services.py:11' },
  'exports.titles': { project: 'caller_typed_params' },
  'exports.owners': { project: 'caller_typed_params' },
  'exports.owners_plain': { project: 'caller_typed_params', finding: 'services.py:22' },
  'exports.votes': { project: 'caller_typed_params', finding: 'services.py:32', extra: 1 },
  // Session 3: a model method's query no prefetch serves, reported once at the method (DJP112), its cost the busiest loop's.
  'social.fan_page': { project: 'callee_effects', finding: 'models.py:16' },
  'social.first_comments': { project: 'callee_effects', finding: 'models.py:21' },
  'social.recent_page': { project: 'callee_effects', finding: 'models.py:24' },
  'social.counts': { project: 'callee_effects', finding: 'views.py:22' },
  'social.counts_prefetched': { project: 'callee_effects' },
  'social.all_prefetched': { project: 'callee_effects' },
  // Helpers of another module that hand the queryset back chained keep the caller's loads (taiga 9f5d5c7).
  'tracker.subjects_with_story': { project: 'callee_effects', finding: 'exports.py:10' },
  'tracker.joined_by_helper': { project: 'callee_effects' },
  'tracker.joined_through_module': { project: 'callee_effects' },
  'tracker.not_joined_through_module': { project: 'callee_effects', finding: 'exports.py:26' },
  // A loop inside a helper: flagged there for the caller that does not load the relation, constant for the others.
  'tracker.titles_joined': { project: 'callee_effects' },
  'tracker.titles_plain': { project: 'callee_effects', finding: 'reports.py:3' },
  'tracker.owners': { project: 'callee_effects' },
  'tracker.counts_prefetched': { project: 'callee_effects' },
  'tracker.counts_plain': { project: 'callee_effects', finding: 'reports.py:13' },
  'tracker.subjects': { project: 'callee_effects' },
};

describe('real Django query counts of the callee fixtures (issue 15)', function () {
  this.timeout(180000);
  let counts: Record<string, Record<string, number> | string[]> = {};
  const findings = new Map<string, Finding>();

  before(async () => {
    if (!fs.existsSync(PYTHON)) assert.fail(`${PYTHON} is missing: install python3 and python3-django`);
    const r = spawnSync(PYTHON, [SCRIPT, SIZES.join(',')], { encoding: 'utf8', cwd: REPO_ROOT, maxBuffer: 16 << 20 });
    assert.equal(r.status, 0, r.stderr);
    counts = JSON.parse(r.stdout) as typeof counts;
    for (const project of ['model_method_callees', 'caller_typed_params', 'callee_effects']) {
      const scan = await scanProject(path.join(FIXTURE_PROJECTS, project));
      for (const file of scan.results) {
        for (const f of file.findings) findings.set(`${project}/${path.basename(file.relPath)}:${f.range.start.line + 1}`, f);
      }
    }
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: ${c.finding ? 'flagged, 1 + k·N as predicted' : 'clean, constant'}`, () => {
      const measured = counts[name] as Record<string, number>;
      assert.ok(measured, `${name} was not measured`);
      if (!c.finding) {
        assert.equal(measured[SIZES[0]], measured[SIZES[1]], `${name} grows with N: ${JSON.stringify(measured)}`);
        return;
      }
      const f = findings.get(`${c.project}/${c.finding}`);
      assert.ok(f, `no finding at ${c.finding}`);
      assert.equal(f.cost?.kind, 'queries');
      if (f.cost?.kind !== 'queries') return;
      for (const n of SIZES) {
        assert.equal(measured[n], f.cost.base + f.cost.perRow * n + (c.extra ?? 0), `${name} at N=${n} (${f.code} ${f.message})`);
      }
    });
  }

  it('select_for_update().create() runs no SELECT, so it locks nothing (Django 3.2 QuerySet.create is save())', () => {
    // The INSERT of create(), then the SELECT of the select_for_update().get() that follows it in the script.
    assert.deepEqual(counts.sfu_create, ['INSERT', 'SELECT']);
  });
});
