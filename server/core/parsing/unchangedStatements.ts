import type { Node } from './syntaxTree';

/**
 * Finds the statements of an edited document that the edit left alone, in the previous version of its JS tree.
 *
 * The copy's address match (`wasmTreeCopy.ts`) misses most of them: a tree-sitter node id is the address of the
 * subtree's slot in its parent's children array, so when the module or a block is rebuilt around them, every kept
 * statement gets a new id; and tree-sitter re-reduces many statements it could have kept. Their text, though, is
 * where it was (before the edit) or shifted by the edit's length (after it), so the previous node can be found by
 * its offset.
 *
 * Why a match cannot be wrong: it is only made between two trees that are both free of errors, for a node of the
 * same type over the same text, wholly outside the changed text (touching it counts as changed), whose line is the
 * same up to the node (same column, same text before it on the line). A statement-level node of an error-free tree
 * is parsed from the start of a statement (never inside brackets or a string), so its tokens depend only on its own
 * text and the column it starts at: tree-sitter-python's scanner keeps a stack of indentation levels, but a line of
 * the statement is only compared with levels the statement itself pushed, or dedents out of it, which ends it (a
 * different extent, refused). Its structure then depends only on those tokens. Trees with errors are left out:
 * error recovery can parse the same text differently, and below the root the copy's `hasError` does not see a
 * MISSING hidden token. The margin and the line check are belts to those braces: the property tests pass without
 * them, and fail as soon as trees with errors are let in.
 */

/** Named node types whose previous node may be found by position: statements and the definitions and blocks. */
export function isStatementLevel(type: string): boolean {
  return type.endsWith('_statement') || type === 'function_definition' || type === 'class_definition' ||
    type === 'decorated_definition' || type === 'block';
}

const NEWLINE = 10;
/** A node that is not statement-level but may hold statements (an `else_clause`'s block), or that holds none. */
const CONTAINER = -1;
const OTHER = -2;
const roles = new Map<string, number>();

/** A statement-level type's number (its kind), or CONTAINER or OTHER; memoised per type name. */
function roleOf(type: string): number {
  let role = roles.get(type);
  if (role === undefined) {
    const kinds = [...roles.values()].filter((r) => r >= 0).length;
    role = isStatementLevel(type) ? kinds : type.endsWith('_clause') ? CONTAINER : OTHER;
    roles.set(type, role);
  }
  return role;
}

/** Compared a block at a time first: string equality runs as one native compare, a char loop does not. */
const BLOCK = 1024;

function commonPrefix(a: string, b: string): number {
  const shorter = Math.min(a.length, b.length);
  let n = 0;
  while (n + BLOCK <= shorter && a.slice(n, n + BLOCK) === b.slice(n, n + BLOCK)) n += BLOCK;
  while (n < shorter && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n;
}

/** The length of the common suffix of `a` and `b`, at most `limit`. */
function commonSuffix(a: string, b: string, limit: number): number {
  let n = 0;
  while (n + BLOCK <= limit && a.slice(a.length - n - BLOCK, a.length - n) === b.slice(b.length - n - BLOCK, b.length - n)) n += BLOCK;
  while (n < limit && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

export class UnchangedStatements {
  /** `text` and `previousText` agree on `[0, prefixEnd)`. */
  private readonly prefixEnd: number;
  /** `text` from `suffixStart` is `previousText` from `suffixStart - delta`. */
  private readonly suffixStart: number;
  private readonly delta: number;
  /**
   * Statement-level nodes of the previous version in document order, with their start offsets and kinds as they were
   * (taking nodes over changes their offsets): starts never decrease, so a start is found by binary search.
   */
  private readonly nodes: Node[] = [];
  private readonly starts: number[] = [];
  private readonly kinds: number[] = [];

  /**
   * Only for two versions that both parsed without error. `previousNamed` is the previous version's `namedNodes`,
   * read before any of its nodes is taken over (their offsets change then).
   */
  constructor(
    private readonly previousText: string,
    previousNamed: readonly Node[],
    private readonly text: string,
  ) {
    const prefix = commonPrefix(previousText, text);
    const suffix = commonSuffix(previousText, text, Math.min(previousText.length, text.length) - prefix);
    this.prefixEnd = prefix;
    this.suffixStart = text.length - suffix;
    this.delta = text.length - previousText.length;
    this.index(previousNamed);
  }

  /**
   * The previous node that `type` over `startIndex..endIndex` of the new text is a copy of, if the edit left it
   * alone; the caller still checks that it has not been taken over.
   */
  find(type: string, startIndex: number, endIndex: number): Node | undefined {
    let oldStart: number;
    if (endIndex < this.prefixEnd) oldStart = startIndex;
    else if (startIndex > this.suffixStart) oldStart = startIndex - this.delta;
    else return undefined;
    const kind = roleOf(type);
    if (kind < 0) return undefined;
    const old = this.at(oldStart, kind);
    if (!old || old.hasError || old.startIndex !== oldStart || old.endIndex - old.startIndex !== endIndex - startIndex) return undefined;
    return this.sameLineStart(startIndex, oldStart) ? old : undefined;
  }

  /** Whether the text from the line's start to the node is the same in both versions (same column, same context). */
  private sameLineStart(start: number, oldStart: number): boolean {
    for (let i = start - 1, j = oldStart - 1; ; i--, j--) {
      const c = i >= 0 ? this.text.charCodeAt(i) : NEWLINE;
      if (c !== (j >= 0 ? this.previousText.charCodeAt(j) : NEWLINE)) return false;
      if (c === NEWLINE) return true;
    }
  }

  /** Lists the statement-level nodes, skipping the subtrees of expressions (statements are never inside one). */
  private index(named: readonly Node[]): void {
    for (let i = 0; i < named.length; ) {
      const node = named[i];
      const role = roleOf(node.type);
      if (role >= 0) {
        this.nodes.push(node);
        this.starts.push(node.startIndex);
        this.kinds.push(role);
      }
      i = role === OTHER && node.parent !== null ? node.subtreeEnd : i + 1;
    }
  }

  /** The last listed node of `kind` that started at `start` (the one the map this replaced kept, had two shared a start). */
  private at(start: number, kind: number): Node | undefined {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid] <= start) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && starts[i] === start; i--) if (this.kinds[i] === kind) return this.nodes[i];
    return undefined;
  }
}
