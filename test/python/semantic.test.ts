import * as assert from 'node:assert/strict';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import type { Node, Tree } from '../../server/core/parsing/syntaxTree';
import { resolveName } from '../../server/core/python/semantic/bindings';
import { qualifiedName, typeOf, useWorkspaceTypes } from '../../server/core/python/semantic/infer';
import { exportedTypes, mayExportTypes } from '../../server/core/python/semantic/moduleTypes';
import { ModuleTypeIndex } from '../../server/core/workspace/moduleTypeIndex';
import { parseAnnotationText, type PyType } from '../../server/core/python/semantic/types';
import { nodeGrammarLocation } from '../../server/node/grammarFiles';

let parser: PythonParser;
before(async () => { parser = await PythonParser.load(nodeGrammarLocation()); });

/** The `occurrence`-th identifier, attribute or call spelled `text`. */
function at(tree: Tree, text: string, occurrence = 0): Node {
  const hits = tree.namedNodes.filter((n) => n.text === text && (n.type === 'identifier' || n.type === 'attribute' || n.type === 'call'));
  const node = hits[occurrence];
  assert.ok(node, `no node spelled ${text}`);
  return node;
}

function show(t: PyType | undefined): string {
  if (!t) return 'unknown';
  switch (t.kind) {
    case 'symbol': return `symbol ${t.name}`;
    case 'instance': return `${t.cls}${t.args ? `[${t.args.map(show).join(', ')}]` : ''}`;
    case 'class': return `class ${t.cls}`;
    case 'function': return `function ${t.name}`;
    case 'union': return t.members.map(show).join(' | ');
  }
}

const typed = (src: string, expr: string, occurrence = 0): string => {
  const tree = parser.parse(src);
  return show(typeOf(at(tree, expr, occurrence)));
};

describe('semantic model: bindings', () => {
  it('follows LEGB: locals shadow module names, class bodies do not enclose methods, global jumps to the module', () => {
    const src = [
      'x = 1',
      'class C:',
      '    x = "class"',
      '    def m(self):',
      '        return x',
      'def f():',
      '    x = 2',
      '    def g():',
      '        return x',
      '    return g',
      'def h():',
      '    global x',
      '    return x',
      '',
    ].join('\n');
    const tree = parser.parse(src);
    const reads = tree.namedNodes.filter((n) => n.type === 'identifier' && n.text === 'x' && n.parent?.type === 'return_statement');
    const lines = reads.map((r) => {
      const res = resolveName('x', r);
      return res.kind === 'binding' ? res.binding.node.startPosition.row + 1 : res.kind;
    });
    assert.deepEqual(lines, [1, 7, 1]);
  });

  it('a name read before its assignment in the same function is local, not the module one or a builtin', () => {
    const tree = parser.parse('import time\ndef f():\n    time.sleep(1)\n    time = 3\n');
    assert.equal(resolveName('time', at(tree, 'time', 1)).kind, 'local');
  });

  it('a walrus in a comprehension binds in the enclosing function; comprehension targets do not leak', () => {
    const tree = parser.parse('def f(xs):\n    [y := v for v in xs]\n    return y, v\n');
    assert.equal(resolveName('y', at(tree, 'y', 1)).kind, 'binding');
    assert.equal(resolveName('v', at(tree, 'v', 2)).kind, 'unbound');
  });
});

describe('semantic model: types', () => {
  it('reads annotations: Optional, X | None, string annotations, generics', () => {
    const head = 'from typing import Optional, List\nfrom pathlib import Path\n';
    assert.equal(typed(`${head}def f(p: Optional[Path]):\n    p\n`, 'p', 1), 'pathlib.Path');
    assert.equal(typed(`${head}def f(p: "Path | None"):\n    p\n`, 'p', 1), 'pathlib.Path');
    assert.equal(typed(`${head}def f(p: List[Path]):\n    for q in p:\n        q\n`, 'q', 1), 'pathlib.Path');
    assert.equal(typed(`${head}def f(p: "int | Path"):\n    p\n`, 'p', 1), 'int | pathlib.Path');
  });

  it('knows constructors, library returns, with-targets, unpacking and `/` on paths', () => {
    const src = [
      'import requests as rq',
      'from pathlib import Path',
      'a, b = Path("x"), rq.Session()',
      'c = a / "y"',
      'd = c.with_suffix(".txt")',
      'with open("f") as fh:',
      '    pass',
      'a', 'b', 'c', 'd', 'fh',
      '',
    ].join('\n');
    const tree = parser.parse(src);
    const last = (name: string) => tree.namedNodes.filter((n) => n.text === name && n.type === 'identifier').pop() as Node;
    assert.deepEqual(['a', 'b', 'c', 'd', 'fh'].map((n) => show(typeOf(last(n)))),
      ['pathlib.Path', 'requests.Session', 'pathlib.Path', 'pathlib.Path', 'io.IOBase']);
  });

  it('types self attributes from __init__, properties and same-file function returns', () => {
    const src = [
      'import httpx',
      'def make():',
      '    return httpx.Client()',
      'class S:',
      '    def __init__(self):',
      '        self.c = make()',
      '    @property',
      '    def client(self):',
      '        return self.c',
      '    def go(self):',
      '        self.client',
      '',
    ].join('\n');
    const tree = parser.parse(src);
    const use = tree.namedNodes.filter((n) => n.text === 'self.client').pop() as Node;
    assert.equal(show(typeOf(use)), 'httpx.Client');
  });

  it('resolves names only where nothing binds them: builtins, well-known modules, star imports', () => {
    const tree = parser.parse('from time import *\ndef f(open):\n    open("x")\n    sleep(1)\n    subprocess.run([])\n    input()\n');
    const callee = (text: string) => tree.namedNodes.find((n) => n.type === 'call' && n.text.startsWith(text))?.childForFieldName('function');
    assert.equal(qualifiedName(callee('open')), undefined); // a parameter named open
    assert.equal(qualifiedName(callee('sleep')), 'time.sleep');
    assert.equal(qualifiedName(callee('subprocess')), 'subprocess.run');
    assert.equal(qualifiedName(callee('input')), 'input');
  });

  it('parses annotation text, and refuses what is not a type expression', () => {
    assert.deepEqual(parseAnnotationText('dict[str, list["Book"]]'), {
      name: 'dict', args: [{ name: 'str', args: [] }, { name: 'list', args: [{ name: 'Book', args: [] }] }],
    });
    assert.equal(parseAnnotationText('f(x)'), undefined);
    assert.equal(parseAnnotationText('list[int'), undefined);
  });
});

describe('semantic model: types across workspace modules', () => {
  it('a module exports the library objects it builds and the functions returning one; rebound or workspace-typed names are not exported', () => {
    const tree = parser.parse([
      'import httpx, requests',
      'from pathlib import Path',
      'PAYMENTS = httpx.Client()',
      'ROOT = Path("/srv")',
      'FLAKY = requests.Session()',
      'FLAKY = None',
      'class Local: pass',
      'LOCAL = Local()',
      'def session() -> requests.Session: ...',
      'def inferred():',
      '    return Path("/tmp")',
      'async def coro() -> httpx.Client: ...',
    ].join('\n'));
    assert.ok(mayExportTypes(tree.text));
    assert.deepEqual(exportedTypes(tree), {
      PAYMENTS: { kind: 'instance', cls: 'httpx.Client' },
      ROOT: { kind: 'instance', cls: 'pathlib.Path' },
      session: { kind: 'returns', cls: 'requests.Session' },
      inferred: { kind: 'returns', cls: 'pathlib.Path' },
    });
    assert.equal(mayExportTypes('import os\ndef f(x):\n    return x.y\n'), false);
  });

  it('an importer types names, module attributes and calls through the index (relative imports, the nearest module)', () => {
    const index = new ModuleTypeIndex([
      ['/p/app/clients.py', { HTTP: { kind: 'instance', cls: 'requests.Session' }, make: { kind: 'returns', cls: 'httpx.Client' } }],
      ['/p/other/clients.py', { HTTP: { kind: 'instance', cls: 'pathlib.Path' } }],
    ]);
    const tree = parser.parse([
      'from .clients import HTTP, make',
      'from app import clients',
      'HTTP',
      'clients.HTTP',
      'make()',
    ].join('\n'));
    useWorkspaceTypes(tree, index.lookupFor('/p/app/views.py'));
    assert.equal(show(typeOf(at(tree, 'HTTP', 1))), 'requests.Session');
    assert.equal(show(typeOf(at(tree, 'clients.HTTP'))), 'requests.Session');
    assert.equal(show(typeOf(at(tree, 'make()'))), 'httpx.Client');
    // Another state of the workspace: types inferred with the previous lookup are dropped.
    useWorkspaceTypes(tree, undefined);
    assert.equal(show(typeOf(at(tree, 'HTTP', 1))), 'symbol .clients.HTTP');
  });
});
