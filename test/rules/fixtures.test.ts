import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRuleMeta } from '../../server/core/rules/registry';
import { FIXTURE_PROJECTS, EXAMPLES } from '../harness/paths';
import { compare, describeMismatches } from '../harness/expectations';
import { readPending, scanProject } from '../harness/projectRun';

const implemented = new Set(allRuleMeta().map((m) => m.code));

/** Every fixture project, plus the example shop: each `# expect:` must be reported, nothing else may be. */
const projects = [
  ...fs.readdirSync(FIXTURE_PROJECTS).sort().map((d) => path.join(FIXTURE_PROJECTS, d)),
  path.join(EXAMPLES, 'shop'),
].filter((d) => fs.existsSync(d) && fs.statSync(d).isDirectory());

describe('fixture projects: inline expectations', () => {
  for (const dir of projects) {
    it(path.relative(path.dirname(dir), dir), async () => {
      const pending = readPending(dir);
      for (const code of pending) assert.ok(!implemented.has(code), `${code} is implemented: remove it from pending in expectations.json`);
      const scan = await scanProject(dir);
      let report = '';
      let expectations = 0;
      for (const file of scan.results) {
        const reported = file.findings.map((f) => ({ line: f.range.start.line, code: f.code, message: f.message }));
        const c = compare(file.relPath, file.text, reported, implemented, pending);
        expectations += (file.text.match(/#.*?\bexpect:/g) ?? []).length;
        report += describeMismatches('missing (expected, not reported)', c.missing);
        report += describeMismatches('noisy (reported, not expected)', c.noisy);
        report += describeMismatches('expected code is neither implemented nor pending', c.undeclared);
      }
      assert.ok(expectations > 0, 'a fixture project without any # expect: comment proves nothing');
      assert.equal(report, '', `\n${report}`);
    });
  }
});
