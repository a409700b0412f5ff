import type { Node } from '../../parsing/syntaxTree';

/**
 * What an expression is known to be, as far as reading the code tells. Unknown is `undefined`, never a guess.
 * Class names are dotted as the code resolves them: `pathlib.Path` for library classes, `.models.Book` or `Book` for
 * workspace classes (with `def` when the class is defined in the same file).
 */
export type PyType =
  /** A module, or a module-level name of a library known only by its dotted path (`requests`, `os.path.join`). */
  | { kind: 'symbol'; name: string }
  /** An instance of a class; `args` are generic arguments (`list[Book]`, `QuerySet[Book]`). */
  | { kind: 'instance'; cls: string; args?: readonly PyType[]; def?: Node }
  /** A class object. */
  | { kind: 'class'; cls: string; def?: Node }
  /** A function or method defined in this file. */
  | { kind: 'function'; name: string; def: Node }
  /** One of several types (`Union[A, B]`, `A | B`); `None` is dropped. */
  | { kind: 'union'; members: readonly PyType[] };

export function instance(cls: string, args?: readonly PyType[], def?: Node): PyType {
  return { kind: 'instance', cls, args, def };
}

/** The members of a union, or the type itself. */
export function membersOf(t: PyType | undefined): readonly PyType[] {
  if (!t) return [];
  return t.kind === 'union' ? t.members : [t];
}

export function sameType(a: PyType, b: PyType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'symbol': return a.name === (b as typeof a).name;
    case 'instance': return a.cls === (b as typeof a).cls && a.def === (b as typeof a).def;
    case 'class': return a.cls === (b as typeof a).cls && a.def === (b as typeof a).def;
    case 'function': return a.def === (b as typeof a).def;
    case 'union': return a.members.length === (b as typeof a).members.length && a.members.every((m, i) => sameType(m, (b as typeof a).members[i]));
  }
}

/** A union of the given types (flattened, deduplicated); one member stands for itself; none is unknown. */
export function unionOf(types: readonly (PyType | undefined)[]): PyType | undefined {
  const out: PyType[] = [];
  for (const t of types) {
    if (!t) return undefined; // one unknown member makes the whole unknown
    for (const m of membersOf(t)) if (!out.some((o) => sameType(o, m))) out.push(m);
  }
  if (out.length === 0) return undefined;
  return out.length === 1 ? out[0] : { kind: 'union', members: out };
}

/** The last segment of a dotted class name (`.models.Book` -> `Book`). */
export function shortName(cls: string): string {
  const i = cls.lastIndexOf('.');
  return i < 0 ? cls : cls.slice(i + 1);
}

/**
 * An annotation as a tree of dotted names with generic arguments, read from its text: the same reader serves
 * `Optional[Book]`, `Book | None` and the string annotation `"Optional[Book]"`.
 */
export interface AnnotationTerm {
  name: string;
  args: AnnotationTerm[];
  /** `A | B` at this level. */
  alternatives?: AnnotationTerm[];
}

/** Parses an annotation's text; undefined when it is not a plain type expression. */
export function parseAnnotationText(text: string): AnnotationTerm | undefined {
  let i = 0;
  const src = text.trim();
  const skip = (): void => { while (i < src.length && /\s/.test(src[i])) i++; };
  const union = (): AnnotationTerm | undefined => {
    const first = term();
    if (!first) return undefined;
    skip();
    if (src[i] !== '|') return first;
    const alternatives = [first];
    while (src[i] === '|') {
      i++;
      const next = term();
      if (!next) return undefined;
      alternatives.push(next);
      skip();
    }
    return { name: '|', args: [], alternatives };
  };
  const term = (): AnnotationTerm | undefined => {
    skip();
    if (src[i] === '"' || src[i] === "'") {
      // A quoted part inside an annotation (`list["Book"]`).
      const quote = src[i];
      const end = src.indexOf(quote, i + 1);
      if (end < 0) return undefined;
      const inner = parseAnnotationText(src.slice(i + 1, end));
      i = end + 1;
      return inner;
    }
    const m = /^[A-Za-z_][\w]*(?:\s*\.\s*[A-Za-z_]\w*)*/.exec(src.slice(i));
    if (m) {
      i += m[0].length;
      const name = m[0].replace(/\s+/g, '');
      const args: AnnotationTerm[] = [];
      skip();
      if (src[i] === '[') {
        i++;
        for (;;) {
          skip();
          if (src[i] === ']') { i++; break; }
          if (src.startsWith('...', i)) { i += 3; args.push({ name: '...', args: [] }); }
          else if (src[i] === '[') {
            // Callable[[A, B], R]: the parameter list is kept as an unnamed group.
            i++;
            const group: AnnotationTerm[] = [];
            for (;;) {
              skip();
              if (src[i] === ']') { i++; break; }
              const t = union();
              if (!t) return undefined;
              group.push(t);
              skip();
              if (src[i] === ',') i++;
            }
            args.push({ name: '[]', args: group });
          } else {
            const t = union();
            if (!t) return undefined;
            args.push(t);
          }
          skip();
          if (src[i] === ',') i++;
          else if (src[i] !== ']') return undefined;
        }
      }
      return { name, args };
    }
    return undefined;
  };
  const out = union();
  skip();
  return out && i === src.length ? out : undefined;
}

/** The text of an annotation node without its `type` wrapper, unquoted when it is a string annotation. */
export function annotationText(annotation: Node): string | undefined {
  const inner = annotation.type === 'type' ? annotation.namedChildren[0] : annotation;
  if (!inner) return undefined;
  if (inner.type === 'string') {
    if (inner.namedChildren.some((c) => c.type === 'interpolation')) return undefined;
    const content = inner.namedChildren.filter((c) => c.type === 'string_content').map((c) => c.text).join('');
    return content;
  }
  return inner.text;
}
