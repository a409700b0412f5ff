import { Parser, Language, type Tree as WasmTree } from 'web-tree-sitter';
import type { Tree } from './syntaxTree';
import { copyWasmTree, rawExportsOf, type CopyOptions, type CopyReuse, type TreeSitterExports } from './wasmTreeCopy';

/** web-tree-sitter's tree, for hosts that keep or edit one (they read its JavaScript copy, never its nodes). */
export type { WasmTree };

/**
 * Where the two WASM binaries come from. The core never touches the file system, so a Node main passes paths
 * and a browser/web-worker main passes bytes or URLs (vscode-anycode's split).
 */
export interface GrammarLocation {
  /** web-tree-sitter's own runtime (web-tree-sitter.wasm): a path/URL or its bytes. */
  runtimeWasm: string | Uint8Array;
  /** tree-sitter-python.wasm: a path/URL or its bytes. */
  pythonWasm: string | Uint8Array;
}

/** Generous for real files (a 5 MB module parses in well under a second); it only stops pathological input. */
export const DEFAULT_PARSE_BUDGET_MS = 3000;

export class ParseTimeoutError extends Error {
  constructor(readonly budgetMs: number) {
    super(`parsing took longer than ${(budgetMs / 1000).toFixed(1)} s and was abandoned`);
    this.name = 'ParseTimeoutError';
  }
}

let runtimeReady: Promise<TreeSitterExports> | undefined;
const languages = new Map<string, Promise<Language>>();

function initRuntime(location: GrammarLocation): Promise<TreeSitterExports> {
  if (!runtimeReady) {
    const runtime = location.runtimeWasm;
    // Emscripten makes this very object its Module: kept for the raw exports that copy trees into JavaScript.
    const module: object = typeof runtime === 'string' ? { locateFile: () => runtime } : { wasmBinary: runtime };
    runtimeReady = Parser.init(module).then(() => rawExportsOf(module));
  }
  return runtimeReady;
}

/** One Python parser per caller; the runtime and the grammar are loaded once per process. */
export class PythonParser {
  private constructor(private readonly parser: Parser, readonly language: Language, private readonly raw: TreeSitterExports) {}

  static async load(location: GrammarLocation): Promise<PythonParser> {
    const raw = await initRuntime(location);
    const key = typeof location.pythonWasm === 'string' ? location.pythonWasm : 'bytes';
    let language = languages.get(key);
    if (!language) {
      language = Language.load(location.pythonWasm);
      languages.set(key, language);
    }
    const parser = new Parser();
    parser.setLanguage(await language);
    return new PythonParser(parser, await language, raw);
  }

  /** Parses `text` into a JavaScript syntax tree (the WASM tree is freed at once). */
  parse(text: string, budgetMs = DEFAULT_PARSE_BUDGET_MS): Tree {
    const wasmTree = this.parseWasm(text, null, budgetMs);
    try {
      return this.copy(wasmTree, text);
    } finally {
      wasmTree.delete();
    }
  }

  /**
   * Parses `text` into a WASM tree, reusing `oldTree` (already edited to match) when given: for documents that
   * are edited and reparsed incrementally. A parse that runs past `budgetMs` is abandoned with a
   * ParseTimeoutError: tree-sitter-python needs ~0.7 ms per comment line that follows an indented block, so a long
   * trailing comment block could otherwise stall the server for seconds.
   */
  parseWasm(text: string, oldTree: WasmTree | null, budgetMs = DEFAULT_PARSE_BUDGET_MS): WasmTree {
    const deadline = performance.now() + budgetMs;
    const tree = this.parser.parse(text, oldTree, {
      progressCallback: () => performance.now() > deadline,
    });
    if (!tree) throw new ParseTimeoutError(budgetMs);
    return tree;
  }

  /**
   * The JavaScript copy of a WASM tree of `text` (the analysis never reads WASM nodes). With `reuse` (edited
   * documents), subtrees tree-sitter kept from `reuse.previous` are taken over instead of copied.
   */
  copy(wasmTree: WasmTree, text: string, reuse?: CopyReuse, options?: CopyOptions): Tree {
    return copyWasmTree(this.raw, wasmTree, text, reuse, options);
  }

  delete(): void {
    this.parser.delete();
  }
}
