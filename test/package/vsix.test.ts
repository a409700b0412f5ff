import * as assert from 'node:assert/strict';
import { Commands } from '../../server/lsp/protocol';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/paths';
import { SETTING_KEYS } from '../../server/lsp/settings';

/** Names in a zip's central directory (a .vsix is a zip); no unzip binary or dependency needed. */
export function zipEntries(zip: Buffer): string[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'not a zip: no end-of-central-directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50, 'bad central directory entry');
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.toString('utf8', offset + 46, offset + 46 + nameLength));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

describe('the .vsix package', function () {
  this.timeout(180_000);
  let dir: string;
  let vsix: string;
  let entries: string[];

  before(() => {
    assert.ok(fs.existsSync(path.join(REPO_ROOT, 'dist', 'server.js')), 'run `npm run build` first');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-vsix-'));
    vsix = path.join(dir, 'djperf.vsix');
    const vsce = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
    // package.json's repository URL is a placeholder, so vsce cannot rewrite the README's relative links by itself;
    // the base URLs are where DOCS_BASE_URL (server/core/rules/types.ts) points.
    const base = ['--baseContentUrl', 'https://github.com/djperf/djperf/blob/main', '--baseImagesUrl', 'https://github.com/djperf/djperf/raw/main'];
    execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', ...base, '--out', vsix], { cwd: REPO_ROOT, stdio: 'pipe' });
    entries = zipEntries(fs.readFileSync(vsix)).map((e) => e.replace(/^extension\//, ''));
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds the server, the extension, both grammar WASM files and the webview assets', () => {
    for (const f of ['package.json', 'dist/extension.js', 'dist/server.js', 'dist/web-tree-sitter.wasm', 'dist/tree-sitter-python.wasm']) {
      assert.ok(entries.includes(f), `${f} missing from the .vsix: ${entries.join(', ')}`);
    }
    // vsce stores them as readme.md and LICENSE.txt.
    assert.ok(entries.some((e) => /^readme\.md$/i.test(e)), 'README');
    assert.ok(entries.some((e) => /^license(\.txt)?$/i.test(e)), 'LICENSE');
    assert.ok(entries.includes('docs/rules/DJP101.md'), 'rule documentation');
    const webview = path.join(REPO_ROOT, 'dist', 'webview');
    if (fs.existsSync(webview)) {
      for (const f of fs.readdirSync(webview).filter((n) => !n.endsWith('.map'))) assert.ok(entries.includes(`dist/webview/${f}`), `dist/webview/${f} missing`);
    }
  });

  it('leaves out sources, tests, node_modules, compiled tests and source maps', () => {
    const unwanted = entries.filter((e) =>
      /^(server|extension|webview|test|out|node_modules|scripts|bench|examples|grammars)\//.test(e) || /\.(ts|map)$/.test(e) || e === 'tsconfig.json');
    assert.deepEqual(unwanted, []);
  });

  it('is smaller than 5 MB', () => {
    const size = fs.statSync(vsix).size;
    assert.ok(size < 5 * 1024 * 1024, `${(size / 1048576).toFixed(1)} MB`);
  });
});

describe('package.json contributions', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

  it('declares every setting the server reads, with a description and a default', () => {
    const properties = pkg.contributes.configuration.properties as Record<string, { default?: unknown; description?: string; markdownDescription?: string }>;
    assert.deepEqual(Object.keys(properties).sort(), SETTING_KEYS.map((k) => `djperf.${k}`).sort());
    for (const [key, p] of Object.entries(properties)) {
      assert.ok(p.description || p.markdownDescription, `${key} has no description`);
      assert.ok('default' in p, `${key} has no default`);
    }
  });

  it('declares every command the extension registers, activation events and untrusted-workspace support', () => {
    const commands = (pkg.contributes.commands as { command: string; title: string }[]).map((c) => c.command).sort();
    assert.deepEqual(commands, Object.values(Commands).sort());
    assert.deepEqual(pkg.activationEvents, ['onLanguage:python', 'onLanguage:django-html', 'workspaceContains:**/manage.py']);
    // Django templates reach the server (it judges those in a template directory): the client must send them.
    const main = fs.readFileSync(path.join(REPO_ROOT, 'extension', 'main.ts'), 'utf8');
    for (const language of ['django-html', 'html', 'jinja-html']) assert.match(main, new RegExp(`language: '${language}'`), `documentSelector lacks ${language}`);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);
  });
});
