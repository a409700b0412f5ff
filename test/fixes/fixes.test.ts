import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/paths';
import { analyzeInFolder, applyPreferredFixes } from '../harness/applyFixes';

const FIXES = path.join(REPO_ROOT, 'test', 'fixtures', 'fixes');

/** `test/fixtures/fixes/DJPnnn/<case>.py` + `<case>.fixed.py` (+ models.py in the folder). */
const cases: { code: string; dir: string; file: string }[] = [];
// N+1 cases only: the lock and async cases have their own, stricter test (asyncFixes.test.ts).
for (const code of fs.existsSync(FIXES) ? fs.readdirSync(FIXES).filter((c) => /^DJP1\d\d$/.test(c)).sort() : []) {
  const dir = path.join(FIXES, code);
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.fixed.py')) continue;
    cases.push({ code, dir, file: path.join(dir, f.replace(/\.fixed\.py$/, '.py')) });
  }
}

const key = (f: { code: string; range: { start: { line: number; character: number } }; message: string }): string =>
  `${f.code}@${f.range.start.line}:${f.range.start.character}`;

describe('quick fixes: apply, compare, re-parse, re-check, re-apply', () => {
  it('has cases for the N+1 fixes', () => {
    const codes = new Set(cases.map((c) => c.code));
    for (const code of ['DJP101', 'DJP102', 'DJP103', 'DJP104', 'DJP105', 'DJP107', 'DJP109']) assert.ok(codes.has(code), `no fix case for ${code}`);
  });
  for (const c of cases) {
    it(`${c.code}/${path.basename(c.file)}`, async () => {
      const before = fs.readFileSync(c.file, 'utf8');
      const expected = fs.readFileSync(c.file.replace(/\.py$/, '.fixed.py'), 'utf8');
      const first = await analyzeInFolder(c.dir, c.file, before);
      const targeted = first.findings.filter((f) => f.code === c.code);
      assert.ok(targeted.length > 0, `${c.code} reports nothing in ${path.basename(c.file)}`);
      const { text: fixed, applied } = applyPreferredFixes(before, first.findings, c.code);
      assert.ok(applied > 0, `no preferred ${c.code} fix was offered`);
      assert.equal(fixed, expected);
      const second = await analyzeInFolder(c.dir, c.file, fixed);
      assert.equal(second.hasError, false, 'the fixed file does not parse cleanly');
      const fixedKeys = new Set(targeted.filter((f) => f.fixes?.some((x) => x.isPreferred)).map((f) => f.message));
      const stillThere = second.findings.filter((f) => f.code === c.code && fixedKeys.has(f.message));
      assert.deepEqual(stillThere.map(key), [], 'a fixed finding is still reported');
      const beforeCodes = new Map<string, number>();
      for (const f of first.findings) beforeCodes.set(f.code, (beforeCodes.get(f.code) ?? 0) + 1);
      const added = second.findings.filter((f) => f.code !== c.code && (beforeCodes.get(f.code) ?? 0) < second.findings.filter((g) => g.code === f.code).length);
      assert.deepEqual(added.map((f) => `${key(f)} ${f.message}`), [], 'the fix introduced new findings');
      const newOfCode = second.findings.filter((f) => f.code === c.code).length;
      assert.ok(newOfCode <= targeted.length - applied, `fixing ${c.code} left or created ${newOfCode} findings`);
      const again = applyPreferredFixes(fixed, second.findings, c.code);
      assert.equal(again.text, fixed, 'applying the fixes again changed the file (not idempotent)');
    });
  }
});
