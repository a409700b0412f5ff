import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allRuleMeta } from '../../server/core/rules/registry';
import { renderRulesTable, RULES_TABLE_END, RULES_TABLE_START } from '../../server/core/rules/rulesTable';
import { DOCS_BASE_URL } from '../../server/core/rules/types';
import { REPO_ROOT } from '../harness/paths';

const SECTIONS = ['## What it does', '## Why is this slow', '## Example', '## Use instead'];

describe('rule docs and metadata', () => {
  it('every rule has a unique DJPnnn code, a kebab-case name, a summary and a docs URL to its page', () => {
    const codes = new Set<string>();
    const names = new Set<string>();
    for (const meta of allRuleMeta()) {
      assert.match(meta.code, /^DJP\d{3}$/);
      assert.match(meta.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(!codes.has(meta.code) && !names.has(meta.name), `${meta.code} duplicated`);
      codes.add(meta.code);
      names.add(meta.name);
      assert.ok(meta.summary.length > 20 && meta.summary.endsWith('.'), `${meta.code} summary`);
      assert.equal(meta.docsUrl, `${DOCS_BASE_URL}${meta.code}.md`);
    }
  });

  for (const meta of allRuleMeta()) {
    it(`docs/rules/${meta.code}.md has the standard sections`, () => {
      const file = path.join(REPO_ROOT, 'docs', 'rules', `${meta.code}.md`);
      assert.ok(fs.existsSync(file), `${file} is missing`);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(text.startsWith(`# ${meta.code}`), 'title names the code');
      for (const s of SECTIONS) assert.ok(text.includes(s), `${meta.code}.md lacks "${s}"`);
    });
  }

  it('the README rules table is current (run `npm run docs`)', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf(RULES_TABLE_START);
    const end = readme.indexOf(RULES_TABLE_END);
    assert.ok(start >= 0 && end > start, 'README has the rules-table markers');
    const current = readme.slice(start + RULES_TABLE_START.length, end).trim();
    assert.equal(current, renderRulesTable(allRuleMeta()));
  });
});
