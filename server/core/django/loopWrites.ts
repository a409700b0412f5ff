import type { Node } from '../parsing/syntaxTree';
import type { RuleContext, WorkspaceFacts } from '../rules/context';
import { functionNamed, nodesOfType, parentOf, walk } from '../python/syntax';
import { bindingOf } from '../python/semantic/infer';
import { MemoKey } from '../memo';
import { QuerysetEvaluator } from './querysetEvaluator';

const INSTANCE_WRITES = new Set(['save', 'delete']);
const QUERYSET_WRITES = new Set(['create', 'update', 'delete', 'get_or_create', 'update_or_create', 'bulk_create', 'bulk_update']);
/** Write methods that say "ORM" even on a receiver of unknown type (`update`/`create` do not: dicts and serializers have them). */
const ORM_ONLY_WRITES = new Set(['save', 'delete', 'get_or_create', 'update_or_create', 'bulk_create', 'bulk_update']);
/** Calls followed into workspace functions and methods (`loop -> sync_one -> save_row`). */
export const MAX_CALLEE_DEPTH = 3;

/** What the code of a loop body writes, callees included. */
export interface LoopWrites {
  /** Model keys written (`Model.objects.create()`, `row.save()` on a row of it), directly or by a resolved callee. */
  models: ReadonlySet<string>;
  /** A workspace callee djperf cannot see into (or a write on a receiver of unknown model): it may write anything. */
  opaque?: string;
}

/** One file's code as the write search walks it (the analysed file, or a callee's module parsed for the search). */
interface WalkedFile {
  uri: string;
  root: Node;
  evaluator: QuerysetEvaluator;
}

/** Per file: what each loop body writes (one walk per body, however many queries sit inside it). */
const LOOP_WRITES = new MemoKey<Map<number, LoopWrites>>('models written per loop body');
/** Per tree: what each function writes, callees included (shared by every loop that calls it). */
const DEF_WRITES = new MemoKey<Map<number, LoopWrites | null>>('models written per function');
const EVALUATOR = new MemoKey<QuerysetEvaluator>('queryset evaluator of a callee module');

/**
 * What code inside `body` writes: a query on a written model sees different rows on each iteration, so it is not
 * loop-invariant even when its arguments are. Callees are followed through the semantic model and imports (functions
 * of this file, of workspace modules, `self.method()` of the enclosing class, custom methods of a model row), never by
 * bare method name. Nested defs are not run by the loop.
 */
export function loopWrites(ctx: RuleContext, body: Node): LoopWrites {
  return ctx.memos.entry(LOOP_WRITES, body.id, () => writesIn(body, { uri: ctx.file.uri, root: ctx.file.tree.rootNode, evaluator: ctx.evaluator }, ctx.workspace, 0));
}

/** Whether `body` writes rows of `model` (directly or through a resolved callee). */
export function writesModel(ctx: RuleContext, body: Node, model: string): boolean {
  return loopWrites(ctx, body).models.has(model);
}

function writesIn(body: Node, file: WalkedFile, workspace: WorkspaceFacts, depth: number): LoopWrites {
  const models = new Set<string>();
  let opaque: string | undefined;
  walk(body, (n) => {
    if (n.id !== body.id && (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda')) return false;
    if (n.type !== 'call') return true;
    const fn = n.childForFieldName('function');
    const method = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text ?? '' : '';
    if (INSTANCE_WRITES.has(method) || QUERYSET_WRITES.has(method)) {
      const obj = fn?.childForFieldName('object');
      const receiver = file.evaluator.evaluate(obj)?.model ?? selfModel(obj, file, workspace);
      if (receiver) models.add(receiver);
      else if (ORM_ONLY_WRITES.has(method)) opaque ??= callText(n);
      return true;
    }
    const callee = fn ? calleeDef(fn, file, workspace) : undefined;
    if (callee === 'opaque') opaque ??= callText(n);
    else if (callee) {
      const inner = depth + 1 >= MAX_CALLEE_DEPTH ? { models: new Set<string>(), opaque: callText(n) } : defWrites(callee.def, callee.file, workspace, depth + 1);
      for (const m of inner.models) models.add(m);
      if (inner.opaque) opaque ??= callText(n);
    }
    return true;
  });
  return opaque ? { models, opaque } : { models };
}

function defWrites(def: Node, file: WalkedFile, workspace: WorkspaceFacts, depth: number): LoopWrites {
  const memo = def.tree.memos.get(DEF_WRITES, () => new Map());
  const hit = memo.get(def.id);
  if (hit) return hit;
  if (hit === null) return { models: new Set() }; // recursion: the outer walk of this def collects its writes
  memo.set(def.id, null);
  const body = def.childForFieldName('body');
  const found = body ? writesIn(body, file, workspace, depth) : { models: new Set<string>() };
  memo.set(def.id, found);
  return found;
}

/**
 * The workspace def a callee expression names: 'opaque' when it is workspace code djperf cannot find, undefined when
 * it is library code, a builtin, a class, or a method of an object of unknown type (assumed not to write models).
 */
function calleeDef(fn: Node, file: WalkedFile, workspace: WorkspaceFacts): { def: Node; file: WalkedFile } | 'opaque' | undefined {
  if (fn.type === 'identifier') {
    const b = bindingOf(fn);
    if (b?.kind === 'function' && b.definition) return { def: b.definition, file };
    if (b?.kind === 'import' && b.qualified) return importedDef(b.qualified, file, workspace);
    return undefined;
  }
  if (fn.type !== 'attribute') return undefined;
  const obj = fn.childForFieldName('object');
  const name = fn.childForFieldName('attribute')?.text ?? '';
  if (obj?.type === 'identifier') {
    const b = bindingOf(obj);
    // `self.refresh()` inside a class: the method of that class, when it defines it (inherited ones are not followed).
    if (b?.kind === 'parameter' && b.index === 0 && b.definition) {
      const cls = classOf(b.definition);
      const method = cls ? methodOf(cls, name) : undefined;
      if (method) return { def: method, file };
    }
    if (b?.kind === 'import' && b.qualified) {
      const viaModule = importedDef(`${b.qualified}.${name}`, file, workspace);
      if (viaModule) return viaModule;
    }
  }
  // `row.recalculate()` on a model row: the model's own method (or an inherited one from a workspace model).
  const v = file.evaluator.evaluate(obj);
  if (v?.kind !== 'instance') return undefined;
  for (const key of [v.model, ...(workspace.models.get(v.model)?.parents ?? [])]) {
    const m = workspace.models.get(key);
    if (!m || m.builtin || !m.methods.has(name)) continue;
    const target = walkedFile(m.uri, file, workspace);
    const cls = target && nodesOfType(target.root, 'class_definition').find((c) => c.childForFieldName('name')?.text === m.name);
    const method = cls ? methodOf(cls, name) : undefined;
    return method && target ? { def: method, file: target } : 'opaque';
  }
  return undefined;
}

/** `app.services.sync_one`: the module-level def in a workspace module; 'opaque' when the module is ours but has no such def. */
function importedDef(qualified: string, file: WalkedFile, workspace: WorkspaceFacts): { def: Node; file: WalkedFile } | 'opaque' | undefined {
  const m = /^(\.*)([\s\S]*)$/.exec(qualified) as RegExpExecArray;
  const parts = m[2].split('.');
  const name = parts.pop() ?? '';
  const module = `${m[1]}${parts.join('.')}`;
  if (!module || !workspace.callers) return undefined;
  const uri = workspace.callers.moduleFile(module, file.uri);
  if (!uri) return undefined; // a library module
  const target = walkedFile(uri, file, workspace);
  if (!target) return 'opaque';
  for (const stmt of target.root.namedChildren) {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === name) return { def, file: target };
    if (def?.type === 'class_definition' && def.childForFieldName('name')?.text === name) return undefined; // a constructor
  }
  // Imported into that module (a re-export), assigned, or a submodule: not followed.
  return 'opaque';
}

function walkedFile(uri: string, from: WalkedFile, workspace: WorkspaceFacts): WalkedFile | undefined {
  if (uri === from.uri) return from;
  const f = workspace.callers?.file(uri);
  if (!f) return undefined;
  // Each tree gets its own evaluator: evaluators memoise by node id, which is unique within one tree only.
  const evaluator = f.root.tree.memos.get(EVALUATOR, () => new QuerysetEvaluator(workspace.models));
  return { uri, root: f.root, evaluator };
}

/** `self` in a method of a workspace model (`self.save()` in `Volume.close`): that model's key. */
function selfModel(obj: Node | null | undefined, file: WalkedFile, workspace: WorkspaceFacts): string | undefined {
  const b = obj?.type === 'identifier' ? bindingOf(obj) : undefined;
  if (b?.kind !== 'parameter' || b.index !== 0 || !b.definition) return undefined;
  const name = classOf(b.definition)?.childForFieldName('name')?.text;
  const m = name ? workspace.models.find(name) : undefined;
  return m && m.uri === file.uri ? m.key : undefined;
}

function classOf(def: Node): Node | undefined {
  let p = parentOf(def);
  if (p?.type === 'decorated_definition') p = parentOf(p);
  const cls = p?.type === 'block' ? parentOf(p) : null;
  return cls?.type === 'class_definition' ? cls : undefined;
}

function methodOf(cls: Node, name: string): Node | undefined {
  const body = cls.childForFieldName('body');
  return body ? functionNamed(body, name) : undefined;
}

function callText(call: Node): string {
  const fn = call.childForFieldName('function');
  return `${(fn ?? call).text.replace(/\s+/g, '')}()`.slice(0, 60);
}
