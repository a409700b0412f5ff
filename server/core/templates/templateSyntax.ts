/**
 * A small parser of the Django template language: only what the N+1 analysis reads (loops, bindings, includes,
 * inheritance, variable lookups). Hand-written, not tree-sitter: no maintained Django-template grammar is published
 * on npm (see grammars/README.md), and the language's tags are a flat token stream that a regex splits exactly.
 * https://docs.djangoproject.com/en/stable/ref/templates/language/
 */

/** `book.author.name|upper`: a dotted variable lookup, with offsets into the template text. */
export interface Lookup {
  path: string[];
  start: number;
  /** End of the dotted part (filters excluded). */
  end: number;
  filters: string[];
}

export type TemplateNode =
  | { type: 'var'; lookup?: Lookup }
  | { type: 'for'; targets: string[]; iter?: Lookup; body: TemplateNode[]; empty: TemplateNode[]; start: number }
  | { type: 'with'; bindings: Map<string, Lookup | undefined>; body: TemplateNode[] }
  | { type: 'branches'; conditions: Lookup[]; branches: TemplateNode[][] }
  | { type: 'include'; name?: string; bindings: Map<string, Lookup | undefined>; only: boolean }
  | { type: 'extends'; name?: string }
  | { type: 'block'; name: string; body: TemplateNode[]; usesSuper: boolean }
  | { type: 'tag'; lookups: Lookup[] };

interface Token {
  kind: 'text' | 'var' | 'block';
  /** Inner text, trimmed. */
  content: string;
  /** Offset of `content` in the template. */
  at: number;
}

/**
 * Splits the template into tags and variables with indexOf, not a lazy regex: a broken template with thousands of
 * unclosed `{%` would make a regex rescan the rest of the text for each one (quadratic).
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const closers: Record<string, string> = { '{%': '%}', '{{': '}}', '{#': '#}' };
  /** Delimiters with no closer left after some point: never looked for again. */
  const exhausted = new Set<string>();
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0 || open + 1 >= text.length) break;
    const opener = text.slice(open, open + 2);
    const closer = closers[opener];
    if (!closer || exhausted.has(opener)) {
      i = open + 1;
      continue;
    }
    const close = text.indexOf(closer, open + 2);
    if (close < 0) {
      exhausted.add(opener);
      i = open + 1;
      continue;
    }
    if (opener !== '{#') {
      const inner = text.slice(open + 2, close);
      const lead = inner.length - inner.trimStart().length;
      tokens.push({ kind: opener === '{%' ? 'block' : 'var', content: inner.trim(), at: open + 2 + lead });
    }
    i = close + 2;
  }
  return tokens;
}

/** Splits tag arguments on spaces outside quotes, keeping each bit's offset. */
function bits(content: string, at: number): { text: string; at: number }[] {
  const out: { text: string; at: number }[] = [];
  const re = /(?:"[^"]*"|'[^']*'|[^\s"'])+/g;
  for (const m of content.matchAll(re)) out.push({ text: m[0], at: at + (m.index ?? 0) });
  return out;
}

const LOOKUP = /^[A-Za-z_]\w*(?:\.\w+)*/;

/** The lookup a filter expression starts with (`a.b|f:"x"`), or undefined for a literal. */
export function parseLookup(text: string, at: number): Lookup | undefined {
  const m = LOOKUP.exec(text);
  if (!m || /^(True|False|None)$/.test(m[0])) return undefined;
  const rest = text.slice(m[0].length);
  const filters = rest.startsWith('|') ? rest.slice(1).split('|').map((f) => f.split(':')[0]) : [];
  return { path: m[0].split('.'), start: at, end: at + m[0].length, filters };
}

const IF_OPERATORS = new Set(['and', 'or', 'not', 'in', 'is', '==', '!=', '<', '>', '<=', '>=']);

/** `a=b.c d=e` (or the old `b.c as a`) of {% with %}, {% include ... with %} and {% blocktrans with %}. */
function bindingsOf(args: { text: string; at: number }[]): Map<string, Lookup | undefined> {
  const out = new Map<string, Lookup | undefined>();
  if (args.length === 3 && args[1].text === 'as') {
    out.set(args[2].text, parseLookup(args[0].text, args[0].at));
    return out;
  }
  for (const a of args) {
    const eq = a.text.indexOf('=');
    if (eq > 0) out.set(a.text.slice(0, eq), parseLookup(a.text.slice(eq + 1), a.at + eq + 1));
  }
  return out;
}

function unquote(s: string | undefined): string | undefined {
  const m = s ? /^(["'])(.*)\1$/.exec(s) : null;
  return m ? m[2] : undefined;
}

/** Tags with an end tag whose body renders in the enclosing context. */
const TRANSPARENT = new Set(['spaceless', 'autoescape', 'filter', 'ifchanged', 'localize', 'localtime', 'timezone', 'cache', 'blocktrans', 'blocktranslate']);

/** Deeper block tags are read as plain tags: a broken or hostile template must not exhaust the stack. */
const MAX_NESTING = 100;

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  /** Nodes until one of `ends` (returned, consumed) or the end of the template. */
  parse(ends: ReadonlySet<string>): { nodes: TemplateNode[]; end?: string; endBits?: { text: string; at: number }[] } {
    const nodes: TemplateNode[] = [];
    while (this.i < this.tokens.length) {
      const tok = this.tokens[this.i++];
      if (tok.kind === 'var') {
        nodes.push({ type: 'var', lookup: parseLookup(tok.content, tok.at) });
        continue;
      }
      const [head, ...args] = bits(tok.content, tok.at);
      const name = head?.text ?? '';
      if (ends.has(name)) return { nodes, end: name, endBits: args };
      let node: TemplateNode | undefined;
      this.depth++;
      try {
        node = this.depth > MAX_NESTING ? undefined : this.tag(name, args, tok);
      } finally {
        this.depth--;
      }
      if (node) nodes.push(node);
    }
    return { nodes };
  }

  private skipTo(end: string): void {
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i++];
      if (t.kind === 'block' && t.content.split(/\s/)[0] === end) return;
    }
  }

  private tag(name: string, args: { text: string; at: number }[], tok: Token): TemplateNode | undefined {
    switch (name) {
      case 'comment':
        this.skipTo('endcomment');
        return undefined;
      case 'verbatim':
        this.skipTo('endverbatim');
        return undefined;
      case 'for': {
        const inAt = args.findIndex((a) => a.text === 'in');
        if (inAt < 1) return undefined;
        const targets = args.slice(0, inAt).map((a) => a.text).join('').split(',').filter(Boolean);
        const iterBit = args[inAt + 1];
        const body = this.parse(new Set(['empty', 'endfor']));
        const empty = body.end === 'empty' ? this.parse(new Set(['endfor'])).nodes : [];
        return { type: 'for', targets, iter: iterBit && parseLookup(iterBit.text, iterBit.at), body: body.nodes, empty, start: tok.at };
      }
      case 'if': {
        const conditions: Lookup[] = [];
        const branches: TemplateNode[][] = [];
        let condArgs = args;
        for (;;) {
          for (const a of condArgs) {
            const l = IF_OPERATORS.has(a.text) ? undefined : parseLookup(a.text, a.at);
            if (l) conditions.push(l);
          }
          const part = this.parse(new Set(['elif', 'else', 'endif']));
          branches.push(part.nodes);
          if (part.end === 'elif') condArgs = part.endBits ?? [];
          else if (part.end === 'else') condArgs = [];
          else break;
        }
        return { type: 'branches', conditions, branches };
      }
      case 'with':
        return { type: 'with', bindings: bindingsOf(args), body: this.parse(new Set(['endwith'])).nodes };
      case 'block': {
        const body = this.parse(new Set(['endblock'])).nodes;
        const usesSuper = containsLookup(body, (l) => l.path[0] === 'block' && l.path[1] === 'super');
        return { type: 'block', name: args[0]?.text ?? '', body, usesSuper };
      }
      case 'extends':
        return { type: 'extends', name: unquote(args[0]?.text) };
      case 'include': {
        const withAt = args.findIndex((a) => a.text === 'with');
        const only = args.some((a) => a.text === 'only');
        const bound = withAt >= 0 ? args.slice(withAt + 1).filter((a) => a.text !== 'only') : [];
        return { type: 'include', name: unquote(args[0]?.text), bindings: bindingsOf(bound), only };
      }
      default: {
        if (TRANSPARENT.has(name)) {
          const body = this.parse(new Set([`end${name}`, 'plural'])).nodes;
          const more = this.tokens[this.i - 1]?.content.startsWith('plural') ? this.parse(new Set([`end${name}`])).nodes : [];
          const bindings = bindingsOf(args.filter((a) => a.text.includes('=')));
          return { type: 'with', bindings, body: [...body, ...more] };
        }
        // Any other tag: its arguments are read (`{% url "x" book.author.slug %}`); string literals are not lookups.
        const lookups: Lookup[] = [];
        for (const a of args) {
          const eq = /^\w+=/.exec(a.text)?.[0].length ?? 0;
          const l = a.text === 'as' ? undefined : parseLookup(a.text.slice(eq), a.at + eq);
          if (l) lookups.push(l);
        }
        return { type: 'tag', lookups };
      }
    }
  }
}

function containsLookup(nodes: readonly TemplateNode[], test: (l: Lookup) => boolean): boolean {
  return nodes.some((n) => {
    switch (n.type) {
      case 'var': return !!n.lookup && test(n.lookup);
      case 'for': return containsLookup(n.body, test) || containsLookup(n.empty, test);
      case 'with': case 'block': return containsLookup(n.body, test);
      case 'branches': return n.branches.some((b) => containsLookup(b, test));
      default: return false;
    }
  });
}

export interface ParsedTemplate {
  nodes: TemplateNode[];
  /** `{% extends "base.html" %}` with a literal name. */
  extends?: string;
  /** Top-level and nested {% block %}s by name. */
  blocks: Map<string, Extract<TemplateNode, { type: 'block' }>>;
}

export function parseTemplate(text: string): ParsedTemplate {
  const nodes = new Parser(tokenize(text)).parse(new Set()).nodes;
  const blocks = new Map<string, Extract<TemplateNode, { type: 'block' }>>();
  const collect = (list: readonly TemplateNode[]): void => {
    for (const n of list) {
      if (n.type === 'block') {
        if (!blocks.has(n.name)) blocks.set(n.name, n);
        collect(n.body);
      } else if (n.type === 'for') { collect(n.body); collect(n.empty); }
      else if (n.type === 'with') collect(n.body);
      else if (n.type === 'branches') for (const b of n.branches) collect(b);
    }
  };
  collect(nodes);
  const ext = nodes.find((n) => n.type === 'extends');
  return { nodes, extends: ext?.type === 'extends' ? ext.name : undefined, blocks };
}
