import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/paths';
import { analyzeInFolder, applyPreferredFixes, parser } from '../harness/applyFixes';
import { analyzeFile } from '../../server/core/analyzer';
import { defaultConfig } from '../../server/core/config/config';
import { LineMap } from '../../server/core/parsing/textDocument';
import { WorkspaceIndex } from '../../server/core/workspace/workspaceIndex';
import { extractFileFacts } from '../../server/core/workspace/fileFacts';

const FIXES = path.join(REPO_ROOT, 'test', 'fixtures', 'fixes');
const MINE = /^DJP[234]\d\d$/;

const cases: { code: string; dir: string; file: string }[] = [];
for (const code of fs.existsSync(FIXES) ? fs.readdirSync(FIXES).filter((c) => MINE.test(c)).sort() : []) {
  const dir = path.join(FIXES, code);
  for (const f of fs.readdirSync(dir).sort()) {
    if (f.endsWith('.fixed.py')) cases.push({ code, dir, file: path.join(dir, f.replace(/\.fixed\.py$/, '.py')) });
  }
}

async function analyzeWithTarget(text: string, target: [number, number]) {
  const p = await parser();
  const modelsFile = path.join(FIXES, 'DJP302', 'models.py');
  const modelsText = fs.readFileSync(modelsFile, 'utf8');
  const index = new WorkspaceIndex();
  const mt = p.parse(modelsText);
  index.setFile(modelsFile, extractFileFacts(mt, modelsFile, modelsText));
  const tree = p.parse(text);
  const config = { ...defaultConfig(), targetDjango: target };
  const uri = path.join(FIXES, 'DJP302', 'inline.py');
  return analyzeFile({ uri, text, tree, lineMap: new LineMap(text) }, index.facts(), config, { relPath: 'inline.py' }).findings;
}

describe('async and lock quick fixes (DJP2xx-DJP4xx)', () => {
  it('has a case for every rule family with a fix', () => {
    const codes = new Set(cases.map((c) => c.code));
    for (const code of ['DJP204', 'DJP301', 'DJP302', 'DJP303', 'DJP304', 'DJP402', 'DJP404', 'DJP405']) assert.ok(codes.has(code), `no fix case for ${code}`);
  });

  for (const c of cases) {
    it(`${c.code}/${path.basename(c.file)}: apply, compare, re-parse, re-check, re-apply`, async () => {
      const before = fs.readFileSync(c.file, 'utf8');
      const expected = fs.readFileSync(c.file.replace(/\.py$/, '.fixed.py'), 'utf8');
      const first = await analyzeInFolder(c.dir, c.file, before);
      const targeted = first.findings.filter((f) => f.code === c.code);
      assert.ok(targeted.length > 0, `${c.code} reports nothing`);
      const { text: fixed, applied } = applyPreferredFixes(before, first.findings, c.code);
      assert.equal(applied, targeted.filter((f) => f.fixes?.some((x) => x.isPreferred)).length, 'every preferred fix applies');
      assert.equal(fixed, expected);
      const second = await analyzeInFolder(c.dir, c.file, fixed);
      assert.equal(second.hasError, false, 'the fixed file does not parse cleanly');
      assert.deepEqual(second.findings.filter((f) => f.code === c.code).map((f) => `${f.range.start.line + 1}: ${f.message}`), [], 'findings remain');
      const count = (fs: readonly { code: string }[]) => fs.reduce((m, f) => m.set(f.code, (m.get(f.code) ?? 0) + 1), new Map<string, number>());
      const b = count(first.findings);
      const newOnes = [...count(second.findings)].filter(([code, n]) => n > (b.get(code) ?? 0));
      assert.deepEqual(newOnes, [], 'the fix introduced new findings');
      assert.equal(applyPreferredFixes(fixed, second.findings, c.code).text, fixed, 'not idempotent');
    });
  }

  describe('target Django version', () => {
    const src = [
      'from django.core.cache import cache',
      'from .models import Post',
      '',
      '',
      'async def view(request, pk):',
      '    post = Post.objects.get(pk=pk)',
      '    hits = cache.get("hits")',
      '    post.save()',
      '    return request.user.username',
      '',
    ].join('\n');

    it('3.2: no async ORM or cache API is suggested; sync_to_async instead', async () => {
      const findings = await analyzeWithTarget(src, [3, 2]);
      const fixTexts = findings.flatMap((f) => (f.fixes ?? []).flatMap((x) => [x.message, ...x.edits.map((e) => e.newText)])).join('\n');
      assert.doesNotMatch(fixTexts, /\baget\b|\basave\b|auser/);
      assert.doesNotMatch(findings.map((f) => f.detail ?? f.message).join('\n'), /Use `await [^`]*\.a(get|save|user)\(/);
      const orm = findings.find((f) => f.code === 'DJP302' && f.range.start.line === 5);
      assert.ok(orm, 'DJP302 on get()');
      assert.match(orm.detail ?? orm.message, /sync_to_async/);
      assert.ok(orm.fixes?.[0]?.edits.some((e) => e.newText.includes('sync_to_async(Post.objects.get)(pk=pk)')));
      assert.equal(orm.fixes?.[0]?.applicability, 'unsafe');
      assert.ok(!findings.find((f) => f.code === 'DJP304')?.fixes, 'no cache fix before 4.0');
    });

    it('4.1: queryset aget but no model asave (4.2) and no request.auser (5.0)', async () => {
      const findings = await analyzeWithTarget(src, [4, 1]);
      const get = findings.find((f) => f.code === 'DJP302' && f.range.start.line === 5);
      assert.ok(get?.fixes?.[0]?.edits.some((e) => e.newText === 'aget'));
      const save = findings.find((f) => f.code === 'DJP302' && f.range.start.line === 7);
      assert.ok(save && !save.fixes?.some((x) => x.edits.some((e) => e.newText.includes('asave'))));
      const user = findings.find((f) => f.code === 'DJP303');
      assert.ok(user && !user.fixes && !/await request\.auser\(\)`/.test(user.message.split('needs Django 5.0')[0].replace('request.auser() ', '')));
    });

    it('5.2: request.auser() is offered', async () => {
      const findings = await analyzeWithTarget(src, [5, 2]);
      const user = findings.find((f) => f.code === 'DJP303');
      assert.ok(user?.fixes?.[0]?.edits.some((e) => e.newText === '(await request.auser())'));
    });
  });
});
