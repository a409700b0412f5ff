import type { Atom } from './atoms';
import type { CacheAdvice, EndpointProfile } from './types';

/** A place in the workspace that writes a model (`app.Model`) or an M2M relation (`app.Model.accessor`). */
export interface WriteSite {
  uri: string;
  /** 0-based line. */
  line: number;
  model: string;
  what: string;
  /** Enclosing function, for the message. */
  fn?: string;
}

export interface CacheAdviceInput {
  profile: EndpointProfile;
  /** Every atom of the handler path (hops flattened). */
  atoms: readonly Atom[];
  writes: readonly WriteSite[];
  routeKwargs: string[];
  queryParams: string[];
  handlerWrites: readonly Atom[];
  writesMethod: boolean;
  /** The handler renders a template (`render()`, TemplateResponse): fragment caching fits better. */
  rendersTemplate: boolean;
}

/** `1 + 2N queries` from the top-level db steps of the profile (N = rows). */
function queryCost(profile: EndpointProfile): string | undefined {
  let base = 0;
  let perRow = 0;
  const visit = (steps: readonly unknown[]) => {
    for (const s of steps as Record<string, unknown>[]) {
      if ('db' in s) {
        const q = (s.db as { queries?: number | { base: number; perRow: number } }).queries ?? 1;
        if (typeof q === 'number') base += q; else { base += q.base; perRow += q.perRow; }
      }
      for (const k of ['lock', 'hop', 'repeat'] as const) if (k in s) visit((s[k] as { steps: unknown[] }).steps);
      if ('cache' in s) visit(((s.cache as { miss?: unknown[] }).miss) ?? []);
    }
  };
  visit(profile.endpoint.steps);
  if (!base && !perRow) return undefined;
  return `${base}${perRow ? ` + ${perRow === 1 ? '' : perRow}N` : ''} queries`;
}

const DEFAULT_TTL_INVALIDATED = 300;
const DEFAULT_TTL_UNINVALIDATED = 60;

function shortModel(m: string): string {
  const parts = m.split('.');
  return parts.length > 2 ? parts.slice(-2).join('.') : parts[parts.length - 1];
}

/**
 * Caching advice for a read-only handler (GET, no writes on its path, no request.user): what to cache, under
 * which key (built from the URL kwargs and query params it reads), for how long, and every write in the
 * workspace that must invalidate it. For any other handler, why caching it would be unsafe.
 */
export function cacheAdviceFor(input: CacheAdviceInput): { advice?: CacheAdvice; unsafe?: string } {
  const { profile, atoms } = input;
  if (input.handlerWrites.length) {
    const w = input.handlerWrites[0].write!;
    return { unsafe: `not cacheable: it writes (${w.what} on ${shortModel(w.model)}, line ${input.handlerWrites[0].line + 1}${input.handlerWrites.length > 1 ? ` and ${input.handlerWrites.length - 1} more` : ''}); a cached response would skip the write` };
  }
  if (input.writesMethod) return { unsafe: `not cacheable: it serves ${profile.methods?.join('/')} (a state-changing method)` };
  if (profile.usesRequestUser) {
    return { unsafe: 'not cacheable as a shared entry: it reads request.user (login-protected or per-user data); one cache entry would serve one user\'s response to another. Cache per user (key with the user id) only if the data is really per user' };
  }
  const queryAtoms = atoms.filter((a) => a.kind === 'db' || a.kind === 'io');
  if (!queryAtoms.length) return {};
  const reads = new Set(atoms.flatMap((a) => a.reads ?? []));
  // An M2M write (`Logbook.likes.add`) invalidates a handler that reads the relation or the owning model's rows with it.
  const touches = (w: WriteSite) => reads.has(w.model);
  const sites = input.writes.filter(touches);
  const invalidateAt = sites.map((w) => ({ uri: w.uri, line: w.line, what: / receiver for /.test(w.what) ? w.what : `${w.what}${w.fn ? ` in ${w.fn}` : ''} writes ${shortModel(w.model)}` }));
  const existing = atoms.find((a) => a.kind === 'cache' && a.cache?.op === 'get' && a.cache.key !== undefined);
  const renders = input.rendersTemplate;
  const kind: CacheAdvice['kind'] = existing ? 'get_or_set' : renders ? 'fragment' : invalidateAt.length ? 'get_or_set' : 'view';
  const parts = [...input.routeKwargs.map((k) => `{${k}}`), ...input.queryParams.map((p) => `${p}={${p}}`)];
  const key = existing?.cache?.key ?? [profile.id, ...parts].join(':');
  const ttlSeconds = existing?.cache?.ttlMs ? existing.cache.ttlMs / 1000 : invalidateAt.length ? DEFAULT_TTL_INVALIDATED : DEFAULT_TTL_UNINVALIDATED;
  const modelList = [...reads].filter((r) => r.split('.').length === 2).map(shortModel);
  const cost = queryCost(profile);
  const rationale = [
    `${profile.methods ? `${profile.methods.join('/')} only` : 'no state-changing method'}, no writes on its path and no request.user: every visitor gets the same response`,
    input.routeKwargs.length || input.queryParams.length ? `so the key varies only by what the handler reads (${[...input.routeKwargs, ...input.queryParams].join(', ')})` : 'so one key serves everyone',
    modelList.length ? `it reads ${[...new Set(modelList)].join(', ')}` : '',
    cost ? `and runs ${cost} per request today` : '',
    existing ? `It is already cached under "${existing.cache?.key}"; every write below must delete that key` :
      invalidateAt.length ? `Delete the key at the ${invalidateAt.length} write${invalidateAt.length > 1 ? 's' : ''} below (or on post_save/m2m_changed of those models); the TTL is a safety net` :
        'No write to these models was found in the workspace, so a TTL alone bounds staleness (writes from outside the code base, e.g. SQL or another service, are not visible to djperf)',
  ].filter(Boolean).join('; ');
  return { advice: { kind, key, ttlSeconds, invalidateAt, rationale: `${rationale}.` } };
}
