import type { Node } from '../parsing/syntaxTree';
import type { WorkspaceFacts } from '../rules/context';
import { calleeName, functionNamed, unparen } from '../python/syntax';
import { querysetMethodSteps, type QuerysetStep } from '../django/querysetMethods';
import { baseNodes, classRef, type ClassRef } from './pagination';

/** Levels of workspace base classes searched for `get_queryset`. */
const MAX_BASES = 4;

/** What a view's inherited `get_queryset()` does to its `queryset` attribute. */
export type InheritedQueryset =
  /** No workspace base overrides get_queryset: DRF's own returns `self.queryset.all()`. */
  | { kind: 'none' }
  /** A workspace base applies these literal steps (`super().get_queryset().select_related("a")`). */
  | { kind: 'steps'; steps: QuerysetStep[]; base: string }
  /** A workspace base builds the queryset in a way djperf cannot read (lookups computed at run time, …). */
  | { kind: 'unknown'; base: string; why: string };

function definedMethod(cls: Node, name: string): Node | undefined {
  const body = cls.childForFieldName('body');
  return body ? functionNamed(body, name) : undefined;
}

/** `super().get_queryset()`, `self.queryset` and `self.queryset.all()`: the subclass's queryset attribute. */
function isViewRoot(n: Node): boolean {
  const e = unparen(n);
  if (e.type === 'attribute') return e.text.replace(/\s/g, '') === 'self.queryset';
  if (e.type !== 'call') return false;
  const fn = e.childForFieldName('function');
  const attr = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
  const obj = fn?.type === 'attribute' ? fn.childForFieldName('object') : undefined;
  if (attr === 'get_queryset' && obj?.type === 'call' && calleeName(obj) === 'super') return true;
  return attr === 'all' && !!obj && isViewRoot(obj);
}

/**
 * The `get_queryset()` a view class inherits from workspace bases (nearest first), as DRF calls it for every action.
 * The class's own get_queryset is not looked at here (the rule reads its returns).
 */
export function inheritedGetQueryset(cls: Node, uri: string, workspace: WorkspaceFacts): InheritedQueryset {
  const seen = new Set<Node>();
  const visit = (ref: ClassRef, level: number): InheritedQueryset => {
    for (const b of baseNodes(ref.cls)) {
      const base = classRef(b, ref.uri, workspace);
      if (!base || seen.has(base.cls)) continue;
      seen.add(base.cls);
      const def = definedMethod(base.cls, 'get_queryset');
      const name = base.cls.childForFieldName('name')?.text ?? b.text;
      if (def) {
        const steps = querysetMethodSteps(def, isViewRoot);
        if (!steps) {
          return { kind: 'unknown', base: name, why: `${name}.get_queryset() (${base.uri.split('/').slice(-2).join('/')}) builds the queryset in code djperf cannot read (select_related/prefetch_related computed at run time, or another queryset)` };
        }
        const computed = steps.find((s) => !s.literal && (s.method === 'select_related' || s.method === 'prefetch_related'));
        if (computed) {
          return { kind: 'unknown', base: name, why: `${name}.get_queryset() adds ${computed.method}() with lookups computed at run time` };
        }
        return { kind: 'steps', steps, base: name };
      }
      if (level + 1 < MAX_BASES) {
        const deeper = visit(base, level + 1);
        if (deeper.kind !== 'none') return deeper;
      }
    }
    return { kind: 'none' };
  };
  return visit({ cls, uri }, 0);
}

/** Whether the view's own get_queryset starts from `super().get_queryset()` (so the inherited one runs too). */
export function callsSuperGetQueryset(cls: Node): boolean {
  const def = definedMethod(cls, 'get_queryset');
  return !!def && /super\(\s*(\w+\s*,\s*self\s*)?\)\s*\.\s*get_queryset\s*\(/.test(def.text);
}

/**
 * Why DJP108 says nothing about a view with a serializer whose queryset comes through a workspace base's
 * get_queryset() that djperf cannot read (for `djperf profile`'s notes), else undefined.
 */
export function serializerSilence(cls: Node, uri: string, workspace: WorkspaceFacts): string | undefined {
  const body = cls.childForFieldName('body');
  const hasSerializer = body?.namedChildren.some((s) => s?.type === 'expression_statement' &&
    s.namedChildren[0]?.type === 'assignment' && s.namedChildren[0].childForFieldName('left')?.text === 'serializer_class');
  if (!hasSerializer || (definedMethod(cls, 'get_queryset') && !callsSuperGetQueryset(cls))) return undefined;
  const inherited = inheritedGetQueryset(cls, uri, workspace);
  if (inherited.kind !== 'unknown') return undefined;
  const name = cls.childForFieldName('name')?.text ?? 'the view';
  return `DJP108 is silent for ${name}: ${inherited.why}; the relations its serializer reads may or may not be loaded`;
}

/** Names of the bases of a class through workspace classes (nearest first, up to four levels): `ReadOnlyModelViewSet`. */
export function workspaceBaseNames(cls: Node, uri: string, workspace: WorkspaceFacts): string[] {
  const out: string[] = [];
  const seen = new Set<Node>();
  const visit = (ref: ClassRef, level: number): void => {
    for (const b of baseNodes(ref.cls)) {
      out.push(b.text);
      const base = level < MAX_BASES ? classRef(b, ref.uri, workspace) : undefined;
      if (!base || seen.has(base.cls)) continue;
      seen.add(base.cls);
      visit(base, level + 1);
    }
  };
  visit({ cls, uri }, 0);
  return out;
}
