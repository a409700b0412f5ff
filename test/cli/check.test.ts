import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli, tempProject } from '../harness/cli';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { readExpectations } from '../harness/expectations';

const project = path.join(FIXTURE_PROJECTS, 'n1_forward');
const views = path.join(project, 'library', 'views.py');

const MODELS = `from django.db import models

class Author(models.Model):
    name = models.CharField(max_length=10)

class Book(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
`;
const NPLUS1 = `from .models import Book

def v(request):
    return [b.author.name for b in Book.objects.all()]
`;

interface RowCol { row: number; column: number }
interface JsonFinding {
  code: string; message: string; detail: string | null; filename: string; location: RowCol; end_location: RowCol;
  fix: null | { applicability: string; message: string; edits: { content: string; location: RowCol; end_location: RowCol }[] };
  url: string; noqa_row: number; severity: string; cost: null | { kind: string; base: number; perRow: number; rowFactors: string[]; relationPath?: string };
}

describe('djperf check (CLI)', () => {
  it('text: path:row:col: CODE message, one per finding, exit 1', () => {
    const r = runCli(['check', '.'], project);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    const findings = lines.filter((l) => /^library\/views\.py:\d+:\d+: DJP101 /.test(l));
    const expected = [...readExpectations(fs.readFileSync(views, 'utf8')).expect.entries()].filter(([, c]) => c.has('DJP101')).map(([l]) => l + 1);
    assert.deepEqual(findings.map((l) => Number(l.split(':')[1])), expected);
    assert.match(lines[lines.length - 1], /^Found \d+ findings/);
  });

  it('json: ruff field names, 1-based locations, fix edits, url, noqa_row, severity and cost', () => {
    const r = runCli(['check', '--format', 'json'], project);
    assert.equal(r.code, 1, r.stderr);
    const all = JSON.parse(r.stdout) as JsonFinding[];
    assert.ok(all.length >= 5);
    const f = all.find((x) => (x.detail ?? x.message).includes('author__publisher') && x.fix)!;
    assert.ok(f, 'the chain finding is present');
    assert.deepEqual(Object.keys(f).sort(), ['code', 'context', 'cost', 'detail', 'end_location', 'filename', 'fix', 'location', 'message', 'noqa_row', 'severity', 'url'].sort());
    assert.equal(f.code, 'DJP101');
    assert.equal(f.filename, views);
    const line = fs.readFileSync(views, 'utf8').split('\n')[f.location.row - 1];
    assert.equal(line.slice(f.location.column - 1, f.end_location.column - 1), 'b.author');
    assert.equal(f.noqa_row, f.location.row);
    assert.equal(f.severity, 'warning');
    assert.equal(f.url, 'https://github.com/djperf/djperf/blob/main/docs/rules/DJP101.md');
    assert.equal(f.fix!.applicability, 'safe');
    assert.equal(f.fix!.edits[0].content, '.select_related("author__publisher")');
    assert.deepEqual(f.cost, { kind: 'queries', base: 1, perRow: 2, rowFactors: ['rows of books'], relationPath: 'author__publisher', model: 'library.Book' });
  });

  it('sarif: a valid 2.1.0 log for code scanning, with rule help URIs', () => {
    const r = runCli(['check', '--format', 'sarif', '.'], project);
    assert.equal(r.code, 1, r.stderr);
    const log = JSON.parse(r.stdout);
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'djperf');
    const rule = run.tool.driver.rules.find((x: { id: string }) => x.id === 'DJP101');
    assert.match(rule.helpUri, /docs\/rules\/DJP101\.md$/);
    assert.ok(rule.shortDescription.text.length > 10);
    assert.ok(run.results.length >= 5);
    for (const res of run.results) {
      assert.equal(run.tool.driver.rules[res.ruleIndex].id, res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      assert.ok(res.message.text);
      const loc = res.locations[0].physicalLocation;
      assert.equal(loc.artifactLocation.uri, 'library/views.py');
      assert.equal(loc.artifactLocation.uriBaseId, '%SRCROOT%');
      assert.ok(loc.region.startLine >= 1 && loc.region.startColumn >= 1);
    }
  });

  it('github: workflow-command annotations', () => {
    const r = runCli(['check', '--format=github', '.'], project);
    assert.equal(r.code, 1);
    const first = r.stdout.split('\n')[0];
    assert.match(first, /^::warning file=library\/views\.py,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=djperf DJP101 \(fk-read-per-row\)::DJP101 N\+1/);
  });

  it('exit 0 and "All checks passed!" on clean code; --exit-zero and --quiet', () => {
    const dir = tempProject({ 'app/models.py': MODELS, 'app/views.py': 'def v(request):\n    return 1\n' });
    let r = runCli(['check', dir], dir);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'All checks passed!\n');
    fs.writeFileSync(path.join(dir, 'app/views.py'), NPLUS1);
    r = runCli(['check', '--exit-zero', dir], dir);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /DJP101/);
    r = runCli(['check', '--quiet', dir], dir);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stdout, /Found/);
    fs.rmSync(dir, { recursive: true });
  });

  it('--select / --ignore and pyproject per-file-ignores decide what runs', () => {
    const dir = tempProject({ 'app/models.py': MODELS, 'app/views.py': NPLUS1 });
    assert.equal(runCli(['check', '--ignore', 'DJP101', '.'], dir).code, 0);
    assert.equal(runCli(['check', '--select', 'DJP2', '.'], dir).code, 0);
    assert.equal(runCli(['check', '--select', 'DJP1', '.'], dir).code, 1);
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.djperf.per-file-ignores]\n"app/views.py" = ["DJP1"]\n');
    assert.equal(runCli(['check', '.'], dir).code, 0);
    fs.rmSync(dir, { recursive: true });
  });

  it('exit 2 and the key named for a bad [tool.djperf] value or an unknown key', () => {
    const dir = tempProject({ 'app/views.py': NPLUS1, 'pyproject.toml': '[tool.djperf]\nselcet = ["DJP1"]\n' });
    let r = runCli(['check', '.'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pyproject\.toml: \[tool\.djperf\] selcet: unknown key \(did you mean "select"\?\)/);
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.djperf]\ntarget-django-version = "banana"\n');
    r = runCli(['check', '.'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /target-django-version: expected a version string/);
    fs.writeFileSync(path.join(dir, 'pyproject.toml'), '[tool.djperf\n');
    r = runCli(['check', '.'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /pyproject\.toml: invalid TOML/);
    fs.rmSync(dir, { recursive: true });
  });

  it('exit 2 on usage errors: unknown option, bad format, missing path, unknown command', () => {
    assert.equal(runCli(['check', '--frmat', 'json'], project).code, 2);
    const bad = runCli(['check', '--format', 'xml'], project);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be one of text, json, sarif, github/);
    const missing = runCli(['check', 'no/such/dir'], project);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or folder/);
    assert.equal(runCli(['frobnicate'], project).code, 2);
    assert.equal(runCli(['--version'], project).code, 0);
  });

  it('hostile files: broken, empty, 5 MB, non-UTF-8, binary — findings or one notice each, never a crash', () => {
    const big = `${'x = 1\n'.repeat(5 * 1024 * 1024 / 6)}`;
    const dir = tempProject({
      'app/models.py': MODELS,
      'app/broken.py': 'from .models import Book\n\ndef v(request):\n    for b in Book.objects.all(:\n        b.author.name\n    return [b.author.name for b in Book.objects.all()]\n',
      'app/empty.py': '',
      'app/huge.py': big,
      'app/latin.py': Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x22, 0xe9, 0x22, 0x0a]),
      'app/legacy.py': Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\nname = "'), Buffer.from([0xe9]), Buffer.from('"\n')]),
      'app/blob.py': Buffer.from([0x00, 0x01, 0x02, 0xff]),
      'app/slow.py': `def f():\n    return 1\n${Array.from({ length: 6000 }, (_, i) => `# note ${i}`).join('\n')}\n`,
    });
    const r = runCli(['check', '--format', 'json', '.'], dir);
    assert.equal(r.code, 1, r.stderr);
    const findings = JSON.parse(r.stdout) as JsonFinding[];
    assert.ok(findings.some((f) => f.filename.endsWith('broken.py') && f.code === 'DJP101'), 'the parsable part of a broken file is still analysed');
    assert.match(r.stderr, /huge\.py: skipped: 5\.0 MB is over the 2\.0 MB limit/);
    assert.match(r.stderr, /latin\.py: skipped: not valid utf-8/);
    assert.match(r.stderr, /blob\.py: skipped: binary file/);
    assert.match(r.stderr, /slow\.py: skipped: parsing took longer than 3\.0 s and was abandoned/);
    assert.doesNotMatch(r.stderr, /legacy\.py|internal error/);
    fs.rmSync(dir, { recursive: true });
  });
});
