import { clipCode } from '../text/clip';
import type { Node, Tree } from '../parsing/syntaxTree';
import type { RuleContext } from '../rules/context';
import type { RelatedLocation } from '../rules/types';
import { isRowUse, type RowLoop } from './rowLoops';
import { dottedName, keywordArg, positionalArgs, nodesOfType } from '../python/syntax';
import { importsOf, resolveName } from '../python/imports';
import { summarizeFunctions, type FunctionSummary, type ParamRead } from '../workspace/functionSummaries';
import { MemoKey } from '../memo';

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
  return out;
}

const HELPER_CALLS = new MemoKey<Map<RowLoop, HelperRowCall[]>>('helper calls per row loop');

/** Helper calls inside a row loop that receive the row (computed once per loop and file). */
export function helperCalls(ctx: RuleContext, loop: RowLoop): HelperRowCall[] {
  const perLoop = ctx.memos.get(HELPER_CALLS, () => new Map());
  let calls = perLoop.get(loop);
  if (!calls) {
    calls = computeHelperCalls(ctx, loop);
    perLoop.set(loop, calls);
  }
  return calls;
}

/** `render_row() reads product.category` and where, for messages and related information. */
export function helperRelated(call: HelperRowCall, read: ParamRead, what: string): RelatedLocation {
  return { ...(call.uri ? { uri: call.uri } : {}), range: read.range, message: `${call.name}() ${what} \`${read.text}\` here` };
}

/** The call site as users read it in messages. */
export function callText(call: HelperRowCall): string {
  return clipCode(call.call.text, 80);
}

