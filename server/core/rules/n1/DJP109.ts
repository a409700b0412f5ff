import type { Node } from '../../parsing/syntaxTree';
import { ruleMeta, formatQueryCost, type Finding, type Fix, type Rule } from '../types';
import type { RuleContext } from '../context';
import type { ModelInfo } from '../../django/modelIndex';
import { attributeReads } from '../../django/modelDecls';
import { calleeName, decoratorsOf, isTrue, positionalArgs, rangeOf, stringValue, walk } from '../../python/syntax';
import { preferredQuote } from '../../fixes/querysetEdits';

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

/** The model an admin class is registered for: `@admin.register(M)` or `admin.site.register(M, Cls)`. */
function registeredModel(ctx: RuleContext, cls: Node, name: string): ModelInfo | undefined {
  for (const d of decoratorsOf(cls)) {
    const call = d.namedChildren[0];
    if (call?.type === 'call' && /(^|\.)register$/.test(calleeName(call) ?? '')) {
      return ctx.evaluator.modelClass(positionalArgs(call)[0]);
    }
  }
  let found: ModelInfo | undefined;
  walk(ctx.file.tree.rootNode, (n) => {
    if (found) return false;
    if (n.type === 'call' && /(^|\.)register$/.test(calleeName(n) ?? '')) {
      const args = positionalArgs(n);
      if (args[1]?.text === name) found = ctx.evaluator.modelClass(args[0]);
    }
    return true;
  });
  return found;
}

interface Read {
  path: string[];
  via: string;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const findings: Finding[] = [];
    const models = ctx.workspace.models;
    walk(ctx.file.tree.rootNode, (cls) => {
      if (cls.type !== 'class_definition') return true;
      const bases = (cls.childForFieldName('superclasses')?.namedChildren ?? []).map((b) => b?.text ?? '');
      if (!bases.some((b) => /ModelAdmin$/.test(b))) return true;
      const body = cls.childForFieldName('body');
      const name = cls.childForFieldName('name')?.text ?? '';
      const listDisplay = body ? classAttr(body, 'list_display') : undefined;
      const ld = listDisplay?.childForFieldName('right');
      if (!body || !listDisplay || !ld || (ld.type !== 'tuple' && ld.type !== 'list')) return true;
      const defs = methods(body);
      if (defs.has('get_queryset')) return true; // the admin builds its own queryset: not ours to judge
      const model = registeredModel(ctx, cls, name);
      if (!model) return true;
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
          if (!rel?.target) return;
          path.push(chain[i]);
          reads.push({ path: [...path], via });
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
        else if (defs.has(ref)) {
          const def = defs.get(ref) as Node;
          const params = (def.childForFieldName('parameters')?.namedChildren ?? []).filter((p) => p?.type === 'identifier');
          const obj = params[1]?.text;
          if (obj) for (const chain of attributeReads(def, obj)) followChain(model, chain, [], `${ref}()`, 0);
        } else if (ref.includes('__')) followChain(model, ref.split('__'), [], ref, 0);
        else {
          const rel = model.relations.get(ref);
          if (rel && !rel.many && rel.target) {
            if (rel.kind === 'fk' || rel.kind === 'o2o') realFk = true;
            followChain(model, [ref], [], ref, 0);
          }
        }
      }
      if (reads.length === 0) return true;
      // What the changelist loads.
      const lsrNode = classAttr(body, 'list_select_related')?.childForFieldName('right');
      let explicit: Set<string> | undefined;
      let bare = false;
      if (lsrNode && isTrue(lsrNode)) bare = true;
      else if (lsrNode && (lsrNode.type === 'tuple' || lsrNode.type === 'list')) {
        explicit = new Set();
        for (const p of lsrNode.namedChildren) {
          const v = stringValue(p);
          if (v === undefined) return true;
          const parts = v.split('__');
          for (let i = 1; i <= parts.length; i++) explicit.add(parts.slice(0, i).join('__'));
        }
      } else if (lsrNode && lsrNode.type !== 'false') return true;
      else bare = realFk;
      const loaded = (path: string[]): boolean => {
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
      if (missing.size === 0) return true;
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
      const all = [...new Set(reads.map((r) => r.path.join('__')))];
      const deepest = all.filter((p) => !all.some((q) => q !== p && q.startsWith(`${p}__`)));
      const quote = preferredQuote(cls);
      const wanted = explicit ? [...new Set([...deepest, ...[...explicit].filter((p) => !deepest.some((d) => d === p || d.startsWith(`${p}__`)))])] : deepest;
      const tuple = `(${wanted.map((p) => `${quote}${p}${quote}`).join(', ')}${wanted.length === 1 ? ',' : ''})`;
      let fix: Fix | undefined;
      if (wanted.every((p) => p.split('__').every(Boolean)) && !deepest.some((p) => {
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
      findings.push({
        code: meta.code,
        range: rangeOf(listDisplay),
        message: `Admin changelist N+1: every ${model.name} row of ${name} loads ${why.join('; ')} with its own query ` +
          `(${formatQueryCost(cost)}); set list_select_related = ${tuple}.`,
        cost,
        fixes: fix ? [fix] : undefined,
      });
      return true;
    });
    return findings;
  },
};


