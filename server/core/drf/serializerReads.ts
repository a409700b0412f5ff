import type { ModelIndex } from '../django/modelIndex';
import type { SerializerDecl } from './serializerDecls';

/** One relation chain a serializer follows from each row: `category`, `stock`, `reviews`, `reviews__author`. */
export interface SerializerRead {
  /** Relation accessors from the row model. */
  path: string[];
  /** Which serializer field causes it (for messages). */
  field: string;
}

const MAX_NESTING = 4;

/** Serializer lookup by class name (the one from `preferUri` wins). */
export function findSerializer(all: readonly SerializerDecl[], name: string, preferUri?: string): SerializerDecl | undefined {
  const list = all.filter((s) => s.name === name);
  return list.find((s) => s.uri === preferUri) ?? list[0];
}

function lineage(all: readonly SerializerDecl[], s: SerializerDecl, seen = new Set<SerializerDecl>()): SerializerDecl[] {
  if (seen.has(s)) return [];
  seen.add(s);
  const out: SerializerDecl[] = [];
  for (const b of s.bases) {
    const parent = findSerializer(all, b, s.uri);
    if (parent) out.push(...lineage(all, parent, seen));
  }
  out.push(s);
  return out;
}

/** The model a serializer serializes (Meta.model, inherited through Meta or class bases). */
export function serializerModel(all: readonly SerializerDecl[], s: SerializerDecl): string | undefined {
  const chain = lineage(all, s).reverse();
  for (const d of chain) if (d.model) return d.model;
  for (const d of chain) {
    const m = d.metaFrom ? findSerializer(all, d.metaFrom, d.uri) : undefined;
    if (m?.model) return m.model;
  }
  return undefined;
}

/** The fields a caller lets a nested serializer render (`PublisherSerializer(fields=["id", "name"])`). */
export interface FieldSubset {
  only?: readonly string[];
  omit?: readonly string[];
}

/** Whether a serializer (or a workspace base) overrides to_representation: what it renders is not its fields. */
export function rendersCustom(all: readonly SerializerDecl[], s: SerializerDecl): boolean {
  return lineage(all, s).some((d) => d.customRepresentation);
}

/** Relation chains of `modelKey` that serializing one instance with `s` reads (lazy loads unless pre-loaded). */
export function serializerReads(all: readonly SerializerDecl[], models: ModelIndex, s: SerializerDecl, modelKey: string, nesting = 0, subset: FieldSubset = {}): SerializerRead[] {
  if (nesting > MAX_NESTING) return [];
  const out: SerializerRead[] = [];
  const chain = lineage(all, s);
  // A custom to_representation renders what its code says: the relation that reached it is read, nothing below.
  if (chain.some((d) => d.customRepresentation)) return [];
  const declared = new Map<string, (typeof s.declared)[number]>();
  for (const d of chain) for (const f of d.declared) declared.set(f.name, f);
  let fields: string[] | '__all__' | undefined;
  let exclude: string[] | undefined;
  let depth = 0;
  for (const d of chain) {
    if (d.depth !== undefined) depth = d.depth;
    if (d.exclude !== undefined) exclude = d.exclude;
    if (d.fields !== undefined) {
      const inherited = d.fieldsFrom ? findSerializer(all, d.fieldsFrom, d.uri)?.fields : undefined;
      fields = d.fields === '__all__' ? '__all__' : [...(Array.isArray(inherited) ? inherited : []), ...d.fields];
      exclude = undefined;
    }
    if (d.metaFrom && d.fields === undefined && d.exclude === undefined) {
      const meta = findSerializer(all, d.metaFrom, d.uri);
      if (meta?.fields !== undefined) fields = meta.fields;
      if (meta?.exclude !== undefined) exclude = meta.exclude;
    }
  }
  // DRF renders a declared field only when Meta.fields lists it (when it is a list), never an excluded one, and a
  // nested serializer only the subset its caller passes.
  const renders = (name: string): boolean =>
    (!Array.isArray(fields) || fields.includes(name)) && !exclude?.includes(name) &&
    (!subset.only || subset.only.includes(name)) && !subset.omit?.includes(name);
  for (const name of [...declared.keys()]) if (!renders(name)) declared.delete(name);
  const follow = (names: string[], field: string, tail: (target: string) => SerializerRead[]): void => {
    let model = modelKey;
    const path: string[] = [];
    for (const n of names) {
      const rel = models.relation(model, n);
      if (!rel?.target) break;
      path.push(n);
      out.push({ path: [...path], field });
      model = rel.target;
    }
    if (path.length === names.length && path.length > 0) {
      for (const r of tail(model)) out.push({ path: [...path, ...r.path], field });
    }
  };
  const strReads = (target: string): SerializerRead[] => {
    const reads: SerializerRead[] = [];
    for (const chainNames of models.get(target)?.strReads ?? []) {
      let m = target;
      const p: string[] = [];
      for (const n of chainNames) {
        const rel = models.relation(m, n);
        if (!rel?.target) break;
        p.push(n);
        reads.push({ path: [...p], field: '__str__' });
        m = rel.target;
      }
    }
    return reads;
  };
  for (const f of declared.values()) {
    const source = f.source ?? f.name;
    if (source === '*') continue;
    const names = source.split('.');
    switch (f.kind) {
      case 'nested': {
        const nested = f.serializer ? findSerializer(all, f.serializer, s.uri) : undefined;
        // `fields=` given a value djperf cannot read: the nested object is read, which of its fields render is not known.
        follow(names, f.name, (target) => (nested && !f.subsetUnknown ? serializerReads(all, models, nested, target, nesting + 1, { only: f.only, omit: f.omit }) : []));
        break;
      }
      case 'string-related':
        follow(names, f.name, strReads);
        break;
      case 'pk-related': {
        // A single PrimaryKeyRelatedField reads `<fk>_id` only; many=True walks the manager.
        const rel = models.relation(modelKey, names[0]);
        if (names.length > 1 || f.many || rel?.many) follow(names, f.name, () => []);
        break;
      }
      case 'method':
        for (const r of lineage(all, s).flatMap((d) => d.methodReads[f.method ?? ''] ?? [])) follow(r, f.name, () => []);
        break;
      default:
        follow(names, f.name, () => []);
    }
  }
  const model = models.get(modelKey);
  // `fields = "__all__"` and `exclude = [...]` render every forward relation of the model but the excluded ones.
  const implicit = fields === '__all__' || (fields === undefined && exclude !== undefined)
    ? [...(model?.relations.values() ?? [])].filter((r) => r.declaredIn === modelKey && ['fk', 'o2o', 'm2m'].includes(r.kind)).map((r) => r.accessor)
    : fields ?? [];
  for (const name of implicit) {
    if (declared.has(name) || !renders(name)) continue;
    const rel = models.relation(modelKey, name);
    if (!rel?.target) continue;
    if (depth > 0) {
      const target = rel.target;
      out.push({ path: [name], field: name });
      for (const r of implicitDepth(models, target, depth - 1)) out.push({ path: [name, ...r.path], field: name });
    } else if (rel.many) {
      out.push({ path: [name], field: name }); // ManyRelatedField of primary keys: iterates the manager
    }
  }
  return out;
}

/** `Meta.depth`: every forward relation of the nested model, to the given depth. */
function implicitDepth(models: ModelIndex, modelKey: string, depth: number): SerializerRead[] {
  const out: SerializerRead[] = [];
  for (const rel of models.get(modelKey)?.relations.values() ?? []) {
    if (rel.declaredIn !== modelKey || !rel.target || !['fk', 'o2o', 'm2m'].includes(rel.kind)) continue;
    if (depth > 0) {
      out.push({ path: [rel.accessor], field: rel.accessor });
      for (const r of implicitDepth(models, rel.target, depth - 1)) out.push({ path: [rel.accessor, ...r.path], field: rel.accessor });
    } else if (rel.many) out.push({ path: [rel.accessor], field: rel.accessor });
  }
  return out;
}
