// Regenerates the README's rules table from the rule registry (run after `npm run compile`).
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { allRuleMeta } = require('../out/server/core/rules/registry.js');
const { renderRulesTable, replaceRulesTable } = require('../out/server/core/rules/rulesTable.js');
const file = new URL('../README.md', import.meta.url);
fs.writeFileSync(file, replaceRulesTable(fs.readFileSync(file, 'utf8'), renderRulesTable(allRuleMeta())));
console.log('README.md rules table updated');
