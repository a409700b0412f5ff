import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { CallerIndex } from '../../server/core/workspace/callerIndex';
import { MemoKey } from '../../server/core/memo';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';
import { FIXTURE_PROJECTS } from '../harness/paths';
import { scanProject } from '../harness/projectRun';

/** The search before the word filters: every text, a whole-word regular expression. */
function plainSearch(texts: readonly string[], name: string): string[] {
  const word = new RegExp(`(?<![\\w.])${name}\\b|\\.${name}\\b`);
  return texts.map((t, i) => (word.test(t) ? `/w/f${i}.py` : undefined)).filter((u): u is string => u !== undefined);
}

function indexOf(texts: readonly string[]): CallerIndex {
  return new CallerIndex({
    files: texts.map((_, i) => ({ uri: `/w/f${i}.py`, relPath: `f${i}.py` })),
    read: (uri) => texts[Number(/f(\d+)\.py$/.exec(uri)?.[1])],
    parse: () => undefined,
  });
}

describe('caller index: files mentioning a name', () => {
  const PIECES = ['helper', 'helpers', '_helper', 'helper_', 'x.helper', 'helper2', '2helper', 'helperé', 'éhelper', 'h', 'el', 'per',
    ' ', '\n', '(', ')', '.', ',', '#', '"', 'def ', 'import ', 'from a import ', 'ü', '😀', '\r\n', '\t', 'café', 'café()'];
  const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((xs) => xs.join(''));

  it('finds exactly the files the plain whole-word search finds (the word filters leave no match out)', () => {
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 12 }), fc.constantFrom('helper', 'h', 'per', 'helper_', 'café', 'el'), (texts, name) => {
      assert.deepEqual([...indexOf(texts).filesMentioning(name)], plainSearch(texts, name));
    }), { seed: 21, numRuns: 400 });
  });

  it('a name in a large file among many: found where used, not where only a longer word holds it', () => {
    const filler = Array.from({ length: 3000 }, (_, i) => `value_${i} = compute_${i}(row)\n`).join('');
    const texts = [`${filler}send_digest(user)\n`, `${filler}send_digest_later(user)\n`, `from app.mail import send_digest\n`, filler];
    assert.deepEqual([...indexOf(texts).filesMentioning('send_digest')], ['/w/f0.py', '/w/f2.py']);
  });
});

describe('caller index: a new index over a source whose texts changed', () => {
  it('a new index over the same source sees a file whose text changed, in both directions, and keeps the others', () => {
    const texts = ['def send_digest(user):\n    pass\n', 'x = 1\n', 'from app.mail import send_digest\n'];
    const source = { files: texts.map((_, i) => ({ uri: `/w/f${i}.py`, relPath: `f${i}.py` })), read: (uri: string) => texts[Number(/f(\d+)\.py$/.exec(uri)?.[1])], parse: () => undefined };
    assert.deepEqual([...new CallerIndex(source).filesMentioning('send_digest')], ['/w/f0.py', '/w/f2.py']);
    texts[1] = 'send_digest(me)\n';
    texts[2] = 'x = 2\n';
    assert.deepEqual([...new CallerIndex(source).filesMentioning('send_digest')], ['/w/f0.py', '/w/f1.py']);
    assert.deepEqual([...new CallerIndex(source).filesMentioning('me')], ['/w/f1.py']);
  });
});

describe('caller index: one index kept while open documents are edited', () => {
  const PIECES = ['send_digest', 'send_digest_later', 'x.send_digest', 'from app import send_digest', 'digest', ' ', '\n', '(', ')', '#', 'café'];
  const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((xs) => xs.join(''));
  const step = fc.oneof(
    fc.record({ edit: fc.nat(5), text }),
    fc.record({ look: fc.constantFrom('send_digest', 'digest', 'café') }),
  );

  it('after any edits, a name\'s files are those a new index finds, in the files\' order', () => {
    fc.assert(fc.property(fc.array(text, { minLength: 6, maxLength: 6 }), fc.array(step, { maxLength: 30 }), (initial, steps) => {
      const texts = [...initial];
      const index = indexOf(texts);
      for (const s of steps) {
        if ('edit' in s) {
          texts[s.edit] = s.text;
          index.textChanged(`/w/f${s.edit}.py`, s.text);
        } else {
          assert.deepEqual([...index.filesMentioning(s.look)], plainSearch(texts, s.look));
        }
      }
      for (const name of ['send_digest', 'digest', 'café']) assert.deepEqual([...index.filesMentioning(name)], plainSearch(texts, name));
    }), { seed: 7, numRuns: 300 });
  });

  it('a list already handed out is not changed by a later edit', () => {
    const texts = ['send_digest(a)\n', 'x = 1\n'];
    const index = indexOf(texts);
    const before = index.filesMentioning('send_digest');
    index.textChanged('/w/f1.py', 'send_digest(b)\n');
    assert.deepEqual([...index.filesMentioning('send_digest')], ['/w/f0.py', '/w/f1.py']);
    assert.deepEqual([...before], ['/w/f0.py']);
  });
});

describe('caller index: kept trees', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await PythonParser.load(nodeGrammarLocation());
  });

  it('trim keeps the most recently used trees and parses the others again on their next lookup', () => {
    const texts = ['a = 1\n', 'b = 2\n', 'c = 3\n'];
    const parsed: string[] = [];
    const index = new CallerIndex({
      files: texts.map((_, i) => ({ uri: `/w/f${i}.py`, relPath: `f${i}.py` })),
      read: (uri) => texts[Number(/f(\d+)\.py$/.exec(uri)?.[1])],
      parse: (text, uri) => {
        parsed.push(uri);
        return parser.parse(text);
      },
    });
    for (const uri of ['/w/f0.py', '/w/f1.py', '/w/f2.py', '/w/f0.py']) assert.ok(index.file(uri));
    assert.deepEqual(parsed, ['/w/f0.py', '/w/f1.py', '/w/f2.py']);
    index.trim(2); // f1 is the least recently used
    for (const uri of ['/w/f2.py', '/w/f0.py', '/w/f1.py']) assert.ok(index.file(uri));
    assert.deepEqual(parsed, ['/w/f0.py', '/w/f1.py', '/w/f2.py', '/w/f1.py']);
  });

  it('a change of the workspace facts drops what the kept trees carry (it read the old facts), not the trees or the texts', () => {
    const texts = ['a = 1\n', 'send_digest(b)\n'];
    let reads = 0;
    let parses = 0;
    const index = new CallerIndex({
      files: texts.map((_, i) => ({ uri: `/w/f${i}.py`, relPath: `f${i}.py` })),
      read: (uri) => {
        reads++;
        return texts[Number(/f(\d+)\.py$/.exec(uri)?.[1])];
      },
      parse: (text) => {
        parses++;
        return parser.parse(text);
      },
    });
    const DERIVED = new MemoKey<string>('derived from the facts');
    const first = index.file('/w/f1.py');
    first?.root.tree.memos.set(DERIVED, 'old facts');
    assert.deepEqual([...index.filesMentioning('send_digest')], ['/w/f1.py']);
    index.factsChanged();
    const second = index.file('/w/f1.py');
    assert.equal(second?.root, first?.root);
    assert.equal(second?.root.tree.memos.peek(DERIVED), undefined);
    assert.deepEqual([...index.filesMentioning('send_digest')], ['/w/f1.py']);
    assert.deepEqual([reads, parses], [2, 1]);
  });
});

describe('scan: trees shared by the caller lookups and the analysis pass', () => {
  it('a file a caller lookup parsed is analysed from that tree, with the same findings', async () => {
    const scan = await scanProject(path.join(FIXTURE_PROJECTS, 'caller_contexts'), {});
    assert.ok(scan.stats.reusedTrees > 0, 'the callers of reports.py and services.py are parsed before their own turn');
    // The findings and contexts themselves are those of the execution-context tests (test/workspace/executionContext.test.ts).
    assert.equal(scan.results.reduce((n, r) => n + r.findings.length, 0), 7);
  });

  it('by default, test and migration files are not parsed, and the other findings are those of a scan with tests', async () => {
    const project = path.join(FIXTURE_PROJECTS, 'run_contexts');
    const withTests = await scanProject(project, { checkTests: true });
    const byDefault = await scanProject(project, {});
    assert.ok(byDefault.stats.files < withTests.stats.files, 'fewer files analysed');
    const key = (r: { relPath: string; findings: { code: string; range: { start: { line: number } }; severity: string; message: string }[] }) =>
      r.findings.map((f) => `${r.relPath} ${f.range.start.line} ${f.code} ${f.severity} ${f.message}`);
    const testLike = new Set(withTests.results.flatMap((r) => r.findings.filter((f) => f.context?.kind === 'test' || f.context?.kind === 'migration')
      .map((f) => `${r.relPath} ${f.range.start.line} ${f.code} ${f.severity} ${f.message}`)));
    assert.ok(testLike.size > 0);
    assert.deepEqual(byDefault.results.flatMap(key), withTests.results.flatMap(key).filter((k) => !testLike.has(k)));
  });
});
