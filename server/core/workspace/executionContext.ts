import type { Node } from '../parsing/syntaxTree';
import type { Position } from '../parsing/textDocument';
import type { WorkspaceFacts } from '../rules/context';
import { decoratorsOf, parentOf } from '../python/syntax';
import { requestPathOf } from '../django/requestPath';
import { MemoKey } from '../memo';
import { callSitesOf, type CallSite } from './callers';
import { hookFunctionReason, hookMethodReason } from '../django/frameworkHooks';
import { isDispatchedHandler, methodCallSitesOf, sitesAreAllUses, subclassesOf } from './methodCallers';
import { receiverFacts } from './signalReceivers';

/** How many caller levels a helper's context is looked up through (`view -> build_rows -> render_row`). */
export const MAX_CALLER_DEPTH = 3;
/** Methods call each other in longer chains (`import_project -> _import_data -> _import_comments`), cheaply followed. */
export const MAX_METHOD_DEPTH = 6;

const CONTEXTS = new MemoKey<ExecutionContexts>('execution contexts of a caller file');

/**
 * Where a piece of code runs, so findings can be ranked like Ruff's per-file ignores rank test code: an N+1 in a
 * request path costs every user, one in a nightly task costs a worker, one in a test costs nobody.
 */
export type ExecutionContextKind = 'request' | 'task' | 'command' | 'startup' | 'test' | 'migration' | 'signal';

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

/** A file's name and folders (relPath uses `/`). */
function pathParts(relPath: string): { base: string; dirs: string[] } {
  const parts = relPath.split(/[\\/]/);
  return { base: parts[parts.length - 1] ?? '', dirs: parts.slice(0, -1) };
}

/** Test or migration code by its path alone: what fileContextOf says before it reads the text. */
function testLikeByPath({ base, dirs }: { base: string; dirs: string[] }): 'migration' | 'test' | undefined {
  if (dirs.includes('migrations') && base !== '__init__.py') return 'migration';
  if (TEST_FILE.test(base) || dirs.some((d) => TEST_DIRS.has(d))) return 'test';
  return undefined;
}

/**
 * Test or migration code by its path alone (relPath uses `/`): a subset of what fileContextOf says from the path and
 * the text, for a host deciding what to read later.
 */
export function isTestOrMigrationPath(relPath: string): boolean {
  return testLikeByPath(pathParts(relPath)) !== undefined;
}

/**
 * A migration by its text, wherever its folder is (`MIGRATION_MODULES` can name any package: DefectDojo keeps its
 * migrations in `dojo/db_migrations/`).
 */
export function isMigrationText(text: string): boolean {
  return text.includes('migrations.Migration') && /^\s*class\s+Migration\s*\(\s*migrations\.Migration\s*\)/m.test(text);
}

/** What a file's path and imports alone say (relPath uses `/`). */
export function fileContextOf(relPath: string, text: string): ExecutionContext | undefined {
  const parts = pathParts(relPath);
  const { base, dirs } = parts;
  const byPath = testLikeByPath(parts);
  if (byPath === 'migration') return { kind: 'migration', where: 'a migration' };
  if (isMigrationText(text)) return { kind: 'migration', where: 'a migration' };
  if (byPath === 'test') return { kind: 'test', where: 'test code' };
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

/**
 * A view class no other workspace file names (not routed, not subclassed, not imported) in a project whose URLconfs
 * djperf read: nothing serves it (taiga's PivotalImporterViewSet, never registered in its router), so its methods
 * are no request path. Without the workspace's files or URLconfs nothing is concluded.
 */
function unusedViewClass(cls: Node, uri: string, workspace: WorkspaceFacts): boolean {
  const name = cls.childForFieldName('name')?.text;
  if (!name || !workspace.urlViews?.length || workspace.urlViews.some((v) => v.name === name)) return false;
  return namedNowhereElse(cls, uri, workspace);
}

/** Whether the workspace's files are known and none but the class's own names it. */
function namedNowhereElse(cls: Node, uri: string, workspace: WorkspaceFacts): boolean {
  const name = cls.childForFieldName('name')?.text;
  if (!name || !workspace.callers) return false;
  return workspace.callers.filesMentioning(name).every((u) => u === uri);
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
    const hook = ownerClass(def) ? undefined : hookFunctionReason(name, decos);
    if (hook) return { kind: 'request', where: hook };
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
    const hook = def.type === 'function_definition' ? hookMethodReason(name, clsName, bases) : undefined;
    // A middleware runs only when a settings file lists it (`"app.middleware.TimingMiddleware"` names the class).
    if (hook && !(hook.startsWith('the middleware') && namedNowhereElse(cls, uri, workspace))) return { kind: 'request', where: hook };
    if (def.type === 'class_definition' && bases.some((b) => VIEW_CLASS_BASE.test(b)) && !unusedViewClass(cls, uri, workspace)) return { kind: 'request', where: `the view class ${clsName}` };
    if (def.type === 'class_definition' && bases.some((b) => ADMIN_CLASS_BASE.test(b))) return { kind: 'request', where: `the admin class ${clsName}` };
  }
  if (def.type === 'function_definition') {
    const rp = requestPathOf(def, uri, workspace);
    if (rp && !(cls && unusedViewClass(cls, uri, workspace))) return { kind: 'request', where: `a request path (${rp.reason})` };
  }
  return undefined;
}

/** Per-file resolver: contexts are asked once per finding, so the file's imports and facts are computed once. */
export class ExecutionContexts {
  private readonly fileCtx: ExecutionContext | undefined;
  private readonly pytestFile: boolean;
  private readonly byDef = new Map<number, ExecutionContext | null>();
  /** A method's visible call sites, kept: an unknown context below the top is asked again from higher up. */
  private readonly methodSites = new Map<number, readonly CallSite[]>();

  constructor(
    private readonly root: Node, private readonly uri: string, private readonly relPath: string, private readonly text: string,
    private readonly workspace: WorkspaceFacts,
  ) {
    this.fileCtx = fileContextOf(relPath, text);
    this.pytestFile = (text.includes('pytest') && /^\s*(?:import pytest|from pytest\b)/m.test(text)) || this.fileCtx?.kind === 'test';
  }

  /** The resolver of another workspace file (one per parsed tree, kept with it). */
  private static of(site: CallSite, workspace: WorkspaceFacts): ExecutionContexts {
    return site.root.tree.memos.get(CONTEXTS, () => new ExecutionContexts(site.root, site.uri, site.relPath, site.text, workspace));
  }

  /** Where the code at `pos` runs; undefined when djperf cannot tell (it then changes nothing). */
  at(pos: Position): ExecutionContext | undefined {
    const node = this.root.descendantForPosition({ row: pos.line, column: pos.character });
    return node ? this.around(node, 0) : this.fileCtx;
  }

  /** Where `node` runs, asking callers at most `MAX_CALLER_DEPTH - depth` levels up. */
  private around(start: Node, depth: number): ExecutionContext | undefined {
    // Test and migration files are test-like whatever their functions look like (a view class in tests.py).
    if (this.fileCtx && isTestLike(this.fileCtx.kind)) return this.fileCtx;
    let found: ExecutionContext | undefined;
    for (let node: Node | null = start; node; node = parentOf(node)) {
      if (node.type !== 'function_definition' && node.type !== 'class_definition') continue;
      const c = this.defContextOf(node, depth);
      // Test code wins over anything inside it; otherwise the innermost def that says something decides.
      if (c?.kind === 'test') return c;
      found ??= c;
    }
    return found ?? this.fileCtx;
  }

  private defContextOf(def: Node, depth: number): ExecutionContext | undefined {
    let c = this.byDef.get(def.id);
    if (c === undefined) {
      this.byDef.set(def.id, null); // a recursive helper asks for itself while being resolved
      c = defContext(def, this.uri, this.workspace, this.pytestFile) ?? this.fromCallers(def, depth) ?? null;
      // An unknown found below the top may only be the depth limit: asked again from higher up, it may be known.
      if (c === null && depth > 0) this.byDef.delete(def.id);
      else this.byDef.set(def.id, c);
    }
    return c ?? undefined;
  }

  /**
   * A module-level helper runs where its callers run, followed through imports into other modules (the workspace's
   * caller index) up to MAX_CALLER_DEPTH levels: called from any request path it is request code; called only from
   * tasks (or only from commands) it is that. Callers in tests and migrations do not count; a caller of unknown
   * context, a mix of tasks and commands, or a use djperf cannot follow (the function passed as a value, imported
   * under an alias, through a re-export) leaves it unknown, and nothing is re-ranked.
   */
  private fromCallers(def: Node, depth: number): ExecutionContext | undefined {
    if (def.type !== 'function_definition') return undefined;
    const home = { uri: this.uri, relPath: this.relPath, root: this.root, text: this.text };
    const cls = ownerClass(def);
    if (cls) return depth >= MAX_METHOD_DEPTH ? undefined : this.fromMethodCallers(def, cls, depth);
    if (depth >= MAX_CALLER_DEPTH) return undefined;
    const top = parentOf(def)?.type === 'decorated_definition' ? parentOf(def) : def;
    if (parentOf(top)?.type !== 'module') return undefined;
    const receiver = receiverFacts(def, home, this.workspace.callers);
    if (receiver) return this.fromSignalSends(receiver.names, receiver.sends, depth);
    const sites = callSitesOf(def, home, this.workspace.callers, this.testLikeFile);
    if (!sites) return undefined;
    const agreed = this.agreedContext(def, sites, depth);
    return agreed.unknown ? undefined : agreed.context;
  }

  /**
   * Test and migration files: calls there never count (agreedContext), so caller lookups do not parse them, nor
   * count their uses of a method's name (a test's `x.m()` or its subclass overriding `m` changes nothing in production).
   */
  private readonly testLikeFile = (relPath: string, uri: string): boolean =>
    isTestLike(fileContextOf(relPath, this.workspace.callers?.textOf(uri) ?? '')?.kind);

  /**
   * The context the call sites of `def` agree on: a request caller decides alone; test callers do not count;
   * callers in different contexts, or one of unknown context, make it unknown.
   */
  private agreedContext(def: Node, sites: readonly CallSite[], depth: number): { context?: ExecutionContext; unknown: boolean } {
    let found: ExecutionContext | undefined;
    let unknown = false;
    for (const site of sites) {
      if (site.uri === this.uri && site.call.startIndex >= def.startIndex && site.call.endIndex <= def.endIndex) continue; // recursion
      const resolver = site.uri === this.uri ? this : ExecutionContexts.of(site, this.workspace);
      const c = resolver.around(site.call, depth + 1);
      if (c?.kind === 'request') return { context: calledFrom(c, site, this.uri), unknown: false };
      if (!c) unknown = true;
      else if (isTestLike(c.kind)) continue;
      else if (found && found.kind !== c.kind) unknown = true;
      else found ??= calledFrom(c, site, this.uri);
    }
    return { context: found, unknown };
  }

  /**
   * A method runs where its visible callers run (`methodCallers.ts`): `self.m()` in the class hierarchy, `C(...).m()`
   * and `x.m()` with `x = C(...)`. Those are never all its callers (an instance passed as a parameter is not
   * followed), so only a request caller decides alone; when the visible calls are every `.m` in the workspace and
   * all agree on a task or a command, the method takes it; anything else stays unknown.
   */
  private fromMethodCallers(def: Node, cls: Node, depth: number): ExecutionContext | undefined {
    const home = { uri: this.uri, relPath: this.relPath, root: this.root, text: this.text };
    if (isDispatchedHandler(def)) {
      // A handler of a mixin runs for the view classes that inherit it.
      for (const sub of subclassesOf({ file: home, cls }, this.workspace.callers, this.testLikeFile)) {
        const resolver = sub.file.uri === this.uri ? this : ExecutionContexts.of({ ...sub.file, call: sub.cls }, this.workspace);
        const c = resolver.around(sub.cls, depth + 1);
        if (c?.kind === 'request') return { kind: 'request', where: `${c.where}, which inherits ${cls.childForFieldName('name')?.text ?? ''}.${def.childForFieldName('name')?.text ?? ''}` };
      }
    }
    let sites = this.methodSites.get(def.id);
    if (!sites) {
      sites = methodCallSitesOf(def, cls, home, this.workspace.callers, this.testLikeFile);
      this.methodSites.set(def.id, sites);
    }
    if (sites.length === 0) return undefined;
    const agreed = this.agreedContext(def, sites, depth);
    if (agreed.context?.kind === 'request') return agreed.context;
    return agreed.unknown || !sitesAreAllUses(def, sites, this.workspace.callers, this.testLikeFile) ? undefined : agreed.context;
  }

  /**
   * A signal receiver runs where its signal is sent: a workspace signal sent from a request path makes it request
   * code; otherwise (a model signal, sends of unknown context) it is said to be a signal receiver, nothing more.
   */
  private fromSignalSends(names: readonly string[], sends: readonly CallSite[] | undefined, depth: number): ExecutionContext {
    const receiver = `a receiver of the signal${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
    for (const site of sends ?? []) {
      const resolver = site.uri === this.uri ? this : ExecutionContexts.of(site, this.workspace);
      const c = resolver.around(site.call, depth + 1);
      if (c?.kind === 'request') return { kind: 'request', where: `${receiver}, sent from ${c.where}${site.uri === this.uri ? '' : ` in ${site.relPath}`}` };
    }
    return { kind: 'signal', where: receiver };
  }
}

/** `code called from a celery task`, naming the caller's file when it is another one. */
function calledFrom(c: ExecutionContext, site: CallSite, home: string): ExecutionContext {
  if (c.where.startsWith('code called from')) return c;
  return { kind: c.kind, where: `code called from ${c.where}${site.uri === home ? '' : ` in ${site.relPath}`}` };
}
