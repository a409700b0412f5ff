import { Parser, Language, Tree } from 'web-tree-sitter';

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

let runtimeReady: Promise<void> | undefined;
const languages = new Map<string, Promise<Language>>();

function initRuntime(location: GrammarLocation): Promise<void> {
  if (!runtimeReady) {
    const runtime = location.runtimeWasm;
    runtimeReady =
      typeof runtime === 'string'
        ? Parser.init({ locateFile: () => runtime })
        : Parser.init({ wasmBinary: runtime });
  }
  return runtimeReady;
}

/** One Python parser per caller; the runtime and the grammar are loaded once per process. */
export class PythonParser {
  private constructor(private readonly parser: Parser, readonly language: Language) {}

  static async load(location: GrammarLocation): Promise<PythonParser> {
    await initRuntime(location);
    const key = typeof location.pythonWasm === 'string' ? location.pythonWasm : 'bytes';
    let language = languages.get(key);
    if (!language) {
      language = Language.load(location.pythonWasm);
      languages.set(key, language);
    }
    const parser = new Parser();
    parser.setLanguage(await language);
    return new PythonParser(parser, await language);
  }

  /** Parses `text`, reusing `oldTree` (already edited to match) when given. */
  parse(text: string, oldTree?: Tree | null): Tree {
    const tree = this.parser.parse(text, oldTree ?? null);
    if (!tree) throw new Error('tree-sitter returned no tree (parse cancelled or timed out)');
    return tree;
  }

  delete(): void {
    this.parser.delete();
  }
}
