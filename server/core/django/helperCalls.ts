import { clipCode } from '../text/clip';
import type { Node, Tree } from '../parsing/syntaxTree';
import type { RuleContext } from '../rules/context';
import type { RelatedLocation } from '../rules/types';
import { isRowUse, type RowLoop } from './rowLoops';
import { dottedName, keywordArg, positionalArgs, nodesOfType, parentOf } from '../python/syntax';
import { importsOf, resolveName } from '../python/imports';
import { summarizeFunctions, type FunctionSummary, type ParamRead } from '../workspace/functionSummaries';
import { MemoKey } from '../memo';
import { WRITE_LIKE_METHODS } from './selfCalls';

/**
 * One level of helper calls that receive a row: `render_row(p)` in a row loop, where `render_row` is a
 * module-level function of this file or one imported from another workspace module, and `map(helper, qs)`.
 * What the helper reads on the parameter that receives the row is taken from its function summary.
 */
export interface HelperRowCall {
  loop: RowLoop;
  /** The call site (`render_row(p)`), or the `map(helper, qs)` call. */
  call: Node;
  /** The helper's name, as defined. */
  name: string;
  /** The parameter that receives the row. */
  param: string;
  reads: ParamRead[];
  /** File defining the helper when it is another module (undefined: this file). */
  uri?: string;
  /** A model property read on the row (`row.label`), not a call. */
  property?: boolean;
}

/** `render_row()`, `Book.author_name()`, or `Book.label` for a property: the helper as messages name it. */
export function helperLabel(call: HelperRowCall): string {
  return call.property ? call.name : `${call.name}()`;
}

const LOCAL_SUMMARIES = new MemoKey<Map<string, FunctionSummary>>('function summaries of this file');

function sameFileSummary(tree: Tree, name: string): FunctionSummary | undefined {
  return tree.memos.get(LOCAL_SUMMARIES, () => new Map(summarizeFunctions(tree).map((s) => [s.name, s]))).get(name);
}

/** The module-level function a callee expression names: in this file, or imported from a workspace module. */
export function resolveHelper(ctx: RuleContext, callee: Node): { summary: FunctionSummary; uri?: string } | undefined {
  const parts = dottedName(callee);
  if (!parts) return undefined;
  const imports = importsOf(ctx.file.tree.rootNode);
  if (parts.length === 1 && !imports.has(parts[0])) {
    const local = sameFileSummary(ctx.file.tree, parts[0]);
    return local ? { summary: local } : undefined;
  }
  if (!imports.has(parts[0])) return undefined;
  const qualified = resolveName(callee, imports);
  const hit = qualified ? ctx.workspace.functions?.resolve(ctx.file.uri, qualified) : undefined;
  if (!hit || hit.uri === ctx.file.uri) return hit ? { summary: hit.summary } : undefined;
  return hit;
}

function paramFor(summary: FunctionSummary, call: Node, arg: Node): string | undefined {
  const positional = positionalArgs(call);
  const i = positional.findIndex((a) => a.id === arg.id);
  if (i >= 0) return summary.params[i];
  for (const name of [...summary.params, ...(summary.kwOnly ?? [])]) if (keywordArg(call, name)?.id === arg.id) return name;
  return undefined;
}

function computeHelperCalls(ctx: RuleContext, loop: RowLoop): HelperRowCall[] {
  const out: HelperRowCall[] = [];
  if (loop.mapHelper) {
    const hit = resolveHelper(ctx, loop.mapHelper);
    const param = hit?.summary.params[0];
    const reads = param ? hit.summary.reads[param] : undefined;
    if (hit && param && reads?.length && !hit.summary.isAsync) {
      out.push({ loop, call: loop.loop, name: hit.summary.name, param, reads, uri: hit.uri });
    }
    return out;
  }
  for (const scope of loop.perRow) {
    for (const n of nodesOfType(scope, 'call')) {
      const fn = n.childForFieldName('function');
      const args = n.childForFieldName('arguments');
      if (!fn || !args || (fn.type !== 'identifier' && fn.type !== 'attribute')) continue;
      for (const a of args.namedChildren) {
        const arg = a?.type === 'keyword_argument' ? a.childForFieldName('value') : a;
        if (arg?.type !== 'identifier' || !isRowUse(loop, arg)) continue;
        const hit = resolveHelper(ctx, fn);
        if (!hit || hit.summary.isAsync) break;
        const param = paramFor(hit.summary, n, arg);
        const reads = param ? hit.summary.reads[param] : undefined;
        if (param && reads?.length) out.push({ loop, call: n, name: hit.summary.name, param, reads, uri: hit.uri });
        break;
      }
    }
  }
  out.push(...modelMethodCalls(ctx, loop));
  return out;
}


/**
 * `row.author_name()` / `row.label` in a row loop, where the row's model (or a model base) defines that method or
 * property and it reads relations of `self`: each row runs those reads. The row is `self`.
 */
function modelMethodCalls(ctx: RuleContext, loop: RowLoop): HelperRowCall[] {
  const model = ctx.workspace.models.get(loop.source.model);
  if (!model?.methodReads?.size) return [];
  const out: HelperRowCall[] = [];
  const seen = new Set<string>();
  for (const scope of loop.perRow) {
    for (const n of nodesOfType(scope, 'attribute')) {
      const object = n.childForFieldName('object');
      const name = n.childForFieldName('attribute')?.text;
      if (object?.type !== 'identifier' || !name || !isRowUse(loop, object)) continue;
      // A field or relation of that name is data, not the method (Django fields shadow nothing here).
      if (model.columns.has(name) || model.relations.has(name)) continue;
      const method = model.methodReads.get(name);
      // save()/delete() and validation are writes (DJP106) whose reads depend on flags and state; reported once per loop.
      if (!method || WRITE_LIKE_METHODS.has(name) || seen.has(name)) continue;
      const parent = parentOf(n);
      const called = parent?.type === 'call' && parent.childForFieldName('function')?.id === n.id;
      if (called === method.property) continue; // a property called, or a method only referenced: not run here
      seen.add(name);
      const site = called ? (parent as Node) : n;
      const uri = method.uri === ctx.file.uri ? undefined : method.uri;
      out.push({ loop, call: site, name: `${method.model}.${name}`, param: 'self', reads: method.reads, ...(uri ? { uri } : {}), ...(method.property ? { property: true } : {}) });
    }
  }
  return out;
}

const HELPER_CALLS = new MemoKey<Map<RowLoop, HelperRowCall[]>>('helper calls per row loop');

/** Helper calls inside a row loop that receive the row (computed once per loop and file). */
export function helperCalls(ctx: RuleContext, loop: RowLoop): HelperRowCall[] {
  return ctx.memos.entry(HELPER_CALLS, loop, () => computeHelperCalls(ctx, loop));
}

/** `render_row() reads product.category` and where, for messages and related information. */
export function helperRelated(call: HelperRowCall, read: ParamRead, what: string): RelatedLocation {
  // Through self calls: `Story.team_name() → board_label() reads …`, the chain from the loop's call to the read.
  const chain = read.via?.length ? ` → ${read.via.map((m) => `${m}()`).join(' → ')}` : '';
  return { ...(call.uri ? { uri: call.uri } : {}), range: read.range, message: `${helperLabel(call)}${chain} ${what} \`${read.text}\` here` };
}

/** The call site as users read it in messages. */
export function callText(call: HelperRowCall): string {
  return clipCode(call.call.text, 80);
}

