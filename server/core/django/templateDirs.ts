import type { Node, Tree } from '../parsing/syntaxTree';
import { calleeName, nodesOfType, positionalArgs, stringValue } from '../python/syntax';

/**
 * Template directories a settings module configures for the Django template engine: `TEMPLATES[*]["DIRS"]` of the
 * DjangoTemplates backend (Jinja2 backends are skipped: another language), the directories named in its `loaders`
 * option, and the old `TEMPLATE_DIRS`. Paths are computed with string operations from the settings file's own
 * location (`BASE_DIR = Path(__file__).resolve().parent.parent`, `os.path.join(BASE_DIR, "templates")`,
 * `BASE_DIR / "templates"`, `environ.Path(__file__) - 3` and calls of such a path); a path djperf cannot compute is
 * left out. Relative literals stay relative (`./templates`): Django resolves them against the working directory,
 * which the host takes to be the project root.
 */
export function extractTemplateDirs(tree: Tree, uri: string): string[] {
  const env = new Map<string, PathValue>();
  const dirs: string[] = [];
  const file: PathValue = { kind: 'path', value: uri.replace(/\\/g, '/') };
  for (const stmt of tree.rootNode.namedChildren) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (assign?.type !== 'assignment') continue;
    const left = assign.childForFieldName('left');
    const right = assign.childForFieldName('right');
    if (!left || !right) continue;
    if (left.type === 'identifier') {
      const v = evaluate(right, env, file);
      if (v) env.set(left.text, v);
      else env.delete(left.text);
    }
    if (left.text === 'TEMPLATES') dirs.push(...templatesDirs(right, env, file));
    if (left.text === 'TEMPLATE_DIRS') dirs.push(...pathList(right, env, file));
  }
  return [...new Set(dirs)];
}

/** A path (string), or a list of paths (a module-level list later put into DIRS), or a path factory (`environ.Path`). */
type PathValue = { kind: 'path'; value: string } | { kind: 'list'; value: string[] } | { kind: 'root'; value: string };

function templatesDirs(node: Node, env: ReadonlyMap<string, PathValue>, file: PathValue): string[] {
  const out: string[] = [];
  if (node.type !== 'list' && node.type !== 'tuple') return out;
  for (const engine of node.namedChildren) {
    if (engine?.type !== 'dictionary') continue;
    let backend: string | undefined;
    let dirs: Node | undefined;
    let loaders: Node | undefined;
    for (const pair of engine.namedChildren) {
      if (pair?.type !== 'pair') continue;
      const key = stringValue(pair.childForFieldName('key'));
      const value = pair.childForFieldName('value') ?? undefined;
      if (key === 'BACKEND') backend = stringValue(value);
      if (key === 'DIRS') dirs = value;
      if (key === 'OPTIONS' && value) {
        for (const opt of nodesOfType(value, 'pair')) if (stringValue(opt.childForFieldName('key')) === 'loaders') loaders = opt.childForFieldName('value') ?? undefined;
      }
    }
    if (backend !== undefined && !/DjangoTemplates$/.test(backend)) continue;
    if (dirs) out.push(...pathList(dirs, env, file));
    // ("some.Loader", dir, dir ...) entries: every argument after the loader's name that is a path.
    for (const entry of loaders?.namedChildren ?? []) {
      if (entry?.type !== 'tuple') continue;
      for (const arg of entry.namedChildren.slice(1)) if (arg) out.push(...pathList(arg, env, file));
    }
  }
  return out;
}

function pathList(node: Node, env: ReadonlyMap<string, PathValue>, file: PathValue): string[] {
  if (node.type === 'list' || node.type === 'tuple') {
    return node.namedChildren.flatMap((c) => (c ? pathList(c, env, file) : []));
  }
  const v = evaluate(node, env, file);
  return v?.kind === 'path' ? [v.value] : v?.kind === 'list' ? v.value : [];
}

function evaluate(node: Node, env: ReadonlyMap<string, PathValue>, file: PathValue): PathValue | undefined {
  switch (node.type) {
    case 'parenthesized_expression':
      return node.namedChildren[0] ? evaluate(node.namedChildren[0], env, file) : undefined;
    case 'string': {
      const s = stringValue(node);
      if (s === undefined) return undefined;
      return { kind: 'path', value: /^([A-Za-z]:)?[\\/]/.test(s) ? s.replace(/\\/g, '/') : `./${s.replace(/\\/g, '/').replace(/^\.\//, '')}` };
    }
    case 'identifier':
      return node.text === '__file__' ? file : env.get(node.text);
    case 'list':
    case 'tuple': {
      const items = node.namedChildren.map((c) => (c ? evaluate(c, env, file) : undefined));
      if (items.some((i) => i?.kind !== 'path')) return undefined;
      return { kind: 'list', value: items.map((i) => (i as { value: string }).value) };
    }
    case 'binary_operator': {
      const op = node.childForFieldName('operator')?.text;
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      const base = left ? evaluate(left, env, file) : undefined;
      if (!base || base.kind === 'list' || !right) return undefined;
      if (op === '/') {
        const part = evaluate(right, env, file);
        return part?.kind === 'path' ? { kind: base.kind, value: join(base.value, part.value) } : undefined;
      }
      if (op === '-' && right.type === 'integer') return { kind: base.kind, value: up(base.value, Number(right.text)) };
      return undefined;
    }
    case 'attribute': {
      const obj = node.childForFieldName('object');
      const attr = node.childForFieldName('attribute')?.text;
      const base = obj ? evaluate(obj, env, file) : undefined;
      if (base?.kind === 'path' && attr === 'parent') return { kind: 'path', value: up(base.value, 1) };
      return undefined;
    }
    case 'subscript': {
      // Path(__file__).parents[1]
      const value = node.childForFieldName('value');
      const index = node.childForFieldName('subscript');
      if (value?.type !== 'attribute' || value.childForFieldName('attribute')?.text !== 'parents' || index?.type !== 'integer') return undefined;
      const obj = value.childForFieldName('object');
      const base = obj ? evaluate(obj, env, file) : undefined;
      return base?.kind === 'path' ? { kind: 'path', value: up(base.value, Number(index.text) + 1) } : undefined;
    }
    case 'call':
      return evaluateCall(node, env, file);
    default:
      return undefined;
  }
}

function evaluateCall(node: Node, env: ReadonlyMap<string, PathValue>, file: PathValue): PathValue | undefined {
  const name = calleeName(node) ?? '';
  const args = positionalArgs(node);
  const arg = (i: number): PathValue | undefined => (args[i] ? evaluate(args[i], env, file) : undefined);
  if (/^(?:pathlib\.)?Path$|^(?:os\.path\.)?(abspath|realpath|normpath)$|^str$|^os\.fspath$/.test(name) && args.length === 1) {
    const v = arg(0);
    return v?.kind === 'path' ? v : undefined;
  }
  if (/^(?:environ\.)?Path$/.test(name) && args.length === 1) {
    const v = arg(0);
    return v?.kind === 'path' ? { kind: 'root', value: v.value } : undefined;
  }
  if (/^os\.path\.dirname$/.test(name) && args.length === 1) {
    const v = arg(0);
    return v?.kind === 'path' ? { kind: 'path', value: up(v.value, 1) } : undefined;
  }
  if (/^os\.path\.join$/.test(name) && args.length >= 1) {
    const parts = args.map((_, i) => arg(i));
    if (parts.some((p) => p?.kind !== 'path')) return undefined;
    const strs = parts.map((p) => (p as { value: string }).value);
    return { kind: 'path', value: strs.slice(1).reduce((acc, p) => join(acc, p), strs[0]) };
  }
  const fn = node.childForFieldName('function');
  if (fn?.type === 'attribute') {
    const method = fn.childForFieldName('attribute')?.text;
    const obj = fn.childForFieldName('object');
    const base = obj ? evaluate(obj, env, file) : undefined;
    if (base?.kind === 'path' && (method === 'resolve' || method === 'absolute') && args.length === 0) return base;
    if (base?.kind === 'path' && method === 'joinpath') {
      const parts = args.map((_, i) => arg(i));
      if (parts.some((p) => p?.kind !== 'path')) return undefined;
      return { kind: 'path', value: parts.map((p) => (p as { value: string }).value).reduce((acc, p) => join(acc, p), base.value) };
    }
    if (base?.kind === 'root' && method === 'path' && args.length === 1) {
      const part = arg(0);
      return part?.kind === 'path' ? { kind: 'path', value: join(base.value, part.value) } : undefined;
    }
  }
  // `root("dojo/templates")`: calling an environ.Path joins.
  const factory = fn?.type === 'identifier' ? env.get(fn.text) : undefined;
  if (factory?.kind === 'root' && args.length === 1) {
    const part = arg(0);
    return part?.kind === 'path' ? { kind: 'path', value: join(factory.value, part.value) } : undefined;
  }
  return undefined;
}

/** `a/b` + `c` -> `a/b/c`; an absolute second part replaces the first (os.path.join, pathlib). */
function join(base: string, part: string): string {
  if (!part.startsWith('./')) return part;
  const rel = part.slice(2);
  if (rel === '' || rel === '.') return base;
  const joined = normalize(`${base.replace(/\/+$/, '')}/${rel}`);
  return base.startsWith('./') ? `./${joined}` : joined;
}

function up(p: string, levels: number): string {
  let out = p.replace(/\/+$/, '');
  for (let i = 0; i < levels; i++) {
    const at = out.lastIndexOf('/');
    if (at <= 0 || /^[a-z][\w+.-]*:\/\/?$/i.test(out.slice(0, at + 1))) return out;
    out = out.slice(0, at);
  }
  return out;
}

/** Resolves `.` and `..` segments. */
function normalize(p: string): string {
  const head = /^(?:[a-z][\w+.-]*:\/\/)?/i.exec(p)![0];
  const parts: string[] = [];
  for (const seg of p.slice(head.length).split('/')) {
    if (seg === '.' || (seg === '' && parts.length > 0)) continue;
    if (seg === '..' && parts.length > 1) parts.pop();
    else parts.push(seg);
  }
  return head + parts.join('/');
}
