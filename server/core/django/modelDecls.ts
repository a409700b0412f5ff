import { MemoKey } from '../memo';
import type { Node, Tree } from '../parsing/syntaxTree';
import { calleeName, decoratorsOf, keywordArg, positionalArgs, rangeOf, stringValue, dottedName, isTrue, parentOf, walk, keepsStatementsAcrossVersions, statementVersionKey } from '../python/syntax';
import { parameterReads, type ParamRead } from '../workspace/functionSummaries';
import type { Range } from '../parsing/textDocument';
import { isQuerysetClassBase, querysetMethodSteps, type QuerysetStep } from './querysetMethods';

/** What one model field declares, before targets are resolved against the workspace. */
export interface FieldDecl {
  name: string;
  kind: FieldKind;
  /** Raw target as written: a class name, "app.Model", "self", or "AUTH_USER_MODEL". */
  target?: string;
  relatedName?: string;
  through?: string;
  /** `null=True` on a relation: Django's bare select_related() (admin changelists) does not follow it. */
  nullable?: boolean;
  /** Field class as written (last segment, `CharField`), and whether it declares `choices`. */
  fieldClass?: string;
  choices?: boolean;
  range: Range;
}
export type FieldKind = 'fk' | 'o2o' | 'm2m' | 'generic-fk' | 'generic-relation' | 'field';

export interface ModelDecl {
  name: string;
  /** App label guessed from the file's folder (`catalog/models.py` -> catalog). */
  appLabel: string;
  uri: string;
  range: Range;
  bases: string[];
  fields: FieldDecl[];
  managers: string[];
  abstract: boolean;
  proxy: boolean;
  /** Declared `Meta.default_related_name`, used for reverse accessors. */
  defaultRelatedName?: string;
  /** Methods defined on the class (e.g. `__str__`), by name -> body node range. */
  methods: string[];
  /** `Meta.ordering` is set (querysets of this model are ordered, so `first()` is served from a prefetch cache). */
  ordering?: boolean;
  /** Attribute chains `__str__` reads from `self` (`[["product"], ["category", "name"]]`). */
  strReads?: string[][];
  /** What each method and property reads through `self` (`self.author.name`, `self.likes.count()`), when anything. */
  methodReads?: Record<string, MethodReads>;
  /** Manager attribute -> the workspace classes that define its methods (`BookManager`, or `BookQuerySet` of as_manager()). */
  managerClasses?: Record<string, string[]>;
  /** QuerySet/Manager classes: what each method does to the queryset (null: not a readable chain on self). */
  querysetMethods?: Record<string, QuerysetStep[] | null>;
  /** Methods and properties of `self` each instance method or property uses (`self.total()`, `self.label`). */
  selfCalls?: Record<string, SelfCalls>;
}

/** What one method reaches through `self`: `name()` for a method call, `name` for an attribute (a property). */
export interface SelfCalls {
  property: boolean;
  calls: string[];
}

/** A model method's or property's reads of `self`: a row loop calling it runs them for every row. */
export interface MethodReads {
  property: boolean;
  reads: ParamRead[];
}

const PROPERTY_DECORATOR = /^(?:property|cached_property|functools\.cached_property|django\.utils\.functional\.cached_property)$/;

const RELATION_KINDS: Record<string, FieldKind> = {
  ForeignKey: 'fk',
  OneToOneField: 'o2o',
  ManyToManyField: 'm2m',
  ParentalKey: 'fk',
  ParentalManyToManyField: 'm2m',
  TreeForeignKey: 'fk',
  GenericForeignKey: 'generic-fk',
  GenericRelation: 'generic-relation',
};

/** Field classes whose call assigned in a class body makes it a model field (anything ending in Field counts). */
function fieldKind(callee: string): FieldKind | undefined {
  const last = callee.split('.').pop() ?? callee;
  if (RELATION_KINDS[last]) return RELATION_KINDS[last];
  if (/Field$/.test(last)) return 'field';
  return undefined;
}

/** Folder-derived app label: the directory that holds models.py (or the models/ package). */
export function appLabelFromUri(uri: string): string {
  const parts = uri.replace(/\\/g, '/').split('/').filter(Boolean);
  const file = parts.pop() ?? '';
  let dir = parts.pop() ?? '';
  if (dir === 'models' && file !== 'models.py') dir = parts.pop() ?? dir;
  return dir;
}

function relationTarget(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  const s = stringValue(node);
  if (s !== undefined) return s;
  const dotted = dottedName(node);
  if (dotted) {
    if (dotted[dotted.length - 1] === 'AUTH_USER_MODEL') return 'AUTH_USER_MODEL';
    return dotted[dotted.length - 1];
  }
  if (node.type === 'call' && /get_user_model$/.test(calleeName(node) ?? '')) return 'AUTH_USER_MODEL';
  return undefined;
}

function readField(name: string, call: Node, range: Range): FieldDecl | undefined {
  const callee = calleeName(call);
  if (!callee) return undefined;
  const kind = fieldKind(callee);
  if (!kind) return undefined;
  const field: FieldDecl = { name, kind, range, fieldClass: callee.split('.').pop() };
  if (keywordArg(call, 'choices')) field.choices = true;
  if (kind === 'fk' || kind === 'o2o' || kind === 'm2m' || kind === 'generic-relation') {
    field.target = relationTarget(positionalArgs(call)[0] ?? keywordArg(call, 'to'));
    const rn = stringValue(keywordArg(call, 'related_name'));
    if (rn !== undefined) field.relatedName = rn;
    const through = relationTarget(keywordArg(call, 'through'));
    if (through) field.through = through;
    if (isTrue(keywordArg(call, 'null'))) field.nullable = true;
  }
  return field;
}

function readMeta(body: Node, decl: ModelDecl): void {
  for (const stmt of body.namedChildren) {
    if (stmt?.type !== 'expression_statement') continue;
    const assign = stmt.namedChildren[0];
    if (assign?.type !== 'assignment') continue;
    const left = assign.childForFieldName('left')?.text;
    const right = assign.childForFieldName('right');
    if (left === 'abstract' && isTrue(right)) decl.abstract = true;
    if (left === 'proxy' && isTrue(right)) decl.proxy = true;
    if (left === 'default_related_name') decl.defaultRelatedName = stringValue(right);
    if (left === 'ordering' && right && !/^[[(]\s*[\])]$/.test(right.text)) decl.ordering = true;
  }
}

/** `self.a.b` chains read in a method body (attribute names after `self`), in source order, deduplicated. */
export function selfReads(def: Node): string[][] {
  return attributeReads(def, 'self');
}

/** `<name>.a.b` chains read in a function body (attribute names after `name`), in source order, deduplicated. */
export function attributeReads(def: Node, name: string): string[][] {
  const out = new Map<string, string[]>();
  const body = def.childForFieldName('body');
  if (!body) return [];
  // Iterative (walk): a recursive visit overflowed the stack on a deeply nested expression in the body.
  walk(body, (n) => {
    if (n.id !== body.id && (n.type === 'function_definition' || n.type === 'class_definition')) return false;
    if (n.type === 'identifier' && n.text === name) {
      const names: string[] = [];
      let cur: Node = n;
      for (let up = parentOf(cur); up?.type === 'attribute' && up.childForFieldName('object')?.id === cur.id; up = parentOf(cur)) {
        cur = up;
        names.push(cur.childForFieldName('attribute')?.text ?? '');
      }
      if (names.length > 0 && !out.has(names.join('.'))) out.set(names.join('.'), names);
      return false;
    }
    return true;
  });
  return [...out.values()];
}

/** An instance method or property whose body is what a call runs: whether it is a property, else undefined. */
function plainInstanceMethod(def: Node): { property: boolean } | undefined {
  const decorators = decoratorsOf(def).map((d) => d.namedChildren[0]?.text ?? '');
  if (decorators.some((d) => d === 'staticmethod' || d === 'classmethod')) return undefined;
  const first = def.childForFieldName('parameters')?.namedChildren[0];
  if (first?.type !== 'identifier' || first.text !== 'self') return undefined;
  const property = decorators.some((d) => PROPERTY_DECORATOR.test(d));
  // Any other decorator may cache, wrap or replace the method: what a call runs is not the body.
  if (!property && decorators.length > 0) return undefined;
  return { property };
}

/** Reads of `self` in an instance method or property (static and class methods have no row). */
function methodReadsOf(def: Node): MethodReads | undefined {
  const kind = plainInstanceMethod(def);
  if (!kind) return undefined;
  const reads = parameterReads(def, 'self');
  return reads.length === 0 ? undefined : { property: kind.property, reads };
}

/** `self.name(...)` and bare `self.name` in a method body (nested scopes excluded), in source order. */
function selfCallsOf(def: Node): SelfCalls | undefined {
  const kind = plainInstanceMethod(def);
  const body = def.childForFieldName('body');
  if (!kind || !body?.text.includes('self.')) return undefined;
  const calls = new Set<string>();
  walk(body, (n) => {
    if (n.id !== body.id && (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda')) return false;
    if (n.type !== 'attribute' || n.childForFieldName('object')?.type !== 'identifier' || n.childForFieldName('object')?.text !== 'self') return true;
    const name = n.childForFieldName('attribute')?.text;
    const up = parentOf(n);
    if (!name) return true;
    // `self.x = …` binds, it does not run a property.
    if (up?.type === 'assignment' && up.childForFieldName('left')?.id === n.id) return true;
    calls.add(up?.type === 'call' && up.childForFieldName('function')?.id === n.id ? `${name}()` : name);
    return true;
  });
  return calls.size ? { property: kind.property, calls: [...calls] } : undefined;
}

/** `models.Manager` and `models.QuerySet` themselves: nothing of the workspace to summarise. */
const DJANGO_MANAGERS = new Set(['Manager', 'QuerySet']);

/**
 * The workspace classes behind a manager expression: `BookManager()` -> [BookManager], `BookQS.as_manager()` ->
 * [BookQS], `X.from_queryset(QS)` -> [X, QS] (Django's own Manager left out).
 */
function managerClassNames(call: Node): string[] {
  const fn = call.childForFieldName('function');
  const receiver = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
  // `URLManager().from_queryset(URLQueryset)`: the manager instance's class, then the QuerySet.
  if (receiver?.type === 'call' && fn?.childForFieldName('attribute')?.text === 'from_queryset') {
    const own = [calleeName(receiver)?.split('.').pop(), dottedName(positionalArgs(call)[0] ?? null)?.pop()];
    return own.filter((n): n is string => !!n && !DJANGO_MANAGERS.has(n));
  }
  const callee = calleeName(call) ?? '';
  const parts = callee.split('.');
  const method = parts[parts.length - 1];
  const own = (name: string | undefined): string[] => (name && !DJANGO_MANAGERS.has(name) ? [name] : []);
  if (method === 'as_manager') return own(parts[parts.length - 2]);
  if (method === 'from_queryset') {
    const qs = dottedName(positionalArgs(call)[0] ?? null)?.pop();
    return [...own(parts[parts.length - 2]), ...own(qs)];
  }
  return own(method);
}

/** What a method of a class body contributes to its class's declaration, besides its name. */
interface MethodFacts {
  reads?: MethodReads;
  calls?: SelfCalls;
  strReads?: string[][];
}

/** What one module-level class gave: its declarations (nested classes included) and the facts of each of its methods. */
interface ClassMemo {
  decls: readonly ModelDecl[];
  /** By the method's `statementVersionKey` (class-body function statement, decorators included). */
  methods: Map<string, MethodFacts>;
}

/**
 * Each module-level class of an edited document's last version without syntax errors, by `statementVersionKey` (all
 * a declaration is made of): a keystroke in a 1,700-line models module re-reads one class, not 40, and in that class
 * (DefectDojo's `Finding`, 60 methods) only the method it touched: what a method contributes is read from its own
 * statement only.
 */
const CLASS_DECLS = new MemoKey<Map<string, ClassMemo>>('class declarations and method facts by class source');

/** Where classDecls finds a method's facts from the previous version, and files this version's (edited documents). */
interface MethodMemo {
  previous(key: string): MethodFacts | undefined;
  /** This version's methods of the module-level class being read. */
  group: Map<string, MethodFacts>;
}

/** Every class in the file with its bases and field-like assignments; the index decides which are models. */
export function extractClassDecls(tree: Tree, uri: string): ModelDecl[] {
  const out: ModelDecl[] = [];
  const appLabel = appLabelFromUri(uri);
  const memoised = keepsStatementsAcrossVersions(tree);
  const previous = memoised ? tree.acrossVersions.peek(CLASS_DECLS) : undefined;
  const current = new Map<string, ClassMemo>();
  let previousMethods: Map<string, MethodFacts> | undefined;
  const previousMethod = (key: string): MethodFacts | undefined => {
    if (!previous) return undefined;
    previousMethods ??= new Map([...previous.values()].flatMap((c) => [...c.methods]));
    return previousMethods.get(key);
  };
  for (const child of tree.rootNode.namedChildren) {
    const cls = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (cls?.type !== 'class_definition') continue;
    const key = memoised ? statementVersionKey(cls) : undefined;
    // A class taken whole keeps its methods' facts too, for the keystroke that will change one of them.
    let entry = key === undefined ? undefined : previous?.get(key);
    if (!entry) {
      const decls: ModelDecl[] = [];
      const methods = new Map<string, MethodFacts>();
      classDecls(cls, appLabel, uri, decls, key === undefined ? undefined : { previous: previousMethod, group: methods });
      entry = { decls, methods };
    }
    if (key !== undefined) current.set(key, entry);
    out.push(...entry.decls);
  }
  if (memoised) tree.acrossVersions.set(CLASS_DECLS, current);
  return out;
}

/** The declaration of `cls` and of the classes nested in it, in source order, into `out`. */
function classDecls(cls: Node, appLabel: string, uri: string, out: ModelDecl[], methods?: MethodMemo): void {
  const name = cls.childForFieldName('name')?.text;
  const body = cls.childForFieldName('body');
  if (!name || !body) return;
  const bases: string[] = [];
  const superclasses = cls.childForFieldName('superclasses');
  for (const b of superclasses?.namedChildren ?? []) {
    if (!b || b.type === 'keyword_argument') continue;
    const d = dottedName(b);
    if (d) bases.push(d.join('.'));
    // `class BookManager(models.Manager.from_queryset(BookQuerySet))`: both classes are bases.
    if (b.type === 'call' && /from_queryset$/.test(calleeName(b) ?? '')) bases.push(...managerClassNames(b));
  }
  const decl: ModelDecl = {
    name, appLabel, uri, range: rangeOf(cls.childForFieldName('name') ?? cls), bases,
    fields: [], managers: [], abstract: false, proxy: false, methods: [],
  };
  for (const stmt of body.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'class_definition' && stmt.childForFieldName('name')?.text === 'Meta') {
      const metaBody = stmt.childForFieldName('body');
      if (metaBody) readMeta(metaBody, decl);
      continue;
    }
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition') {
      const fname = def.childForFieldName('name')?.text;
      if (!fname) continue;
      decl.methods.push(fname);
      const facts = methodFactsOf(stmt, def, fname, methods);
      if (fname === '__str__') decl.strReads = facts.strReads;
      if (facts.reads) (decl.methodReads ??= {})[fname] = facts.reads;
      if (!fname.startsWith('__') && bases.some(isQuerysetClassBase)) {
        (decl.querysetMethods ??= {})[fname] = querysetMethodSteps(def);
      }
      if (facts.calls) (decl.selfCalls ??= {})[fname] = facts.calls;
      continue;
    }
    if (stmt.type !== 'expression_statement') continue;
    const assign = stmt.namedChildren[0];
    if (assign?.type !== 'assignment') continue;
    const left = assign.childForFieldName('left');
    const right = assign.childForFieldName('right');
    if (left?.type !== 'identifier' || right?.type !== 'call') continue;
    const callee = calleeName(right) ?? '';
    if (/Manager$/.test(callee) || /\.as_manager$/.test(callee) || /Manager\.from_queryset$/.test(callee)) {
      decl.managers.push(left.text);
      const classes = managerClassNames(right);
      if (classes.length) (decl.managerClasses ??= {})[left.text] = classes;
      continue;
    }
    const fn = right.childForFieldName('function');
    // `Manager.from_queryset(QS)()` and `CustomManager()` called through a call expression.
    if (fn?.type === 'call' && (/from_queryset$/.test(calleeName(fn) ?? '') || fn.childForFieldName('function')?.childForFieldName('attribute')?.text === 'from_queryset')) {
      decl.managers.push(left.text);
      const classes = managerClassNames(fn);
      if (classes.length) (decl.managerClasses ??= {})[left.text] = classes;
      continue;
    }
    const field = readField(left.text, right, rangeOf(left));
    if (field) decl.fields.push(field);
  }
  out.push(decl);
  // Classes nested in this one (a model's `Status(TextChoices)`), after it.
  for (const child of body.namedChildren) {
    const inner = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (inner?.type === 'class_definition') classDecls(inner, appLabel, uri, out, methods);
  }
}

/** A method's self-reads and self-calls (`__str__`: what it reads), from the previous version when it did not change. */
function methodFactsOf(stmt: Node, def: Node, name: string, memo: MethodMemo | undefined): MethodFacts {
  const key = memo ? statementVersionKey(stmt) : undefined;
  let facts = key === undefined ? undefined : memo?.previous(key);
  if (!facts) {
    const plain = !name.startsWith('__');
    facts = {
      reads: plain ? methodReadsOf(def) : undefined,
      calls: plain ? selfCallsOf(def) : undefined,
      strReads: name === '__str__' ? selfReads(def) : undefined,
    };
  }
  if (key !== undefined) memo?.group.set(key, facts);
  return facts;
}
