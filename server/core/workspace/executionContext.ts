import type { Node } from '../parsing/syntaxTree';
import type { Position } from '../parsing/textDocument';
import type { WorkspaceFacts } from '../rules/context';
import { decoratorsOf, parentOf, walk } from '../python/syntax';
import { requestPathOf } from '../django/requestPath';

/**
 * Where a piece of code runs, so findings can be ranked like Ruff's per-file ignores rank test code: an N+1 in a
 * request path costs every user, one in a nightly task costs a worker, one in a test costs nobody.
 */
export type ExecutionContextKind = 'request' | 'task' | 'command' | 'startup' | 'test' | 'migration';

export interface ExecutionContext {
  kind: ExecutionContextKind;
  /** Why djperf thinks so, for messages: `a celery task`, `the management command sync_users`. */
  where: string;
}

/** Contexts not checked by default (`check-tests` turns them on): nobody waits on them in production. */
export function isTestLike(kind: ExecutionContextKind | undefined): boolean {
  return kind === 'test' || kind === 'migration';
}

const TEST_FRAMEWORK_IMPORT = /^\s*(?:from|import)\s+(?:unittest|pytest|django\.test|rest_framework\.test|factory|model_bakery|hypothesis)\b/m;
const TEST_FILE = /^(?:test_.*|.*_tests?|tests|conftest)\.py$/;
/** Folders holding only test code. `test` alone is not one: DefectDojo's `dojo/test/` is the "Test" model's app. */
const TEST_DIRS = new Set(['tests', 'unittests', 'testing', 'functional_tests', 'integration_tests']);

/** What a file's path and imports alone say (relPath uses `/`). */
export function fileContextOf(relPath: string, text: string): ExecutionContext | undefined {
  const parts = relPath.split(/[\\/]/);
  const base = parts[parts.length - 1] ?? '';
  const dirs = parts.slice(0, -1);
  if (dirs.includes('migrations') && base !== '__init__.py') return { kind: 'migration', where: 'a migration' };
  if (/^\s*class\s+Migration\s*\(\s*migrations\.Migration\s*\)/m.test(text)) return { kind: 'migration', where: 'a migration' };
  if (TEST_FILE.test(base) || dirs.some((d) => TEST_DIRS.has(d))) return { kind: 'test', where: 'test code' };
  if (dirs.includes('test') && TEST_FRAMEWORK_IMPORT.test(text)) return { kind: 'test', where: 'test code' };
  const cmd = dirs.length >= 2 && dirs[dirs.length - 2] === 'management' && dirs[dirs.length - 1] === 'commands';
  if (cmd && base !== '__init__.py') return { kind: 'command', where: `the management command ${base.replace(/\.py$/, '')}` };
  if (/^(?:settings|wsgi|asgi|manage|gunicorn\.conf|gunicorn_conf)\.py$/.test(base) || dirs.includes('settings')) {
    return { kind: 'startup', where: 'settings/startup code' };
  }
  return undefined;
}

const TASK_DECORATOR = /(?:^|\.)(?:shared_task|periodic_task|db_task|db_periodic_task|actor|job)$|^(?:\w+\.)+task$|^task$/;
const TEST_BASE = /(?:^|\.)(?:\w*TestCase|TestCaseMixin|\w*TestBase|BaseTest\w*)$/;
const COMMAND_BASE = /(?:^|\.)(?:BaseCommand|AppCommand|LabelCommand)$/;
const CONSUMER_BASE = /(?:^|\.)\w*Consumer$/;
const GRAPHENE_BASE = /(?:^|\.)(?:ObjectType|Mutation|DjangoObjectType|Query|ClientIDMutation|\w+Mutation)$/;
/** Class-level code of these classes (queryset, serializer_class, list_display) serves requests. */
const VIEW_CLASS_BASE = /(?:^|\.)\w*(?:View|ViewSet|APIView)$/;
const ADMIN_CLASS_BASE = /(?:^|\.)(?:\w*Admin|TabularInline|StackedInline)$/;
const STRAWBERRY_DECORATOR = /^strawberry(?:_django)?\.(?:field|mutation|subscription|type)$|^strawberry\.django\.(?:field|mutation)$/;

function decoratorNames(def: Node): string[] {
  return decoratorsOf(def).map((d) => {
    const e = d.namedChildren[0];
    if (!e) return '';
    return (e.type === 'call' ? e.childForFieldName('function')?.text : e.text) ?? '';
  });
}

function baseNames(cls: Node): string[] {
  const args = cls.childForFieldName('superclasses');
  return (args?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'keyword_argument').map((a) => a.text);
}

/** The class whose body holds `def` directly (through a decorator or not). */
function ownerClass(def: Node): Node | undefined {
  let p = parentOf(def);
  if (p?.type === 'decorated_definition') p = parentOf(p);
  if (p?.type !== 'block') return undefined;
  const cls = parentOf(p);
  return cls?.type === 'class_definition' ? cls : undefined;
}

/** What one def (innermost first) says about where it runs, or undefined when it says nothing. */
function defContext(def: Node, uri: string, workspace: WorkspaceFacts, pytestFile: boolean): ExecutionContext | undefined {
  const name = def.childForFieldName('name')?.text ?? '';
  const decos = decoratorNames(def);
  if (def.type === 'function_definition') {
    if (decos.some((d) => /(?:^|\.)fixture$/.test(d))) return { kind: 'test', where: 'a pytest fixture' };
    if (pytestFile && /^test_/.test(name) && !ownerClass(def)) return { kind: 'test', where: 'a pytest test' };
    const task = decos.find((d) => TASK_DECORATOR.test(d));
    if (task) return { kind: 'task', where: `a background task (@${task})` };
    if (decos.some((d) => STRAWBERRY_DECORATOR.test(d))) return { kind: 'request', where: 'a strawberry GraphQL resolver' };
  }
  const cls = def.type === 'class_definition' ? def : ownerClass(def);
  if (cls) {
    const bases = baseNames(cls);
    const clsName = cls.childForFieldName('name')?.text ?? '';
    if (bases.some((b) => TEST_BASE.test(b)) || (pytestFile && /^Test/.test(clsName))) return { kind: 'test', where: 'test code' };
    if (bases.some((b) => COMMAND_BASE.test(b))) return { kind: 'command', where: `a management command (${clsName})` };
    if (bases.some((b) => CONSUMER_BASE.test(b))) return { kind: 'request', where: `the channels consumer ${clsName}` };
    if (/^resolve_|^mutate$/.test(name) && bases.some((b) => GRAPHENE_BASE.test(b))) return { kind: 'request', where: `the GraphQL resolver ${clsName}.${name}` };
    if (name === 'ready' && bases.some((b) => /(?:^|\.)AppConfig$/.test(b))) return { kind: 'startup', where: 'AppConfig.ready (startup)' };
    if (def.type === 'class_definition' && bases.some((b) => VIEW_CLASS_BASE.test(b))) return { kind: 'request', where: `the view class ${clsName}` };
    if (def.type === 'class_definition' && bases.some((b) => ADMIN_CLASS_BASE.test(b))) return { kind: 'request', where: `the admin class ${clsName}` };
  }
  if (def.type === 'function_definition') {
    const rp = requestPathOf(def, uri, workspace);
    if (rp) return { kind: 'request', where: `a request path (${rp.reason})` };
  }
  return undefined;
}

/** Calls of plain names (`helper(...)`), by name. */
function collectCalls(root: Node): Map<string, Node[]> {
  const out = new Map<string, Node[]>();
  walk(root, (n) => {
    if (n.type !== 'call') return;
    const f = n.childForFieldName('function');
    if (f?.type !== 'identifier') return;
    const list = out.get(f.text) ?? [];
    list.push(n);
    out.set(f.text, list);
  });
  return out;
}

/** Per-file resolver: contexts are asked once per finding, so the file's imports and facts are computed once. */
export class ExecutionContexts {
  private readonly fileCtx: ExecutionContext | undefined;
  private readonly pytestFile: boolean;
  private readonly byDef = new Map<number, ExecutionContext | null>();

  constructor(private readonly root: Node, private readonly uri: string, relPath: string, text: string, private readonly workspace: WorkspaceFacts) {
    this.fileCtx = fileContextOf(relPath, text);
    this.pytestFile = /^\s*(?:import pytest|from pytest\b)/m.test(text) || this.fileCtx?.kind === 'test';
  }

  /** Where the code at `pos` runs; undefined when djperf cannot tell (it then changes nothing). */
  at(pos: Position): ExecutionContext | undefined {
    // Test and migration files are test-like whatever their functions look like (a view class in tests.py).
    if (this.fileCtx && isTestLike(this.fileCtx.kind)) return this.fileCtx;
    let node: Node | null = this.root.descendantForPosition({ row: pos.line, column: pos.character });
    let found: ExecutionContext | undefined;
    for (; node; node = parentOf(node)) {
      if (node.type !== 'function_definition' && node.type !== 'class_definition') continue;
      const c = this.defContextOf(node);
      // Test code wins over anything inside it; otherwise the innermost def that says something decides.
      if (c?.kind === 'test') return c;
      found ??= c;
    }
    return found ?? this.fileCtx;
  }

  private defContextOf(def: Node): ExecutionContext | undefined {
    let c = this.byDef.get(def.id);
    if (c === undefined) {
      this.byDef.set(def.id, null); // a recursive helper asks for itself while being resolved
      c = defContext(def, this.uri, this.workspace, this.pytestFile) ?? this.fromCallers(def) ?? null;
      this.byDef.set(def.id, c);
    }
    return c ?? undefined;
  }

  /**
   * A module-level helper called only from code of one context runs in that context (same file only: a helper
   * called from elsewhere too stays unknown). `_impl()` called from a celery task is task code.
   */
  private fromCallers(def: Node): ExecutionContext | undefined {
    if (def.type !== 'function_definition' || ownerClass(def)) return undefined;
    const top = parentOf(def)?.type === 'decorated_definition' ? parentOf(def) : def;
    if (parentOf(top)?.type !== 'module') return undefined;
    const name = def.childForFieldName('name')?.text;
    if (!name) return undefined;
    this.callSites ??= collectCalls(this.root);
    const sites = this.callSites.get(name) ?? [];
    if (sites.length === 0) return undefined;
    let kind: ExecutionContext | undefined;
    for (const site of sites) {
      if (site.startIndex >= def.startIndex && site.endIndex <= def.endIndex) continue;
      const c = this.enclosingContext(site);
      if (!c || (kind && kind.kind !== c.kind)) return undefined;
      kind ??= c;
    }
    return kind && { kind: kind.kind, where: kind.where.startsWith('code called from') ? kind.where : `code called from ${kind.where}` };
  }

  private enclosingContext(node: Node): ExecutionContext | undefined {
    for (let n: Node | null = parentOf(node); n; n = parentOf(n)) {
      if (n.type !== 'function_definition' && n.type !== 'class_definition') continue;
      const c = this.defContextOf(n);
      if (c) return c;
    }
    return undefined;
  }

  private callSites?: Map<string, Node[]>;
}
