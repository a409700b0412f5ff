import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, formatQueryCost, type Finding, type Fix, type Rule } from '../types';
import type { RuleContext } from '../context';
import type { ModelInfo } from '../../django/modelIndex';
import { attributeReads } from '../../django/modelDecls';
import { calleeName, decoratorsOf, isTrue, nodesOfType, positionalArgs, rangeOf, stringValue } from '../../python/syntax';
import { preferredQuote } from '../../fixes/querysetEdits';
import { bindingOf } from '../../python/semantic/infer';
import { inheritedGetQueryset, workspaceBaseNames } from '../../drf/viewQueryset';
import type { QuerysetStep } from '../../django/querysetMethods';
import { flattenSteps } from '../../django/customQuerysets';

export const meta = ruleMeta({
  code: 'DJP109',
  name: 'admin-changelist-n-plus-one',
  family: 'n-plus-one',
  defaultSeverity: 'warning',
  summary: 'An admin list_display column (or __str__) reads a relation per row that the changelist does not select_related.',
});

/** Forward single-object relations a bare select_related() follows (when not nullable). */
const FORWARD = new Set(['fk', 'o2o', 'parent-link']);
/** list_filter field classes whose filter runs no query (booleans, dates, fields with choices). */
const QUIET_FILTERS = /^(BooleanField|NullBooleanField|DateField|DateTimeField)$|:choices$/;

function classAttr(body: Node, name: string): Node | undefined {
  for (const stmt of body.namedChildren) {
    const assign = stmt?.type === 'expression_statement' ? stmt.namedChildren[0] : undefined;
    if (assign?.type === 'assignment' && assign.childForFieldName('left')?.text === name) return assign;
  }
  return undefined;
}

function methods(body: Node): Map<string, Node> {
  const out = new Map<string, Node>();
  for (const stmt of body.namedChildren) {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    const name = def?.type === 'function_definition' ? def.childForFieldName('name')?.text : undefined;
    if (def && name) out.set(name, def);
  }
  return out;
}

/** The module-level `def` a list_display entry names (`list_display = ("title", owner_name)`), if any. */
function moduleDef(entry: Node): Node | undefined {
  if (entry.type !== 'identifier') return undefined;
  const b = bindingOf(entry);
  return b?.kind === 'function' && b.definition ? b.definition : undefined;
}

/** The model an admin class is registered for: `@admin.register(M)` or `admin.site.register(M, Cls)`. */
function registeredModel(ctx: RuleContext, cls: Node, name: string): ModelInfo | undefined {
  for (const d of decoratorsOf(cls)) {
    const call = d.namedChildren[0];
    if (call?.type === 'call' && /(^|\.)register$/.test(calleeName(call) ?? '')) {
      return ctx.evaluator.modelClass(positionalArgs(call)[0]);
    }
  }
  for (const n of nodesOfType(ctx.file.tree.rootNode, 'call')) {
    if (!/(^|\.)register$/.test(calleeName(n) ?? '')) continue;
    const args = positionalArgs(n);
    const model = args[1]?.text === name ? ctx.evaluator.modelClass(args[0]) : undefined;
    if (model) return model;
  }
  return undefined;
}

interface Read {
  path: string[];
  via: string;
  /** A many relation whose manager is only counted (`obj.tags.count()`): annotate(Count(...)) is the fix. */
  counted?: boolean;
}

/**
 * Relation paths a get_queryset the changelist runs (an admin base class's, or the default manager's) loads; undefined
 * when it does something djperf cannot read (lookups computed at run time, custom code): the rule stays silent.
 */
function stepLoads(steps: readonly QuerysetStep[]): Set<string> | undefined {
  const out = new Set<string>();
  for (const st of steps) {
    if (st.method !== 'select_related' && st.method !== 'prefetch_related') {
      if (['only', 'defer', 'values', 'values_list', 'none'].includes(st.method)) return undefined;
      continue;
    }
    if (!st.literal || st.args.length === 0) return undefined;
    for (const a of st.args) {
      const parts = a.split('__');
      for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('__'));
    }
  }
  return out;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    const models = ctx.workspace.models;
    // The module's classes from the tree's index by type, not a walk of every node.
    for (const cls of nodesOfType(ctx.file.tree.rootNode, 'class_definition')) checkAdmin(cls);
    return findings;

    function checkAdmin(cls: Node): void {
      // The class's own `list_display` first: the walk of its workspace bases below is the costly test.
      const body = cls.childForFieldName('body');
      const listDisplay = body ? classAttr(body, 'list_display') : undefined;
      const ld = listDisplay?.childForFieldName('right');
      if (!body || !listDisplay || !ld || (ld.type !== 'tuple' && ld.type !== 'list')) return;
      const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).map((b) => b?.text ?? '');
      // `class BookAdmin(ProjectBaseAdmin)`: a ModelAdmin through workspace base classes counts too.
      if (!bases.some((b) => /ModelAdmin$/.test(b)) && !workspaceBaseNames(cls, ctx.file.uri, ctx.workspace).some((b) => /ModelAdmin$/.test(b))) return;
      const name = cls.childForFieldName('name')?.text ?? '';
      const defs = methods(body);
      if (defs.has('get_queryset')) return; // the admin builds its own queryset: not ours to judge
      const model = registeredModel(ctx, cls, name);
      if (!model) return;
      // The changelist's queryset: a workspace base admin's get_queryset, then the default manager's get_queryset.
      const inherited = inheritedGetQueryset(cls, ctx.file.uri, ctx.workspace);
      if (inherited.kind === 'unknown') return;
      const preloaded = new Set<string>();
      const sources: (readonly QuerysetStep[])[] = inherited.kind === 'steps' ? [inherited.steps] : [];
      const managerClasses = model.defaultManager ? model.managerClasses?.get(model.defaultManager) : undefined;
      const managerGetQs = managerClasses ? models.customMethod(managerClasses, 'get_queryset') : undefined;
      if (managerGetQs && !managerGetQs.steps) return;
      if (managerGetQs?.steps) sources.push(managerGetQs.steps);
      for (const written of sources) {
        const steps = flattenSteps(models, managerClasses ?? [], written);
        const loads = steps && stepLoads(steps);
        if (!loads) return;
        for (const p of loads) preloaded.add(p);
      }
      // What each row reads.
      const reads: Read[] = [];
      const strChains = (m: ModelInfo | undefined, prefix: string[], via: string, depth: number): void => {
        if (!m || depth > 4) return;
        for (const chain of m.strReads ?? []) followChain(m, chain, prefix, via, depth);
      };
      const followChain = (start: ModelInfo, chain: string[], prefix: string[], via: string, depth: number): void => {
        let m: ModelInfo | undefined = start;
        const path = [...prefix];
        for (let i = 0; i < chain.length && m; i++) {
          const rel = m.relations.get(chain[i]);
          // A GenericForeignKey column (`content_object`): one query per row, only prefetch_related loads it.
          if (rel?.kind === 'generic-fk') {
            reads.push({ path: [...path, chain[i]], via });
            return;
          }
          if (!rel?.target) return;
          path.push(chain[i]);
          reads.push({ path: [...path], via, ...(rel.many && chain[i + 1] === 'count' && chain.length === i + 2 ? { counted: true } : {}) });
          m = models.get(rel.target);
          if (rel.many) return;
          // A relation used as a value ends up in str(): its own __str__ runs too.
          if (i === chain.length - 1) strChains(m, path, via, depth + 1);
        }
      };
      let realFk = false;
      for (const entry of ld.namedChildren) {
        if (!entry) continue;
        const s = stringValue(entry);
        const ref = s ?? (entry.type === 'identifier' ? entry.text : undefined);
        if (!ref) continue;
        if (ref === '__str__') strChains(model, [], '__str__', 0);
        else if (defs.has(ref) || (s === undefined && moduleDef(entry))) {
          // A method `def col(self, obj)`, or a module-level callable `def col(obj)` listed by name.
          const def = defs.get(ref) ?? (moduleDef(entry) as Node);
          const params = (def.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p?.type === 'identifier');
          const obj = defs.get(ref) === def ? params[1]?.text : params[0]?.text;
          if (obj) for (const chain of attributeReads(def, obj)) followChain(model, chain, [], `${ref}()`, 0);
        } else if (ref.includes('__')) followChain(model, ref.split('__'), [], ref, 0);
        else {
          const rel = model.relations.get(ref);
          if (rel?.kind === 'generic-fk') followChain(model, [ref], [], ref, 0);
          else if (rel && !rel.many && rel.target) {
            if (rel.kind === 'fk' || rel.kind === 'o2o') realFk = true;
            followChain(model, [ref], [], ref, 0);
          }
        }
      }
      if (reads.length === 0) return;
      // What the changelist loads.
      const lsrNode = classAttr(body, 'list_select_related')?.childForFieldName('right');
      let explicit: Set<string> | undefined;
      let bare = false;
      if (lsrNode && isTrue(lsrNode)) bare = true;
      else if (lsrNode && (lsrNode.type === 'tuple' || lsrNode.type === 'list')) {
        explicit = new Set();
        for (const p of lsrNode.namedChildren) {
          const v = stringValue(p);
          if (v === undefined) return;
          const parts = v.split('__');
          for (let i = 1; i <= parts.length; i++) explicit.add(parts.slice(0, i).join('__'));
        }
      } else if (lsrNode && lsrNode.type !== 'false') return;
      else bare = realFk;
      const loaded = (path: string[]): boolean => {
        if (preloaded.has(path.join('__'))) return true;
        if (explicit) return explicit.has(path.join('__'));
        if (!bare) return false;
        let m: ModelInfo | undefined = model;
        for (const n of path) {
          const rel = m?.relations.get(n);
          if (!rel?.target || !FORWARD.has(rel.kind) || rel.nullable) return false;
          m = models.get(rel.target);
        }
        return true;
      };
      const missing = new Map<string, Read>();
      for (const r of reads) {
        const key = r.path.join('__');
        if (!loaded(r.path) && !missing.has(key)) missing.set(key, r);
      }
      if (missing.size === 0) return;
      // Queries the changelist runs once: the paginator's count, the unfiltered count, the page, and list_filter choices.
      let base = 3;
      const lf = classAttr(body, 'list_filter')?.childForFieldName('right');
      for (const f of lf?.namedChildren ?? []) {
        const fname = stringValue(f);
        if (fname === undefined) continue;
        const rel = model.relations.get(fname);
        if (rel) base++;
        else if (!QUIET_FILTERS.test(model.fieldClasses?.get(fname) ?? 'BooleanField')) base++;
      }
      const cost = {
        kind: 'queries' as const, base, perRow: missing.size, rowFactors: [`rows of the ${model.name} changelist page`],
        model: model.key, relationPath: [...missing.keys()].join(', '),
      };
      const why = [...missing.values()].map((r) => {
        const rel = (() => {
          let m: ModelInfo | undefined = model;
          let last;
          for (const n of r.path) { last = m?.relations.get(n); m = last?.target ? models.get(last.target) : undefined; }
          return last;
        })();
        const note = rel?.nullable && bare ? ' (nullable: the automatic select_related() skips it)' : '';
        return `${r.path.join('__')} via ${r.via}${note}`;
      });
      const all = [...new Set(reads.filter((r) => !isMany(model, r.path)).map((r) => r.path.join('__')))];
      const deepest = all.filter((p) => !all.some((q) => q !== p && q.startsWith(`${p}__`)));
      const quote = preferredQuote(cls);
      const wanted = explicit ? [...new Set([...deepest, ...[...explicit].filter((p) => !deepest.some((d) => d === p || d.startsWith(`${p}__`)))])] : deepest;
      const tuple = `(${wanted.map((p) => `${quote}${p}${quote}`).join(', ')}${wanted.length === 1 ? ',' : ''})`;
      let fix: Fix | undefined;
      const singleMissing = [...missing.values()].some((r) => !isMany(model, r.path));
      if (singleMissing && wanted.every((p) => p.split('__').every(Boolean)) && !deepest.some((p) => {
        let m: ModelInfo | undefined = model;
        return p.split('__').some((n) => { const rel = m?.relations.get(n); m = rel?.target ? models.get(rel.target) : undefined; return !rel || rel.many; });
      })) {
        const indent = ' '.repeat(listDisplay.startPosition.column);
        const lsrAssign = classAttr(body, 'list_select_related');
        fix = {
          message: `Set list_select_related = ${tuple}`,
          applicability: 'safe',
          isPreferred: true,
          edits: lsrAssign
            ? [{ range: rangeOf(lsrAssign.childForFieldName('right') as Node), newText: tuple }]
            : [{ range: { start: { line: listDisplay.endPosition.row + 1, character: 0 }, end: { line: listDisplay.endPosition.row + 1, character: 0 } },
              newText: `${indent}list_select_related = ${tuple}\n` }],
        };
      }
      // Many relations: list_select_related cannot load them; get_queryset() can (annotate a count, prefetch a list).
      const manyMissing = [...missing.values()].filter((r) => isMany(model, r.path));
      const counted = manyMissing.filter((r) => r.counted).map((r) => r.path.join('__'));
      const listed = manyMissing.filter((r) => !r.counted).map((r) => r.path.join('__'));
      const single = [...missing.values()].filter((r) => !isMany(model, r.path));
      const advice = [
        single.length ? `set list_select_related = ${tuple}` : '',
        counted.length ? `override get_queryset() to annotate(${counted.map((p) => `${p.replace(/__/g, '_')}_count=Count(${quote}${p}${quote})`).join(', ')}) and read the annotation` : '',
        listed.length ? `override get_queryset() to prefetch_related(${listed.map((p) => `${quote}${p}${quote}`).join(', ')})` : '',
      ].filter(Boolean).join('; ');
      findings.push({
        code: meta.code,
        range: rangeOf(listDisplay),
        message: `Admin changelist N+1: every ${model.name} row of ${name} loads ${why.join('; ')} with its own query ` +
          `(${formatQueryCost(cost)}); ${advice}.`,
        cost,
        fixes: fix ? [fix] : undefined,
      });
    }

    /** A path list_select_related cannot load: through a many relation or a GenericForeignKey. */
    function isMany(model: ModelInfo, path: string[]): boolean {
      let m: ModelInfo | undefined = model;
      return path.some((n) => { const rel = m?.relations.get(n); m = rel?.target ? models.get(rel.target) : undefined; return !!rel?.many || rel?.kind === 'generic-fk'; });
    }
  },
};


