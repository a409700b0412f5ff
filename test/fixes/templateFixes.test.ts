/**
 * Quick fixes of template findings (DJP110/DJP111): they edit the view's queryset in another file, only where that
 * queryset is a literal chain; the annotate(Count) variant also edits the template. And the template directories
 * read from settings, for the forms projects write them in.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import { parser } from '../harness/applyFixes';
import { applyEdits } from '../lsp/client';
import { extractTemplateDirs } from '../../server/core/django/templateDirs';
import type { ScanResult } from '../../server/node/scan';

const project = path.join(FIXTURE_PROJECTS, 'n1_templates');

describe('template quick fixes edit the view', function () {
  this.timeout(60_000);
  let scan: ScanResult;
  before(async () => {
    scan = await scanProject(project);
  });
  const findingsOf = (rel: string) => scan.results.find((r) => r.relPath === rel)?.findings ?? [];
  const read = (rel: string): string => fs.readFileSync(path.join(project, rel), 'utf8');

  it('select_related is appended to a sliced literal queryset of an inclusion tag, before the slice', () => {
    const [finding] = findingsOf('site_templates/shelf/latest_books.html');
    assert.equal(finding?.code, 'DJP110');
    const fix = finding.fixes?.find((f) => f.isPreferred);
    assert.ok(fix);
    assert.equal(fix.applicability, 'safe');
    assert.deepEqual(fix.edits, []);
    assert.equal(fix.otherFiles?.length, 1);
    assert.match(fix.otherFiles![0].uri, /templatetags[\\/]shelf\.py$/);
    const fixed = applyEdits(read('bookshop/templatetags/shelf.py'), fix.otherFiles![0].edits);
    assert.match(fixed, /return \{"books": Book\.objects\.order_by\("-id"\)\.select_related\("author"\)\[:5\]\}/);
  });

  it('a count on the rows of the one view that renders the template: prefetch (safe) or annotate + template edit (unsafe)', () => {
    const [finding] = findingsOf('bookshop/templates/bookshop/author_counts.html');
    assert.equal(finding?.code, 'DJP111');
    const [prefetch, annotate] = finding.fixes ?? [];
    assert.equal(prefetch.message, 'Add .prefetch_related("books") to Author.objects.annotate(book_count=Count("books")) in AnnotatedAuthorList');
    assert.equal(annotate.applicability, 'unsafe');
    const view = applyEdits(read('bookshop/views.py'), annotate.otherFiles![0].edits);
    assert.match(view, /return Author\.objects\.annotate\(book_count=Count\("books"\)\)\.annotate\(Count\("books", distinct=True\)\)/);
    const template = applyEdits(read('bookshop/templates/bookshop/author_counts.html'), annotate.edits);
    assert.match(template, /\{\{ author\.books__count \}\}/);
  });

  it('no annotate fix when two views render the template, no fix at all for a row or a first()', () => {
    const counts = findingsOf('bookshop/templates/bookshop/book_list_plain.html').filter((f) => /reviews\.count/.test(f.message));
    assert.equal(counts.length, 1);
    assert.deepEqual(counts[0].fixes?.map((f) => f.applicability), ['safe'], 'one prefetch per view with a literal queryset, no annotate');
    for (const f of findingsOf('bookshop/templates/bookshop/book_detail_plain.html')) assert.equal(f.fixes, undefined, f.message);
  });
});

describe('template directories from settings', () => {
  const dirsOf = async (code: string): Promise<string[]> => extractTemplateDirs((await parser()).parse(code), '/srv/app/proj/settings.py');

  it('BASE_DIR forms: Path parents, os.path.dirname, os.path.join, /, parents[n], str()', async () => {
    assert.deepEqual(await dirsOf('from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\nTEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [BASE_DIR / "templates", str(BASE_DIR / "site" / "html")]}]\n'),
      ['/srv/app/templates', '/srv/app/site/html']);
    assert.deepEqual(await dirsOf('import os\nBASE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))\nTEMPLATES = [{"DIRS": [os.path.join(BASE_DIR, "templates")]}]\n'), ['/srv/app/templates']);
    assert.deepEqual(await dirsOf('from pathlib import Path\nROOT = Path(__file__).resolve().parents[1]\nTEMPLATE_DIRS = (ROOT / "tpl",)\n'), ['/srv/app/tpl']);
  });

  it('environ.Path arithmetic and loader directories; Jinja2 engines and unknown paths left out; relative literals kept relative', async () => {
    const code = [
      'import environ', 'root = environ.Path(__file__) - 2', 'EXTRA = [root("x/templates")]',
      'TEMPLATES = [',
      '  {"BACKEND": "django_jinja.backend.Jinja2", "DIRS": [root("jinja")]},',
      '  {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": EXTRA + [], "OPTIONS": {"loaders": [("some.Loader", root("classic"), get_dir()), "django.template.loaders.app_directories.Loader"]}},',
      '  {"DIRS": ["templates", os_unknown(), "/abs/tpl"]},',
      ']',
    ].join('\n');
    assert.deepEqual(await dirsOf(code), ['/srv/app/classic', './templates', '/abs/tpl']);
  });
});
