import type { ModelDecl, FieldDecl, MethodReads, SelfCalls } from './modelDecls';
import { followSelfCalls } from './selfCalls';
import { BUILTIN_MODEL_DECLS, MODEL_ROOT_BASES } from './builtinModels';
import type { Range } from '../parsing/textDocument';
import { isQuerysetClassBase, type QuerysetStep } from './querysetMethods';

/** Inheritance levels followed (real projects use a handful; a hostile chain of thousands must stay linear). */
const MAX_INHERITANCE_DEPTH = 16;

export type RelationKind =
  | 'fk' | 'o2o' | 'm2m' | 'generic-fk' | 'generic-relation'
  | 'reverse-fk' | 'reverse-o2o' | 'reverse-m2m' | 'parent-link' | 'child-link';

/** An attribute of a model instance that reaches another table. */
export interface RelationInfo {
  accessor: string;
  kind: RelationKind;
  /** Key (`app.Model`) of the model on the other side, when resolved. */
  target?: string;
  /** Single object (fk, o2o, reverse o2o) vs a related manager (reverse fk, m2m). */
  many: boolean;
  /** Where the field that creates the relation is declared. */
  declaredIn: string;
  /** Forward FK/O2O declared with `null=True`. */
  nullable?: boolean;
  /** Reverse relations: the forward field on the other model (`customer` of `customer.invoices`). */
  remoteField?: string;
  uri?: string;
  range?: Range;
}

export interface ModelInfo {
  key: string;
  name: string;
  appLabel: string;
  uri: string;
  range: Range;
  builtin: boolean;
  abstract: boolean;
  proxy: boolean;
  /** Concrete attribute names that need no query: columns and `<fk>_id` attnames. */
  columns: Set<string>;
  relations: Map<string, RelationInfo>;
  managers: Set<string>;
  methods: Set<string>;
  /** Resolved model bases (keys), nearest first. */
  parents: string[];
  /** `Meta.ordering` is set on the model or inherited. */
  ordered?: boolean;
  /** Attribute chains `__str__` reads from `self` (own or inherited). */
  strReads?: string[][];
  /** Methods and properties that read `self` (own first, then inherited), with the file that defines each. */
  methodReads?: Map<string, MethodReadsEntry>;
  /** Methods and properties of `self` each method uses (own first, then inherited); folded into methodReads. */
  selfCalls?: Map<string, SelfCallsEntry>;
  /** Field name -> field class (`CharField`), with `:choices` appended when choices are declared. */
  fieldClasses?: Map<string, string>;
  /** Manager attribute -> workspace classes defining its methods (own managers, else inherited ones). */
  managerClasses?: Map<string, string[]>;
  /** The first declared manager (Django's `_default_manager`, whose class related managers subclass). */
  defaultManager?: string;
}

/** What a custom QuerySet/Manager method does: its steps, or `null` when it is no readable chain on the queryset. */
export type CustomMethod = { steps: QuerysetStep[] | null; owner: string };

export interface ModelIndexOptions {
  /** `AUTH_USER_MODEL` from settings, e.g. "accounts.User"; default auth.User. */
  authUserModel?: string;
}

export type MethodReadsEntry = MethodReads & { uri: string; model: string };

/** One method's (or property's) reads of `self` on one model, as `ModelIndex.methodReadsIn` lists them. */
export interface ModelMethodReads {
  model: ModelInfo;
  name: string;
  entry: MethodReadsEntry;
}
type SelfCallsEntry = SelfCalls & { uri: string; model: string };

/**
 * A declaration's method reads and self calls as index entries, made once per declaration object: every keystroke
 * in a models module builds the index again, and all its declarations but the edited class's are the previous
 * version's objects (see extractClassDecls). The entries are shared, never changed: an index copies the list.
 */
const declEntries = new WeakMap<ModelDecl, { methodReads: [string, MethodReadsEntry][]; selfCalls: [string, SelfCallsEntry][] }>();

function entriesOf(d: ModelDecl): { methodReads: [string, MethodReadsEntry][]; selfCalls: [string, SelfCallsEntry][] } {
  let entries = declEntries.get(d);
  if (!entries) {
    const at = { uri: d.uri, model: d.name };
    entries = {
      methodReads: Object.entries(d.methodReads ?? {}).map(([k, v]) => [k, { ...v, ...at }]),
      selfCalls: Object.entries(d.selfCalls ?? {}).map(([k, v]) => [k, { ...v, ...at }]),
    };
    declEntries.set(d, entries);
  }
  return entries;
}

/** Every Django model of the workspace plus the built-in auth/contenttypes ones, with relations resolved. */
export class ModelIndex {
  private readonly byKey = new Map<string, ModelInfo>();
  private readonly byName = new Map<string, ModelInfo[]>();
  /** Workspace QuerySet/Manager classes by name (the ones with method summaries or bases to follow). */
  private readonly querysetClasses = new Map<string, ModelDecl[]>();
  /** Key of the user model (`AUTH_USER_MODEL`, else auth.User). */
  userModelKey?: string;

  /** methodReadsIn's table, built on its first call (the index is complete once `build` returns). */
  private readsByFile?: Map<string, ModelMethodReads[]>;

  /**
   * The methods' reads defined in `uri` (an inherited method's entry names its own file), in model order then method
   * order: every file's analysis asks, and going through every model of a large project each time cost DefectDojo's
   * scan 40 MB of iterator garbage.
   */
  methodReadsIn(uri: string): readonly ModelMethodReads[] {
    if (!this.readsByFile) {
      const byFile = new Map<string, ModelMethodReads[]>();
      for (const model of this.byKey.values()) {
        for (const [name, entry] of model.methodReads ?? []) {
          const list = byFile.get(entry.uri);
          if (list) list.push({ model, name, entry });
          else byFile.set(entry.uri, [{ model, name, entry }]);
        }
      }
      this.readsByFile = byFile;
    }
    return this.readsByFile.get(uri) ?? [];
  }

  static build(workspaceDecls: readonly ModelDecl[], options: ModelIndexOptions = {}): ModelIndex {
    const index = new ModelIndex();
    index.populate([...BUILTIN_MODEL_DECLS, ...workspaceDecls], options);
    return index;
  }

  get size(): number {
    return this.byKey.size;
  }
  models(): IterableIterator<ModelInfo> {
    return this.byKey.values();
  }
  get(key: string): ModelInfo | undefined {
    return this.byKey.get(key);
  }
  /** A model by class name; workspace models win over built-ins, then the first declared. */
  find(name: string, preferApp?: string): ModelInfo | undefined {
    if (name.includes('.')) {
      const [app, cls] = name.split('.');
      return this.byKey.get(`${app}.${cls}`) ?? this.byName.get(cls)?.[0];
    }
    const all = this.byName.get(name);
    if (!all) return undefined;
    return all.find((m) => m.appLabel === preferApp) ?? all.find((m) => !m.builtin) ?? all[0];
  }
  relation(modelKey: string, accessor: string): RelationInfo | undefined {
    return this.byKey.get(modelKey)?.relations.get(accessor);
  }

  /**
   * A method of the workspace QuerySet/Manager classes `classes` (nearest class first, then their bases):
   * undefined when none of them defines it (a Django method, or a class outside the workspace).
   */
  customMethod(classes: readonly string[], method: string): CustomMethod | undefined {
    const seen = new Set<string>();
    const queue = [...classes];
    while (queue.length && seen.size < MAX_INHERITANCE_DEPTH * 4) {
      const name = queue.shift() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const d of this.querysetClasses.get(name) ?? []) {
        const steps = d.querysetMethods?.[method];
        if (steps !== undefined) return { steps, owner: d.name };
        for (const b of d.bases) queue.push(b.split('.').pop() ?? b);
      }
    }
    return undefined;
  }

  /**
   * A custom method by name alone, when the chain's classes do not say where it is (`self.QUERY_SET_CLASS(...)
   * .order_by_id()`): used only when every workspace QuerySet/Manager class that defines it agrees on what it does.
   */
  customMethodByName(method: string): CustomMethod | undefined {
    let found: CustomMethod | undefined;
    for (const list of this.querysetClasses.values()) {
      for (const d of list) {
        const steps = d.querysetMethods?.[method];
        if (steps === undefined) continue;
        if (found && JSON.stringify(found.steps) !== JSON.stringify(steps)) return undefined;
        found ??= { steps, owner: d.name };
      }
    }
    return found;
  }

  /** Whether every class of `classes` is a workspace class (its methods are all known to customMethod). */
  knowsClasses(classes: readonly string[]): boolean {
    // Django's own BaseManager (a project may name its own class so too: then the workspace one counts).
    return classes.every((c) => this.querysetClasses.has(c) || c === 'BaseManager');
  }

  private populate(decls: readonly ModelDecl[], options: ModelIndexOptions): void {
    for (const d of decls) {
      if (!d.querysetMethods && !d.bases.some(isQuerysetClassBase)) continue;
      const list = this.querysetClasses.get(d.name) ?? [];
      list.push(d);
      this.querysetClasses.set(d.name, list);
    }
    const declsByName = new Map<string, ModelDecl[]>();
    for (const d of decls) {
      const list = declsByName.get(d.name) ?? [];
      list.push(d);
      declsByName.set(d.name, list);
    }
    const lookupDecl = (base: string, from: ModelDecl): ModelDecl | undefined => {
      const list = declsByName.get(base.slice(base.lastIndexOf('.') + 1));
      if (!list) return undefined;
      return list.find((d) => d.uri === from.uri && d !== from) ?? list.find((d) => d !== from);
    };
    // A class is a model when a base chain reaches models.Model (iterate: bases may be declared anywhere).
    const isModel = new Map<ModelDecl, boolean>();
    const check = (d: ModelDecl, seen: Set<ModelDecl>): boolean => {
      const known = isModel.get(d);
      if (known !== undefined) return known;
      if (seen.has(d) || seen.size > MAX_INHERITANCE_DEPTH) return false;
      seen.add(d);
      let result = false;
      for (const b of d.bases) {
        if (MODEL_ROOT_BASES.has(b)) result = true;
        else {
          const bd = lookupDecl(b, d);
          if (bd && check(bd, seen)) result = true;
        }
      }
      isModel.set(d, result);
      return result;
    };
    const modelDecls = decls.filter((d) => isModel.get(d) ?? check(d, new Set()));
    const keyOf = (d: ModelDecl): string => `${d.appLabel}.${d.name}`;
    for (const d of modelDecls) {
      const info: ModelInfo = {
        key: keyOf(d), name: d.name, appLabel: d.appLabel, uri: d.uri, range: d.range,
        builtin: d.uri.startsWith('builtin:'), abstract: d.abstract, proxy: d.proxy,
        columns: new Set(['pk', 'id']), relations: new Map(), managers: new Set(d.managers),
        methods: new Set(d.methods), parents: [], ordered: d.ordering, strReads: d.strReads,
        methodReads: d.methodReads ? new Map(entriesOf(d).methodReads) : undefined,
        managerClasses: d.managerClasses ? new Map(Object.entries(d.managerClasses)) : undefined,
        defaultManager: d.managers[0],
        selfCalls: d.selfCalls ? new Map(entriesOf(d).selfCalls) : undefined,
      };
      if (this.byKey.has(info.key) && !info.builtin) continue;
      this.byKey.set(info.key, info);
      const list = this.byName.get(d.name) ?? [];
      list.push(info);
      this.byName.set(d.name, list);
    }
    const declOf = new Map<string, ModelDecl>();
    for (const d of modelDecls) if (!declOf.has(keyOf(d))) declOf.set(keyOf(d), d);
    const authUser = options.authUserModel ?? 'auth.User';
    this.userModelKey = this.find(authUser)?.key;

    // Targets by app label, then as written: most fields point at a few models of their own app.
    const targets = new Map<string, Map<string, string | undefined>>();
    const resolveTarget = (raw: string | undefined, owner: ModelInfo): string | undefined => {
      if (!raw) return undefined;
      if (raw === 'self') return owner.key;
      let ofApp = targets.get(owner.appLabel);
      if (!ofApp) targets.set(owner.appLabel, (ofApp = new Map()));
      if (ofApp.has(raw)) return ofApp.get(raw);
      const key = raw === 'AUTH_USER_MODEL' ? this.find(authUser)?.key : this.find(raw, owner.appLabel)?.key;
      ofApp.set(raw, key);
      return key;
    };

    // Inherited declarations (abstract and concrete parents alike expose their fields on the child).
    // `level`: how many inheritance steps up the declaring class is (a hostile 10,000-class chain must not make
    // every model hold every ancestor's fields: quadratic memory).
    const allFields = new Map<string, { field: FieldDecl; owner: ModelDecl; level: number }[]>();
    const collect = (d: ModelDecl, seen: Set<ModelDecl>): { field: FieldDecl; owner: ModelDecl; level: number }[] => {
      const key = keyOf(d);
      const cached = allFields.get(key);
      if (cached) return cached;
      if (seen.has(d) || seen.size > MAX_INHERITANCE_DEPTH) return [];
      seen.add(d);
      const out: { field: FieldDecl; owner: ModelDecl; level: number }[] = [];
      for (const b of d.bases) {
        const bd = lookupDecl(b, d);
        if (!bd || !isModel.get(bd)) continue;
        for (const inherited of collect(bd, seen)) {
          if (inherited.level < MAX_INHERITANCE_DEPTH) out.push({ ...inherited, level: inherited.level + 1 });
        }
      }
      for (const f of d.fields) out.push({ field: f, owner: d, level: 0 });
      allFields.set(key, out);
      return out;
    };

    // Managers a model declares or inherits (Django: from abstract and concrete bases alike, nearest first).
    const managersMemo = new Map<string, { names: string[]; classes?: Map<string, string[]> }>();
    const inheritedManagers = (key: string, depth = 0): { names: string[]; classes?: Map<string, string[]> } => {
      const memo = managersMemo.get(key);
      if (memo) return memo;
      const d = declOf.get(key);
      let out: { names: string[]; classes?: Map<string, string[]> } = { names: [] };
      if (d && d.managers.length > 0) out = { names: [...d.managers], classes: d.managerClasses ? new Map(Object.entries(d.managerClasses)) : undefined };
      else if (d && depth < MAX_INHERITANCE_DEPTH) {
        for (const b of d.bases) {
          const bd = lookupDecl(b, d);
          if (!bd || !isModel.get(bd)) continue;
          const up = inheritedManagers(keyOf(bd), depth + 1);
          if (up.names.length) { out = up; break; }
        }
      }
      managersMemo.set(key, out);
      return out;
    };
    for (const info of this.byKey.values()) {
      const d = declOf.get(info.key);
      if (!d) continue;
      for (const b of d.bases) {
        const bd = lookupDecl(b, d);
        if (bd && isModel.get(bd)) {
          const parent = this.byKey.get(keyOf(bd));
          if (parent) {
            info.parents.push(parent.key);
            info.ordered ||= parent.ordered;
            info.strReads ??= parent.strReads;
            for (const [name, reads] of parent.methodReads ?? []) {
              // The child's own method of that name (or a nearer base's) wins, reads or not.
              if (!info.methods.has(name) && !info.methodReads?.has(name)) (info.methodReads ??= new Map()).set(name, reads);
            }
            for (const [name, calls] of parent.selfCalls ?? []) {
              if (!info.methods.has(name) && !info.selfCalls?.has(name)) (info.selfCalls ??= new Map()).set(name, calls);
            }
            for (const m of parent.methods) info.methods.add(m);
            if (info.managers.size === 0) {
              // The parent's own or inherited managers, whatever order the models are visited in.
              const inherited = inheritedManagers(parent.key);
              for (const m of inherited.names) info.managers.add(m);
              info.managerClasses ??= inherited.classes;
              info.defaultManager ??= inherited.names[0];
            }
            // Multi-table inheritance: a concrete parent means a parent link and a reverse child accessor.
            if (!parent.abstract && !info.proxy && !info.abstract) {
              const link = `${parent.name.toLowerCase()}_ptr`;
              info.relations.set(link, { accessor: link, kind: 'parent-link', target: parent.key, many: false, declaredIn: info.key });
              info.columns.add(`${link}_id`);
              const child = info.name.toLowerCase();
              parent.relations.set(child, { accessor: child, kind: 'child-link', target: info.key, many: false, declaredIn: info.key, uri: info.uri, range: info.range });
            }
          }
        }
      }
      if (info.managers.size === 0 && !info.abstract) info.managers.add('objects');
      for (const { field, owner } of collect(d, new Set())) {
        this.addField(info, field, owner, resolveTarget(field.target, info));
      }
    }
    for (const info of this.byKey.values()) followSelfCalls(info);
  }

  private addField(info: ModelInfo, field: FieldDecl, owner: ModelDecl, target: string | undefined): void {
    if (field.fieldClass) (info.fieldClasses ??= new Map()).set(field.name, field.fieldClass + (field.choices ? ':choices' : ''));
    switch (field.kind) {
      case 'field':
        info.columns.add(field.name);
        return;
      case 'generic-fk':
        info.relations.set(field.name, { accessor: field.name, kind: 'generic-fk', many: false, declaredIn: info.key, uri: owner.uri, range: field.range });
        return;
      case 'generic-relation':
        info.relations.set(field.name, { accessor: field.name, kind: 'generic-relation', target, many: true, declaredIn: info.key, uri: owner.uri, range: field.range });
        return;
      default:
        break;
    }
    const many = field.kind === 'm2m';
    info.relations.set(field.name, { accessor: field.name, kind: field.kind, target, many, declaredIn: info.key, uri: owner.uri, range: field.range, ...(field.nullable ? { nullable: true } : {}) });
    if (!many) info.columns.add(`${field.name}_id`);
    // Reverse accessors exist only for concrete models, on the target model.
    if (info.abstract || !target) return;
    const targetInfo = this.byKey.get(target);
    if (!targetInfo) return;
    let related = field.relatedName ?? (owner.defaultRelatedName);
    if (related !== undefined) {
      if (related.endsWith('+')) return;
      related = related.replace(/%\(class\)s/g, info.name.toLowerCase()).replace(/%\(app_label\)s/g, info.appLabel.toLowerCase());
    }
    const lower = info.name.toLowerCase();
    const accessor = related ?? (field.kind === 'o2o' ? lower : `${lower}_set`);
    const kind: RelationKind = field.kind === 'o2o' ? 'reverse-o2o' : field.kind === 'm2m' ? 'reverse-m2m' : 'reverse-fk';
    if (targetInfo.relations.has(accessor) && targetInfo.relations.get(accessor)?.declaredIn === targetInfo.key) return;
    targetInfo.relations.set(accessor, { accessor, kind, target: info.key, many: kind !== 'reverse-o2o', declaredIn: info.key, uri: owner.uri, range: field.range, remoteField: field.name });
  }
}
