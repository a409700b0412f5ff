import type { Node } from '../parsing/syntaxTree';
import type { RuleContext } from '../rules/context';
import { walk } from '../python/syntax';
import { MemoKey } from '../memo';

const INSTANCE_WRITES = new Set(['save', 'delete']);
const QUERYSET_WRITES = new Set(['create', 'update', 'delete', 'get_or_create', 'update_or_create', 'bulk_create', 'bulk_update']);

/** Per file: the models each loop body writes (one walk per body, however many queries sit inside it). */
const WRITTEN_MODELS = new MemoKey<Map<number, ReadonlySet<string>>>('models written per loop body');

/**
 * Whether code inside `body` writes rows of `model` (`Model.objects.create()`, `row.save()` on a row of it): a
 * query on that model then sees different rows on each iteration, so it is not loop-invariant even when its
 * arguments are. Only writes whose receiver resolves to the model count; nested defs are not run by the loop.
 */
export function writesModel(ctx: RuleContext, body: Node, model: string): boolean {
  const perBody = ctx.memos.get(WRITTEN_MODELS, () => new Map());
  let written = perBody.get(body.id);
  if (!written) {
    written = modelsWritten(ctx, body);
    perBody.set(body.id, written);
  }
  return written.has(model);
}

function modelsWritten(ctx: RuleContext, body: Node): ReadonlySet<string> {
  const out = new Set<string>();
  walk(body, (n) => {
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type !== 'call') return true;
    const fn = n.childForFieldName('function');
    if (fn?.type !== 'attribute') return true;
    const method = fn.childForFieldName('attribute')?.text ?? '';
    if (!INSTANCE_WRITES.has(method) && !QUERYSET_WRITES.has(method)) return true;
    const receiver = ctx.evaluator.evaluate(fn.childForFieldName('object'));
    if (receiver) out.add(receiver.model);
    return true;
  });
  return out;
}
