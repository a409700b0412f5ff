/**
 * Issue 8, part 1: property-based fuzzing of the analyzer and of every quick fix. Inputs are the real fixtures
 * (test/fixtures/** and examples/shop/**) under random edits, random bytes, odd line endings and encodings. Each
 * analysis runs in the fixture's own workspace (its models, settings and URLconfs), so rules and fixes really fire.
 * Properties: no exception, no rule-failure notice, analysis < 1 s per file (parse excluded), every offered fix
 * leaves no more syntax errors than it found. Fixed seeds and bounded runs: deterministic and < 60 s in CI.
 */
import { spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { decodePython } from '../../server/node/sourceFiles';
import { analyseChecked, checkEveryFix, fixtures, type Fixture } from './harness';

const TOKENS = [
  'for x in ', '.objects.', 'await ', 'async def ', '(', ')', ':', '[', ']', '{', '}', ',', '.', '=', '"', "'", '"""', '#', '\\',
  '\n', '\r\n', '\r', '\t', '    ', ' ', 'lambda: ', 'yield ', 'return ', 'def f(', 'class C(models.Model):\n', 'if x:\n',
  'with transaction.atomic():\n', '.select_related(', '.prefetch_related(', '.select_for_update()', '.all()', '.filter(',
  'sync_to_async(', 'async for b in ', 'time.sleep(1)', 'requests.get(u)', 'Book.objects.get(pk=1)', '.author', '__',
  '\0', '\uFEFF', '\u2028', 'é', '😀', '\uD800', 'f"{', '}"', ':=', '*', '**', '@', 'not ', ' if x else ', 'in ',
];

type Edit =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'insert'; at: number; token: string }
  | { kind: 'duplicate'; at: number; len: number; to: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }), to: fc.nat() }),
);

function applyEdit(text: string, e: Edit): string {
  const n = text.length + 1;
  const at = e.at % n;
  switch (e.kind) {
    case 'delete': return text.slice(0, at) + text.slice(at + e.len);
    case 'insert': return text.slice(0, at) + e.token + text.slice(at);
    case 'duplicate': {
      const span = text.slice(at, at + e.len);
      const to = e.to % n;
      return text.slice(0, to) + span + text.slice(to);
    }
  }
}

const all = fixtures();
const fixtureArb: fc.Arbitrary<Fixture> = fc.constantFrom(...all);

describe('fuzz: analyzer and quick fixes on hostile input', function () {
  this.timeout(120_000);

  it('finds the fixtures and their workspaces', () => {
    assert.ok(all.length >= 100, `only ${all.length} fixtures`);
    assert.ok(all.some((f) => f.file.includes(`${path.sep}examples${path.sep}shop${path.sep}`)));
  });

  it('every fixture as it is: no failure, every fix offered parses', async () => {
    let fixes = 0;
    for (const f of all) {
      const a = await analyseChecked(f.file, f.text, { root: f.root });
      fixes += await checkEveryFix(f.file, f.text, a);
    }
    assert.ok(fixes >= 20, `only ${fixes} fixes were offered: the workspaces are not wired (rules do not fire)`);
  });

  it('random edits of the fixtures (delete / insert tokens / duplicate spans)', async () => {
    let fixes = 0;
    await fc.assert(
      fc.asyncProperty(fixtureArb, fc.array(editArb, { minLength: 1, maxLength: 6 }), async (f, edits) => {
        const text = edits.reduce(applyEdit, f.text);
        const a = await analyseChecked(f.file, text, { root: f.root });
        fixes += await checkEveryFix(f.file, text, a);
      }),
      { numRuns: 250, seed: 8_001, endOnFailure: true },
    );
    assert.ok(fixes > 0, 'no fix was offered on any mutated fixture');
  });

  it('random edits with endpoint profiles built (DJP6xx) over the mutated workspace', async () => {
    const shop = all.filter((f) => /[\\/]examples[\\/]shop[\\/]/.test(f.file) && !/migrations/.test(f.file));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...shop), fc.array(editArb, { minLength: 1, maxLength: 4 }), async (f, edits) => {
        const text = edits.reduce(applyEdit, f.text);
        const a = await analyseChecked(f.file, text, { root: f.root, profiles: true });
        await checkEveryFix(f.file, text, a);
      }),
      { numRuns: 12, seed: 8_002, endOnFailure: true },
    );
  });

  it('random byte strings: decodePython never throws; whatever it accepts is analysed', async () => {
    const views = all.find((f) => f.file.endsWith(path.join('n1_forward', 'library', 'views.py')))!;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), async (bytes, cookie) => {
        const input = cookie ? new Uint8Array([...Buffer.from('# -*- coding: latin-1 -*-\n'), ...bytes]) : bytes;
        const decoded = decodePython(views.file, input);
        if ('text' in decoded) await analyseChecked(views.file, decoded.text, { root: views.root });
        else assert.ok(decoded.message.startsWith('skipped: '), decoded.message);
        // The language server gets text, not bytes: a lossy decode must be analysable too.
        const lossy = new TextDecoder('utf-8').decode(bytes);
        await analyseChecked(views.file, lossy, { root: views.root });
      }),
      { numRuns: 150, seed: 8_003, endOnFailure: true },
    );
  });

  it('fixtures with CRLF, CR, mixed line endings, tab indentation, a BOM and NUL bytes', async () => {
    const variants: [string, (t: string) => string][] = [
      ['crlf', (t) => t.replace(/\n/g, '\r\n')],
      ['cr', (t) => t.replace(/\n/g, '\r')],
      ['mixed', (t) => t.split('\n').map((l, i) => l + ['\n', '\r\n', '\r'][i % 3]).join('')],
      ['tabs', (t) => t.replace(/^( {4})+/gm, (m) => '\t'.repeat(m.length / 4))],
      ['mixed tabs and spaces', (t) => t.replace(/^( {4})+/gm, (m) => (m.length > 4 ? `\t${m.slice(4)}` : m))],
      ['bom', (t) => `\uFEFF${t}`],
      ['nul', (t) => t.replace(/\n\n/g, '\n\0\n')],
      ['form feeds', (t) => t.replace(/\n\n/g, '\n\f\n')],
    ];
    for (const f of all) {
      for (const [, variant] of variants) {
        const text = variant(f.text);
        const a = await analyseChecked(f.file, text, { root: f.root });
        await checkEveryFix(f.file, text, a);
      }
    }
  });

  it('decodePython: NUL bytes, invalid UTF-8, unknown and legacy codecs, BOM, minified and generated files', () => {
    const file = '/p/x.py';
    const notice = (bytes: Uint8Array): string => {
      const r = decodePython(file, bytes);
      return 'message' in r ? r.message : `text:${r.text}`;
    };
    assert.equal(notice(Buffer.from('x = 1\0\n')), 'skipped: binary file (contains NUL bytes)');
    assert.equal(notice(Buffer.from([0x78, 0x3d, 0xff, 0xfe, 0x0a])), 'skipped: not valid utf-8');
    assert.equal(notice(Buffer.from([0xc3])), 'skipped: not valid utf-8');
    assert.equal(notice(Buffer.from([0xed, 0xa0, 0x80])), 'skipped: not valid utf-8', 'an encoded lone surrogate');
    assert.equal(notice(Buffer.from('# coding: klingon\nx = 1\n')), 'skipped: unknown encoding "klingon"');
    // windows-1252 as Python decodes it (Node's TextDecoder maps 0x80-0x9F like latin-1): the same characters as
    // /usr/bin/python3's cp1252 codec, one UTF-16 unit per byte (positions stay right), and its five holes refused.
    const cookie = Buffer.from('# vim: set fileencoding=cp1252 :\nx = "');
    const high = [...Array(32).keys()].map((i) => 0x80 + i);
    const defined = high.filter((b) => ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(b));
    const cp = decodePython(file, Buffer.concat([cookie, Buffer.from([...defined, 0xe9]), Buffer.from('"\n')]));
    const python = spawnSync('/usr/bin/python3', ['-c', `import sys; sys.stdout.write(bytes(${JSON.stringify([...defined, 0xe9])}).decode('cp1252'))`], { encoding: 'utf8' });
    assert.equal(python.status, 0, python.stderr);
    assert.ok('text' in cp && cp.text === `${cookie.toString('latin1')}${python.stdout}"\n`, JSON.stringify(cp));
    for (const hole of [0x81, 0x8d, 0x8f, 0x90, 0x9d]) {
      assert.equal(notice(Buffer.concat([cookie, Buffer.from([hole]), Buffer.from('"\n')])), 'skipped: not valid windows-1252');
    }
    assert.equal(notice(Buffer.from('\uFEFFx = 1\n')), 'text:x = 1\n');
    assert.equal(notice(Buffer.from(`x = [${'1,'.repeat(150_000)}]\n`)), 'skipped: generated or minified file');
    assert.equal(notice(Buffer.from('# @generated by protoc\nx = 1\n')), 'skipped: generated or minified file');
    assert.equal(notice(new Uint8Array(0)), 'text:');
  });

  it('a 10 MB single line: the hosts skip dense ones; a huge literal line is analysed within the budgets', async () => {
    const views = all.find((f) => f.file.endsWith(path.join('n1_forward', 'library', 'views.py')))!;
    // Half a million calls on one line: the CLI (decodePython, max-file-size) and the server (maxFileSize) never analyse it.
    const dense = `x = [${'Book.objects.all(), '.repeat(10 * 1024 * 1024 / 20)}]`;
    assert.ok(dense.length >= 10 * 1024 * 1024);
    const decoded = decodePython(views.file, Buffer.from(dense));
    assert.ok('message' in decoded && decoded.message === 'skipped: generated or minified file');
    // What any host could still hand over: one 10 MB line that is a single string and a comment, around real code.
    const huge = `from .models import Book\nBLOB = "${'é😀x\t '.repeat(10 * 1024 * 1024 / 6)}"  # ${'#'.repeat(1000)}\n` +
      'def v(request):\r\n    return [b.author.name for b in Book.objects.all()]\n';
    const a = await analyseChecked(views.file, huge, { root: views.root });
    if (a.parsed) {
      assert.ok(a.findings.some((f) => f.code === 'DJP101'), 'the code after the huge line is still analysed');
      await checkEveryFix(views.file, huge, a);
    }
  });
});
