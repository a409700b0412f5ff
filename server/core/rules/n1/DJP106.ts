import { clipCode } from '../../text/clip';
import { ruleMeta, formatQueryCost, type Finding, type Rule } from '../types';
import { iterationLoops, loopCost } from '../../django/n1Analysis';
import { isMaterialized } from '../../django/evaluation';
import { rangeOf, nodesOfType } from '../../python/syntax';

export const meta = ruleMeta({
  code: 'DJP106',
  name: 'write-per-row',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'A write (save/create/update/delete) runs once per loop iteration; use bulk_create/bulk_update or one update().',
});

const INSTANCE_WRITES = new Set(['save', 'delete']);
const QUERYSET_WRITES = new Set(['create', 'update', 'delete', 'get_or_create', 'update_or_create', 'add', 'remove', 'set', 'clear']);

function advice(method: string, onInstance: boolean): string {
  if (onInstance && method === 'save') {
    return 'use one queryset update() with F() expressions, or collect the rows and call Model.objects.bulk_update(rows, [fields])';
  }
  if (onInstance && method === 'delete') return 'delete them with one queryset delete() (filter(pk__in=…).delete())';
  if (method === 'create') return 'build the objects in the loop and insert them with one bulk_create()';
  if (method === 'update') return 'express the change as one update() over a filter covering all rows (with F()/Case/When), or bulk_update()';
  if (method === 'add' || method === 'remove' || method === 'set' || method === 'clear') {
    return 'pass all objects to one add()/remove() call, or bulk_create() the through rows';
  }
  return 'batch the writes (bulk_create / bulk_update / one update() or delete())';
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    for (const n of nodesOfType(ctx.file.tree.rootNode, 'call')) {
      const fn = n.childForFieldName('function');
      if (fn?.type !== 'attribute') continue;
      const method = fn.childForFieldName('attribute')?.text ?? '';
      if (!INSTANCE_WRITES.has(method) && !QUERYSET_WRITES.has(method)) continue;
      const receiverNode = fn.childForFieldName('object');
      const receiver = ctx.evaluator.evaluate(receiverNode);
      if (!receiver) continue;
      // `set(qs.values_list(...)).add(x)`: the rows were copied into a Python collection; its methods run no query.
      if (receiver.kind === 'queryset' && receiverNode && isMaterialized(receiverNode)) continue;
      const onInstance = receiver.kind === 'instance';
      if (onInstance ? !INSTANCE_WRITES.has(method) : !QUERYSET_WRITES.has(method)) continue;
      const loops = iterationLoops(ctx, n);
      if (loops.length === 0) continue;
      const model = ctx.workspace.models.get(receiver.model);
      const cost = loopCost(ctx, loops, 1, receiver.model);
      findings.push({
        code: meta.code,
        range: rangeOf(n),
        message: `Write per row: \`${clipCode(n.text, 80)}\` runs one ${onInstance && method === 'save' ? 'UPDATE' : 'write'} query${model ? ` on ${model.name}` : ''} per iteration ` +
          `(${formatQueryCost(cost)}, N = ${loops[0].factor}); ${advice(method, onInstance)}. Bulk operations skip ` +
          'save()/delete() overrides and the pre_save/post_save/m2m_changed signals: check nothing relies on them.',
        cost,
        related: [{ range: rangeOf(loops[0].loop), message: 'once per iteration of this loop' }],
      });
    }
    return findings;
  },
};
