import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './harness/paths';

function tsFiles(dir: string): string[] {
  const abs = path.join(REPO_ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(abs, f));
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)|import\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    out.push(m[1] ?? m[2] ?? m[3]);
  }
  return out;
}

const NODE_BUILTINS = /^(node:|fs$|path$|os$|child_process$|worker_threads$|http$|net$|url$)/;

describe('architecture (the design card as tests)', () => {
  it('the analysis core and the simulator never touch the file system, Node built-ins or vscode (web-worker build stays possible)', () => {
    const offenders: string[] = [];
    for (const file of [...tsFiles('server/core'), ...tsFiles('webview/sim')]) {
      for (const spec of imports(file)) {
        if (NODE_BUILTINS.test(spec) || spec === 'vscode') offenders.push(`${path.relative(REPO_ROOT, file)} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('nothing under server/ or webview/ imports vscode; the simulator has no DOM access', () => {
    const offenders: string[] = [];
    for (const file of [...tsFiles('server'), ...tsFiles('webview')]) {
      if (imports(file).includes('vscode')) offenders.push(path.relative(REPO_ROOT, file));
    }
    for (const file of tsFiles('webview/sim')) {
      const code = fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      if (/(?<![.\w$])(document|window|navigator)\./.test(code)) offenders.push(`${path.relative(REPO_ROOT, file)} uses the DOM`);
    }
    assert.deepEqual(offenders, []);
  });

  it('the extension stays thin: it does not import the analysis core', () => {
    const offenders = tsFiles('extension').filter((f) => imports(f).some((s) => s.includes('server/core/') && !s.includes('/types') && !s.includes('protocol')));
    assert.deepEqual(offenders.map((f) => path.relative(REPO_ROOT, f)), []);
  });

  it('only the parsing layer touches web-tree-sitter: the analysis reads the JavaScript copy of each tree', () => {
    const parsing = new Set(['pythonParser.ts', 'wasmTreeCopy.ts', 'wasmTreeMemory.ts', 'textDocument.ts'].map((f) => path.join(REPO_ROOT, 'server/core/parsing', f)));
    const offenders = tsFiles('server').filter((f) => !parsing.has(f) && imports(f).includes('web-tree-sitter'));
    assert.deepEqual(offenders.map((f) => path.relative(REPO_ROOT, f)), []);
  });
  it('the Python layer (server/core/python) depends on nothing above it: the semantic model knows no Django and no rule', () => {
    const allowed = ['server/core/python', 'server/core/parsing', 'server/core/memo.ts'].map((d) => path.join(REPO_ROOT, d));
    const offenders: string[] = [];
    for (const file of tsFiles('server/core/python')) {
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = path.resolve(path.dirname(file), spec);
        if (!allowed.some((a) => target === a.replace(/\.ts$/, '') || target.startsWith(`${a}/`) || target === a)) {
          offenders.push(`${path.relative(REPO_ROOT, file)} imports ${spec}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });
  for (const layer of ['server/core', 'server/node']) it(`${layer} has no import cycle at run time (type-only imports aside): each module can be read on its own`, () => {
    const graph = new Map<string, string[]>();
    for (const file of tsFiles(layer)) {
      const text = fs.readFileSync(file, 'utf8');
      const deps: string[] = [];
      for (const m of text.matchAll(/^(?:import|export)\s(?!type\b)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)) {
        const target = `${path.resolve(path.dirname(file), m[1])}.ts`;
        if (fs.existsSync(target)) deps.push(target);
      }
      graph.set(file, deps);
    }
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]): void => {
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) {
        if (state.get(dep) === 'open') cycles.push([...trail.slice(trail.indexOf(dep)), dep].map((f) => path.relative(REPO_ROOT, f)).join(' -> '));
        else if (!state.has(dep)) visit(dep, [...trail, dep]);
      }
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file, [file]);
    assert.deepEqual(cycles, []);
  });
});
