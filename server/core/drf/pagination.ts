import type { Node } from '../parsing/syntaxTree';
import type { WorkspaceFacts } from '../rules/context';
import { dottedName, nodesOfType, unparen } from '../python/syntax';
import { bindingOf } from '../python/semantic/infer';

/**
 * The page size of a DRF list view: its serializer runs once per object of a page, so the page size is the N of a
 * serializer N+1 there. From the view's `pagination_class` (a workspace class with `page_size`/`default_limit`), else
 * REST_FRAMEWORK's PAGE_SIZE when a pagination class applies (the view's, or DEFAULT_PAGINATION_CLASS).
 */
export interface PageSize {
  size: number;
  /** Where it comes from, for messages: `page_size of StandardPagination`, `REST_FRAMEWORK["PAGE_SIZE"]`. */
  source: string;
}

/** View bases whose list action paginates (ViewSets, ListAPIView, ListCreateAPIView and project subclasses named so). */
const LIST_VIEW_BASE = /(?:ViewSet|ListAPIView|ListCreateAPIView)$/;
const SIZE_ATTRS = ['page_size', 'default_limit'];
/** Levels of workspace base classes searched for `pagination_class` / `page_size`. */
const MAX_BASES = 3;

export interface ClassRef {
  cls: Node;
  uri: string;
}

export function viewPageSize(cls: Node, uri: string, workspace: WorkspaceFacts): PageSize | undefined {
  if (!baseNodes(cls).some((b) => LIST_VIEW_BASE.test(b.text))) return undefined;
  const declared = inherited({ cls, uri }, workspace, 'pagination_class', 0);
  const settings = workspace.settings;
  const fromSettings = settings.drfPageSize ? { size: settings.drfPageSize.value, source: 'REST_FRAMEWORK["PAGE_SIZE"]' } : undefined;
  if (!declared) return settings.drfPaginationClass ? fromSettings : undefined;
  const value = unparen(declared.value);
  if (value.type === 'none') return undefined; // pagination switched off: the whole queryset is serialized
  const pager = classRef(value, declared.owner.uri, workspace);
  if (!pager) return fromSettings; // DRF's own classes read PAGE_SIZE
  const size = inherited(pager, workspace, SIZE_ATTRS, 0);
  if (!size) return fromSettings;
  const v = unparen(size.value);
  if (v.type === 'none') return undefined;
  const n = v.type === 'integer' ? Number(v.text.replace(/_/g, '')) : NaN;
  const name = pager.cls.childForFieldName('name')?.text ?? 'the pagination class';
  return Number.isSafeInteger(n) && n > 0 ? { size: n, source: `${size.attr} of ${name}` } : undefined;
}

/** A class attribute set in the class or, failing that, in its workspace bases (nearest first). */
function inherited(ref: ClassRef, workspace: WorkspaceFacts, attrs: string | readonly string[], level: number): { value: Node; attr: string; owner: ClassRef } | undefined {
  const names = typeof attrs === 'string' ? [attrs] : attrs;
  for (const stmt of ref.cls.childForFieldName('body')?.namedChildren ?? []) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    const left = assign?.type === 'assignment' ? assign.childForFieldName('left')?.text : undefined;
    const right = assign?.childForFieldName('right');
    if (left && right && names.includes(left)) return { value: right, attr: left, owner: ref };
  }
  if (level >= MAX_BASES) return undefined;
  for (const b of baseNodes(ref.cls)) {
    const base = classRef(b, ref.uri, workspace);
    const hit = base ? inherited(base, workspace, attrs, level + 1) : undefined;
    if (hit) return hit;
  }
  return undefined;
}

export function baseNodes(cls: Node): Node[] {
  return (cls.childForFieldName('superclasses')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'keyword_argument');
}

/** The workspace class a name denotes (defined in this file, or imported from a workspace module). */
export function classRef(expr: Node, uri: string, workspace: WorkspaceFacts): ClassRef | undefined {
  const parts = dottedName(expr);
  if (!parts) return undefined;
  const head = expr.type === 'identifier' ? expr : firstIdentifier(expr);
  const b = head ? bindingOf(head) : undefined;
  if (parts.length === 1 && b?.kind === 'class' && b.definition) return { cls: b.definition, uri };
  if (b?.kind !== 'import' || !b.qualified) return undefined;
  const qualified = [b.qualified, ...parts.slice(1)].join('.');
  const m = /^(\.*)([\s\S]*)$/.exec(qualified) as RegExpExecArray;
  const names = m[2].split('.');
  const name = names.pop() ?? '';
  const module = `${m[1]}${names.join('.')}`;
  const target = module && workspace.callers ? workspace.callers.moduleFile(module, uri) : undefined;
  const file = target ? workspace.callers?.file(target) : undefined;
  if (!file || !target) return undefined;
  const cls = nodesOfType(file.root, 'class_definition').find((c) => c.childForFieldName('name')?.text === name);
  return cls ? { cls, uri: target } : undefined;
}

function firstIdentifier(expr: Node): Node | undefined {
  let e: Node | null = expr;
  while (e?.type === 'attribute') e = e.childForFieldName('object');
  return e?.type === 'identifier' ? e : undefined;
}
