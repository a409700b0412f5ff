// One build script with named contexts: extension, server, cli, webview. Flags: --watch, --production.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.dirname(path.dirname(new URL(import.meta.url).pathname));
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const dist = path.join(root, 'dist');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  define: { DJPERF_VERSION: JSON.stringify(pkg.version) },
  absWorkingDir: root,
};

// web-tree-sitter's ESM build reads import.meta.url; in a CommonJS bundle that must be the bundle's own URL.
const importMetaShim = {
  define: { ...common.define, 'import.meta.url': '__djperfImportMetaUrl' },
  banner: { js: "const __djperfImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

const contexts = {
  extension: { ...common, entryPoints: ['extension/main.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  server: { ...common, ...importMetaShim, entryPoints: ['server/lsp/main.ts'], outfile: 'dist/server.js', platform: 'node', format: 'cjs', target: 'node20' },
  cli: {
    ...common, ...importMetaShim, entryPoints: ['server/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20',
    banner: { js: `#!/usr/bin/env node\n${importMetaShim.banner.js}` },
  },
  scanWorker: { ...common, ...importMetaShim, entryPoints: ['server/node/scanWorker.ts'], outfile: 'dist/scanWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
  webview: { ...common, entryPoints: ['webview/ui/main.ts'], outfile: 'dist/webview/main.js', platform: 'browser', format: 'iife', target: 'es2022' },
  simWorker: { ...common, entryPoints: ['webview/ui/simWorker.ts'], outfile: 'dist/webview/simWorker.js', platform: 'browser', format: 'iife', target: 'es2022' },
};

function copyAssets() {
  fs.mkdirSync(path.join(dist, 'webview'), { recursive: true });
  const assets = [
    [require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'web-tree-sitter.wasm'],
    [path.join(path.dirname(require.resolve('tree-sitter-python/package.json')), 'tree-sitter-python.wasm'), 'tree-sitter-python.wasm'],
  ];
  for (const [from, to] of assets) fs.copyFileSync(from, path.join(dist, to));
  const css = path.join(root, 'webview/ui/style.css');
  if (fs.existsSync(css)) fs.copyFileSync(css, path.join(dist, 'webview/style.css'));
}

const wanted = Object.keys(contexts).filter((name) => fs.existsSync(path.join(root, contexts[name].entryPoints[0])));
fs.mkdirSync(dist, { recursive: true });
copyAssets();
if (watch) {
  for (const name of wanted) await (await esbuild.context(contexts[name])).watch();
  console.log(`watching ${wanted.join(', ')}`);
} else {
  await Promise.all(wanted.map((name) => esbuild.build(contexts[name])));
  fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
  console.log(`built ${wanted.join(', ')} into dist/${production ? ' (production)' : ''}`);
}
