import type { Node, Tree } from '../parsing/syntaxTree';
import { calleeName, dottedName, isTrue, keywordArg, stringValue } from '../python/syntax';
import { attributeReads } from '../django/modelDecls';

/** One declared field of a DRF serializer class, as written (resolution against models happens in the rules). */
export interface SerializerFieldDecl {
  name: string;
  kind: 'nested' | 'string-related' | 'pk-related' | 'related' | 'method' | 'field';
  /** `source="a.b"` as written. */
  source?: string;
  /** Nested serializer class name. */
  serializer?: string;
  many?: boolean;
  /** SerializerMethodField: the method name. */
  method?: string;
  /** Nested serializer given `fields=[...]` (a literal list, or a module-level name bound to one): only those render. */
  only?: string[];
  /** Nested serializer given `exclude=[...]`: those do not render. */
  omit?: string[];
  /** `fields=`/`exclude=` given a value djperf cannot read: which nested fields render is unknown. */
  subsetUnknown?: boolean;
}

/** What a serializer class declares: its model, fields, depth, declared fields and what its get_* methods read. */
export interface SerializerDecl {
  name: string;
  uri: string;
  bases: string[];
  model?: string;
  /** Meta.fields: names, '__all__', or undefined. */
  fields?: string[] | '__all__';
  /** `fields = Parent.Meta.fields + [...]`: the parent serializer named there. */
  fieldsFrom?: string;
  /** `class Meta(Parent.Meta)`: the parent serializer. */
  metaFrom?: string;
  depth?: number;
  /** Meta.exclude (literal names). */
  exclude?: string[];
  /** The class overrides to_representation without calling super's: what it renders is not known from its fields. */
  customRepresentation?: boolean;
  declared: SerializerFieldDecl[];
  /** Method name -> attribute chains read from its `obj` parameter. */
  methodReads: Record<string, string[][]>;
}

function last(callee: string): string {
  return callee.split('.').pop() ?? callee;
}

function stringList(node: Node | null | undefined): string[] | undefined {
  if (!node || (node.type !== 'list' && node.type !== 'tuple')) return undefined;
  const out: string[] = [];
  for (const c of node.namedChildren) {
    const s = stringValue(c);
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

function readMeta(meta: Node, decl: SerializerDecl): void {
  const supers = meta.childForFieldName('superclasses')?.namedChildren ?? [];
  for (const s of supers) {
    const d = s ? dottedName(s) : undefined;
    if (d && d.length === 2 && d[1] === 'Meta') decl.metaFrom = d[0];
  }
  for (const stmt of meta.childForFieldName('body')?.namedChildren ?? []) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (assign?.type !== 'assignment') continue;
    const left = assign.childForFieldName('left')?.text;
    const right = assign.childForFieldName('right');
    if (!right) continue;
    if (left === 'model') decl.model = dottedName(right)?.pop();
    if (left === 'depth' && right.type === 'integer') decl.depth = Number(right.text);
    if (left === 'exclude') decl.exclude = stringList(right) ?? [];
    if (left === 'fields') {
      if (stringValue(right) === '__all__') decl.fields = '__all__';
      else if (right.type === 'binary_operator') {
        const l = dottedName(right.childForFieldName('left'));
        if (l && l.length === 3 && l[1] === 'Meta' && l[2] === 'fields') decl.fieldsFrom = l[0];
        decl.fields = stringList(right.childForFieldName('right')) ?? [];
      } else decl.fields = stringList(right);
    }
  }
}

/** A literal list of names, or a module-level name bound to one (`fields=BRIEF_FIELDS`). */
function namesOf(node: Node, root: Node): string[] | undefined {
  const direct = stringList(node);
  if (direct || node.type !== 'identifier') return direct;
  for (const stmt of root.namedChildren) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (assign?.type === 'assignment' && assign.childForFieldName('left')?.text === node.text) return stringList(assign.childForFieldName('right'));
  }
  return undefined;
}

function readField(name: string, call: Node): SerializerFieldDecl | undefined {
  const callee = calleeName(call);
  if (!callee) return undefined;
  const cls = last(callee);
  const source = stringValue(keywordArg(call, 'source'));
  const many = isTrue(keywordArg(call, 'many')) || undefined;
  const base = { name, ...(source !== undefined ? { source } : {}), ...(many ? { many } : {}) };
  if (cls === 'SerializerMethodField') return { ...base, kind: 'method', method: stringValue(keywordArg(call, 'method_name')) ?? `get_${name}` };
  if (cls.endsWith('Serializer')) {
    const nested: SerializerFieldDecl = { ...base, kind: 'nested', serializer: cls };
    const root = call.tree.rootNode;
    const fieldsArg = keywordArg(call, 'fields');
    const excludeArg = keywordArg(call, 'exclude');
    if (fieldsArg) {
      const names = namesOf(fieldsArg, root);
      if (names) nested.only = names;
      else nested.subsetUnknown = true;
    }
    if (excludeArg) {
      const names = namesOf(excludeArg, root);
      if (names) nested.omit = names;
      else nested.subsetUnknown = true;
    }
    return nested;
  }
  if (cls === 'StringRelatedField') return { ...base, kind: 'string-related' };
  if (cls === 'PrimaryKeyRelatedField') return { ...base, kind: 'pk-related' };
  if (cls.endsWith('RelatedField')) return { ...base, kind: 'related' };
  if (cls.endsWith('Field') && source !== undefined) return { ...base, kind: 'field' };
  return undefined;
}

/** Serializer classes of one file (any class with a base whose name ends in `Serializer`). */
export function extractSerializerDecls(tree: Tree, uri: string): SerializerDecl[] {
  const out: SerializerDecl[] = [];
  for (const child of tree.rootNode.namedChildren) {
    const cls = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (cls?.type !== 'class_definition') continue;
    const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? [])
      .map((b) => (b && b.type !== 'keyword_argument' ? dottedName(b)?.join('.') : undefined))
      .filter((b): b is string => !!b);
    if (!bases.some((b) => /Serializer$/.test(b))) continue;
    const name = cls.childForFieldName('name')?.text;
    const body = cls.childForFieldName('body');
    if (!name || !body) continue;
    const decl: SerializerDecl = { name, uri, bases: bases.map(last), declared: [], methodReads: {} };
    for (const stmt of body.namedChildren) {
      if (!stmt) continue;
      if (stmt.type === 'class_definition' && stmt.childForFieldName('name')?.text === 'Meta') {
        readMeta(stmt, decl);
        continue;
      }
      const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (def?.type === 'function_definition') {
        const fname = def.childForFieldName('name')?.text;
        // An override that starts from super().to_representation() still renders the fields (and then adjusts them).
        if (fname === 'to_representation' && !/\bsuper\([^)]*\)\s*\.\s*to_representation\s*\(/.test(def.text)) decl.customRepresentation = true;
        const params = (def.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p?.type === 'identifier');
        const obj = params[1]?.text;
        if (fname && obj) decl.methodReads[fname] = attributeReads(def, obj);
        continue;
      }
      const assign = stmt.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
      if (assign?.type !== 'assignment') continue;
      const left = assign.childForFieldName('left');
      const right = assign.childForFieldName('right');
      if (left?.type !== 'identifier' || right?.type !== 'call') continue;
      const f = readField(left.text, right);
      if (f) decl.declared.push(f);
    }
    out.push(decl);
  }
  return out;
}
