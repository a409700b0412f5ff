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

/** Relation chains of `modelKey` that serializing one instance with `s` reads (lazy loads unless pre-loaded). */
export function serializerReads(all: readonly SerializerDecl[], models: ModelIndex, s: SerializerDecl, modelKey: string, nesting = 0): SerializerRead[] {
  if (nesting > MAX_NESTING) return [];
  const out: SerializerRead[] = [];
  const chain = lineage(all, s);
  const declared = new Map<string, (typeof s.declared)[number]>();
  for (const d of chain) for (const f of d.declared) declared.set(f.name, f);
  let fields: string[] | '__all__' | undefined;
  let depth = 0;
  for (const d of chain) {
    if (d.depth !== undefined) depth = d.depth;
    if (d.fields !== undefined) {
      const inherited = d.fieldsFrom ? findSerializer(all, d.fieldsFrom, d.uri)?.fields : undefined;
      fields = d.fields === '__all__' ? '__all__' : [...(Array.isArray(inherited) ? inherited : []), ...d.fields];
    }
  }
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
        follow(names, f.name, (target) => (nested ? serializerReads(all, models, nested, target, nesting + 1) : []));
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
  const implicit = fields === '__all__'
    ? [...(model?.relations.values() ?? [])].filter((r) => r.declaredIn === modelKey && ['fk', 'o2o', 'm2m'].includes(r.kind)).map((r) => r.accessor)
    : fields ?? [];
  for (const name of implicit) {
    if (declared.has(name)) continue;
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
