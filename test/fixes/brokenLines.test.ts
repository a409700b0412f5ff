/**
 * A quick fix is not offered on a line with a syntax error: its text can pair with the broken token (an unclosed
 * quote) and make the file worse. The fuzz suite found one: `.select_related("owner")` written on a line with a
 * stray `"` opened a longer string. The finding itself stays.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/paths';
import { analyzeInFolder } from '../harness/applyFixes';

const DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'fixes', 'DJP101');
const VIEWS = path.join(DIR, 'views.py');
const CLEAN = 'from .models import Book\n\n\ndef all_titles(request):\n    return [(b.title, b.author.name) for b in Book.objects.all()]\n\n\nx = 1\n';

describe('quick fixes on broken lines', () => {
  it('a finding on a line with a syntax error keeps no fix; the same finding on a clean line has one', async () => {
    const clean = await analyzeInFolder(DIR, VIEWS, CLEAN);
    const ok = clean.findings.find((f) => f.code === 'DJP101');
    assert.ok(ok?.fixes?.length, 'the clean line offers the select_related fix');
    const broken = await analyzeInFolder(DIR, VIEWS, CLEAN.replace(' for b in', ' for}" b in'));
    assert.ok(broken.hasError);
    const f = broken.findings.find((x) => x.code === 'DJP101');
    assert.ok(f, 'the finding stays');
    assert.deepEqual(f.fixes ?? [], []);
    // A syntax error elsewhere in the file does not take the fix away.
    const elsewhere = await analyzeInFolder(DIR, VIEWS, CLEAN.replace('x = 1', 'x = (1'));
    assert.ok(elsewhere.hasError);
    assert.ok(elsewhere.findings.find((x) => x.code === 'DJP101')?.fixes?.length);
  });
});
