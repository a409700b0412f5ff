/** Which async APIs a Django version has, so fixes never suggest one the target lacks. */

export type DjangoVersion = readonly [number, number];

export function atLeast(target: DjangoVersion, major: number, minor: number): boolean {
  return target[0] > major || (target[0] === major && target[1] >= minor);
}

export function formatVersion(v: DjangoVersion): string {
  return `${v[0]}.${v[1]}`;
}

/** Sync QuerySet method -> its async variant (Django 4.1). */
export const ASYNC_QUERYSET_METHODS: ReadonlyMap<string, string> = new Map([
  ['get', 'aget'], ['first', 'afirst'], ['last', 'alast'], ['earliest', 'aearliest'], ['latest', 'alatest'],
  ['count', 'acount'], ['exists', 'aexists'], ['aggregate', 'aaggregate'], ['create', 'acreate'],
  ['update', 'aupdate'], ['delete', 'adelete'], ['in_bulk', 'ain_bulk'], ['get_or_create', 'aget_or_create'],
  ['update_or_create', 'aupdate_or_create'], ['bulk_create', 'abulk_create'], ['bulk_update', 'abulk_update'],
  ['contains', 'acontains'], ['explain', 'aexplain'], ['iterator', 'aiterator'],
]);
/** Related-manager methods (Django 4.2). */
export const ASYNC_RELATED_MANAGER_METHODS: ReadonlyMap<string, string> = new Map([
  ['add', 'aadd'], ['remove', 'aremove'], ['set', 'aset'], ['clear', 'aclear'],
]);
/** Model instance methods (Django 4.2). */
export const ASYNC_MODEL_METHODS: ReadonlyMap<string, string> = new Map([
  ['save', 'asave'], ['delete', 'adelete'], ['refresh_from_db', 'arefresh_from_db'],
]);
/** Cache API (Django 4.0). */
export const ASYNC_CACHE_METHODS: ReadonlyMap<string, string> = new Map([
  ['get', 'aget'], ['set', 'aset'], ['add', 'aadd'], ['delete', 'adelete'], ['get_many', 'aget_many'],
  ['set_many', 'aset_many'], ['delete_many', 'adelete_many'], ['get_or_set', 'aget_or_set'], ['incr', 'aincr'],
  ['decr', 'adecr'], ['touch', 'atouch'], ['has_key', 'ahas_key'], ['clear', 'aclear'], ['incr_version', 'aincr_version'],
  ['decr_version', 'adecr_version'], ['close', 'aclose'],
]);

export type AsyncApiKind = 'queryset' | 'related-manager' | 'model' | 'cache' | 'auser' | 'async-for' | 'shortcut';

/** First Django version with each family of async APIs. */
export const ASYNC_API_SINCE: Readonly<Record<AsyncApiKind, DjangoVersion>> = {
  queryset: [4, 1], 'async-for': [4, 1], 'related-manager': [4, 2], model: [4, 2], cache: [4, 0], auser: [5, 0],
  shortcut: [5, 0],
};

export function hasAsyncApi(target: DjangoVersion, kind: AsyncApiKind): boolean {
  const [maj, min] = ASYNC_API_SINCE[kind];
  return atLeast(target, maj, min);
}

/** The async variant of a sync method of the given kind, when the target version has it. */
export function asyncVariant(target: DjangoVersion, kind: AsyncApiKind, method: string): string | undefined {
  if (!hasAsyncApi(target, kind)) return undefined;
  const table = kind === 'queryset' ? ASYNC_QUERYSET_METHODS : kind === 'related-manager' ? ASYNC_RELATED_MANAGER_METHODS
    : kind === 'model' ? ASYNC_MODEL_METHODS : kind === 'cache' ? ASYNC_CACHE_METHODS : undefined;
  return table?.get(method);
}
