import { ruleMeta, type Finding, type Rule } from '../types';
import { evaluationRange, hasKeyword, lockSites, lookups, type LockSite } from './lockFacts';
import { sharedFacts } from '../async/env';
import type { RuleContext } from '../context';
import { rangeOf } from '../../python/syntax';
import { lockHolds, type LockHold } from './lockHold';

export const meta = ruleMeta({
  code: 'DJP203',
  name: 'hot-row-lock-in-request-path',
  family: 'locks',
  defaultSeverity: 'warning',
  summary: 'select_for_update() in a request path on a row many requests share, held long (I/O or many queries under it) or fetched by a constant key: requests queue on the lock.',
});

const USER_SCOPED = /^(user|owner|customer|account|author|created_by|session|session_key|buyer|member|profile)(_id)?(__.*)?$/;
const CONSTANT = new Set(['integer', 'string', 'true', 'false', 'float']);
const SINGLE_ROW = new Set(['get', 'first', 'last', 'earliest', 'latest', 'get_or_create', 'update_or_create']);
const HOT_MODEL = /(stock|counter|inventory|balance|sequence|quota|seat|wallet|ticket_?pool|allocation)/i;

/** Marks a reason that needs no evidence of a long hold: every request locks the very same row. */
const CONSTANT_KEY = '\u0000';
/** Queries after the lock that make the hold long by themselves (each a round trip with the row locked). */
const MANY_QUERIES = 4;

/**
 * Evidence that the lock is held long: slow work (I/O, sleep, cache, a query per loop iteration; through helpers)
 * or many queries between the lock and the commit. A short lock inside atomic() is how locking should look.
 */
function longHold(site: LockSite, holds: readonly LockHold[]): string | undefined {
  const hold = holds.find((h) => h.lock === site) ??
    holds.find((h) => site.evaluation.node.startIndex >= h.scope.body.startIndex && site.evaluation.node.endIndex <= h.scope.body.endIndex);
  if (!hold) return undefined;
  if (hold.slow.length) return `the lock is held across ${hold.slow[0].what}`;
  if (hold.queries >= MANY_QUERIES) return `the lock is held across ${hold.queries} more queries`;
  return undefined;
}

/** Why the locked row is shared by many requests, or undefined when it looks per-user/per-object. */
export function hotRowReason(ctx: RuleContext, site: LockSite): string | undefined {
  const keys = lookups(site.evaluation);
  if (keys.length === 0) return undefined;
  const model = ctx.workspace.models.get(site.model);
  for (const k of keys) {
    const name = k.childForFieldName('name')?.text ?? '';
    const value = k.childForFieldName('value');
    if (USER_SCOPED.test(name) || /\brequest\.user\b/.test(value?.text ?? '')) return undefined;
  }
  const single = site.evaluation.kind === 'method' && SINGLE_ROW.has(site.evaluation.method ?? '');
  for (const k of keys) {
    const value = k.childForFieldName('value');
    const key = k.childForFieldName('name')?.text ?? '';
    if (value && CONSTANT.has(value.type) && (single || key === 'pk' || key === 'id')) return `${CONSTANT_KEY}it is fetched by a constant (\`${k.text}\`): every request locks the same row`;
  }
  for (const k of keys) {
    const name = (k.childForFieldName('name')?.text ?? '').split('__')[0];
    const rel = ctx.workspace.models.relation(site.model, name.replace(/_id$/, ''));
    if (rel && !rel.many && (rel.kind === 'fk' || rel.kind === 'o2o')) {
      const target = rel.target ? ctx.workspace.models.get(rel.target)?.name : undefined;
      return `it is keyed by \`${name}\`: every request for the same ${target ?? 'parent'} locks this one ${model?.name ?? ''} row`;
    }
  }
  if (model && HOT_MODEL.test(model.name)) return `${model.name} is a shared ${HOT_MODEL.exec(model.name)?.[1].toLowerCase()} row that concurrent requests update`;
  return undefined;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const facts = sharedFacts(ctx);
    const findings: Finding[] = [];
    const sites = lockSites(ctx);
    const holds = lockHolds(ctx, sites);
    for (const site of sites) {
      if (hasKeyword(site.forUpdate, 'skip_locked') || hasKeyword(site.forUpdate, 'nowait')) continue;
      const rp = facts.requestPath(site.fn);
      if (!rp) continue;
      const shared = hotRowReason(ctx, site);
      if (!shared) continue;
      const constant = shared.startsWith(CONSTANT_KEY);
      const held = constant ? undefined : longHold(site, holds);
      if (!constant && !held) continue;
      const reason = `${shared.replace(CONSTANT_KEY, '')}${held ? `, and ${held}` : ''}`;
      findings.push({
        code: meta.code,
        range: evaluationRange(site.evaluation),
        message: `Hot row lock in a request path: ${site.rowKey} is locked with select_for_update() and ${reason}. ` +
          `Concurrent requests wait for each other for the whole transaction, so throughput on this row is 1 / (lock hold time). ` +
          `Prefer one atomic conditional update (\`.filter(..., available__gte=n).update(available=F("available") - n)\` and check the row count), ` +
          `an optimistic version column with retry, or select_for_update(skip_locked=True / nowait=True) where skipping or failing fast fits.`,
        cost: { kind: 'lock', rowKey: site.rowKey, heldAcross: [] },
        related: [{ range: rangeOf(rp.fn.childForFieldName('name') ?? rp.fn), message: `request path: ${rp.reason}` }],
      });
    }
    return findings;
  },
};
