/**
 * Every finding's one-line message (Problems panel, CLI text) is short like Ruff's and ESLint's: at most 120
 * characters, the gist and the cost, nothing cut in the middle of a word, code or bracket, no "..". The long
 * explanation is kept as the detail, and the hover shows it instead of repeating the message.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EXAMPLES, FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';
import { clipCode } from '../../server/core/text/clip';
import { conciseMessage, MAX_MESSAGE } from '../../server/core/rules/conciseMessage';
import { costInWords, describeFinding, explanation, messageGist } from '../../server/lsp/hover';
import type { ReportedFinding } from '../../server/core/analyzer';

const SETTINGS = { rows: 20, queryMs: 2 };

/** Problems of one piece of text; an empty list is clean. `source`: where its words come from (code, full text). */
function problems(text: string, source: string): string[] {
  const out: string[] = [];
  if (/(^|[^.])\.\.($|[^.])/.test(text)) out.push('has ".."');
  // An ellipsis right after a letter is a cut word unless that word is whole somewhere in the source or the text.
  for (const m of text.matchAll(/(\w+)…/g)) {
    const whole = new RegExp(`\\b${m[1]}(?![\\w…])`);
    if (!whole.test(source)) out.push(`cuts "${m[1]}" mid-word`);
  }
  // Outside quotes, brackets and backticks come in pairs: a cut never leaves one open.
  const code = text.replace(/"[^"]*"|'[^']*'/g, '""');
  if ((code.match(/`/g) ?? []).length % 2) out.push('has an unpaired backtick');
  let depth = 0;
  for (const c of code.replace(/`[^`]*`/g, '``')) {
    if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    if (depth < 0) break;
  }
  if (depth !== 0) out.push('has unbalanced brackets');
  return out;
}

describe('finding messages: one short line, the detail in the hover', function () {
  this.timeout(120_000);
  const projects = [path.join(EXAMPLES, 'shop'), ...fs.readdirSync(FIXTURE_PROJECTS).map((d) => path.join(FIXTURE_PROJECTS, d))];
  const findings: { where: string; finding: ReportedFinding; source: string }[] = [];

  before(async () => {
    for (const dir of projects) {
      const scan = await scanProject(dir, { checkTests: true });
      for (const r of scan.results) {
        for (const f of r.findings) findings.push({ where: `${path.relative(EXAMPLES, dir).startsWith('..') ? path.basename(dir) : 'shop'}/${r.relPath}:${f.range.start.line + 1} ${f.code}`, finding: f, source: r.text });
      }
    }
  });

  it('covers every rule family on real examples', () => {
    assert.ok(findings.length > 150, `${findings.length} findings`);
    const codes = new Set(findings.map((f) => f.finding.code));
    for (const c of ['DJP101', 'DJP105', 'DJP110', 'DJP202', 'DJP203', 'DJP301', 'DJP303', 'DJP403', 'DJP601', 'DJP604']) assert.ok(codes.has(c), `no ${c} finding`);
  });

  it(`every message is at most ${MAX_MESSAGE} characters, one line, with no cut word or bracket and no ".."`, () => {
    const bad = findings.flatMap(({ where, finding, source }) => {
      const p = problems(finding.message, `${source}\n${finding.detail ?? ''}`);
      if (finding.message.length > MAX_MESSAGE) p.push(`${finding.message.length} characters`);
      if (/\n/.test(finding.message)) p.push('more than one line');
      return p.length ? [`${where}: ${p.join(', ')}: ${finding.message}`] : [];
    });
    assert.deepEqual(bad, []);
  });

  it('a query cost is in the message; the long explanation is the detail', () => {
    for (const { where, finding } of findings) {
      if (finding.cost?.kind === 'queries') assert.match(finding.message, /\d+ \+ \d*[NMKL]|\d*[NMKL](·[NMKL])* queries/, `${where}: ${finding.message}`);
      if (finding.detail !== undefined) assert.ok(finding.detail.length > finding.message.replace(/….*$/, '').length, `${where}: the detail is the longer text`);
    }
    assert.ok(findings.some((f) => f.finding.detail !== undefined && f.finding.detail.length > 200), 'long explanations are kept');
  });

  it('the cost in words and the detail cut nothing in half and have no ".."', () => {
    const bad = findings.flatMap(({ where, finding, source }) => {
      const texts = [finding.detail ?? '', finding.cost ? costInWords(finding.cost, SETTINGS) : '', ...(finding.fixes ?? []).map((f) => f.message)];
      const p = texts.flatMap((t) => problems(t, `${source}\n${finding.detail ?? ''}`).map((x) => `${x}: ${t}`));
      return p.length ? [`${where}: ${p.join('; ')}`] : [];
    });
    assert.deepEqual(bad, []);
  });

  it('the hover gives the explanation and does not repeat the one-line message', () => {
    for (const { where, finding } of findings) {
      const hover = describeFinding(finding, SETTINGS);
      const gist = messageGist(finding.message);
      // A message cut short ("…") leaves the whole sentence to the hover; a complete one is not said again.
      if (gist.length >= 30 && !finding.message.includes('…')) assert.ok(!hover.includes(gist), `${where}: the hover repeats "${gist}"`);
      assert.ok(explanation(finding).length > 20 && hover.includes(explanation(finding)), `${where}: the hover explains`);
    }
  });

  it('clips code after whole arguments and closes its brackets', () => {
    assert.equal(clipCode('StockReservation.objects.filter(user=request.user, status=StockReservation.PENDING)', 70), 'StockReservation.objects.filter(user=request.user, …)');
    assert.equal(clipCode('Book.objects.filter(title="a, b, c, d, e, f")', 30), 'Book.objects.filter(…)');
    assert.equal(clipCode('x  =\n  1', 80), 'x = 1');
  });

  it('builds the gist from whole clauses and adds the cost', () => {
    const meta = { summary: 'A query runs once per loop iteration.' };
    const cost = { kind: 'queries' as const, base: 1, perRow: 1, rowFactors: ['rows of Book.objects.all()'] };
    assert.equal(conciseMessage('N+1: `b.author` runs one extra query per Book row; add select_related("author") to the queryset.', cost, meta),
      'N+1: `b.author` runs one extra query per Book row (1 + N queries)');
    const long = `Query in a loop: \`Book.objects.get(pk=x)\` runs once per iteration (1 + N queries, N = rows of ${'a'.repeat(90)}); fetch everything first.`;
    const short = conciseMessage(long, cost, meta);
    assert.ok(short.length <= MAX_MESSAGE && /1 \+ N queries/.test(short) && !/aaaa/.test(short), short);
  });

  it('a lock the code asks for and Django never takes is said as such, never as a 0 ms hold', () => {
    const never = { kind: 'lock' as const, rowKey: 'Stock rows', heldAcross: [], taken: false as const };
    assert.equal(conciseMessage('select_for_update().create() locks nothing.', never, { summary: '' }), 'select_for_update().create() locks nothing (no row lock taken)');
    assert.match(costInWords(never, SETTINGS), /^no row lock is taken on Stock rows/);
    const held = { kind: 'lock' as const, rowKey: 'Stock', heldAcross: ['requests.post'], estimatedHoldMs: 300 };
    assert.match(conciseMessage('Row lock held across I/O.', held, { summary: '' }), /row lock held ≈ 300 ms/);
  });
});
