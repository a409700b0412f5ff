import type { Node } from '../parsing/syntaxTree';
import type { RuleContext } from '../rules/context';
import { walk } from '../python/syntax';

const INSTANCE_WRITES = new Set(['save', 'delete']);
const QUERYSET_WRITES = new Set(['create', 'update', 'delete', 'get_or_create', 'update_or_create', 'bulk_create', 'bulk_update']);

/**
 * Whether code inside `body` writes rows of `model` (`Model.objects.create()`, `row.save()` on a row of it): a
 * query on that model then sees different rows on each iteration, so it is not loop-invariant even when its
 * arguments are. Only writes whose receiver resolves to the model count; nested defs are not run by the loop.
 */
export function writesModel(ctx: RuleContext, body: Node, model: string): boolean {
  let hit = false;
  walk(body, (n) => {
    if (hit) return false;
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') return false;
    if (n.type !== 'call') return true;
    const fn = n.childForFieldName('function');
    if (fn?.type !== 'attribute') return true;
    const method = fn.childForFieldName('attribute')?.text ?? '';
    if (!INSTANCE_WRITES.has(method) && !QUERYSET_WRITES.has(method)) return true;
    const receiver = ctx.evaluator.evaluate(fn.childForFieldName('object'));
    if (receiver && receiver.model === model) hit = true;
    return true;
  });
  return hit;
}
