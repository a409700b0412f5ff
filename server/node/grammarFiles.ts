import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GrammarLocation } from '../core/parsing/pythonParser';

/**
 * Finds the two WASM files: beside the bundle (dist/, the .vsix, the installed CLI) or, when running
 * from compiled sources in tests, in node_modules.
 */
export function nodeGrammarLocation(): GrammarLocation {
  const candidates = [__dirname, path.join(__dirname, '..'), path.resolve(__dirname, '../../dist'), path.resolve(__dirname, '../../../dist')];
  for (const dir of candidates) {
    const runtime = path.join(dir, 'web-tree-sitter.wasm');
    const python = path.join(dir, 'tree-sitter-python.wasm');
    if (fs.existsSync(runtime) && fs.existsSync(python)) return { runtimeWasm: runtime, pythonWasm: python };
  }
  try {
    const runtime = require.resolve('web-tree-sitter/web-tree-sitter.wasm');
    const python = path.join(path.dirname(require.resolve('tree-sitter-python/package.json')), 'tree-sitter-python.wasm');
    return { runtimeWasm: runtime, pythonWasm: python };
  } catch {
    throw new Error(`djperf: tree-sitter WASM files not found next to ${__dirname}; reinstall djperf`);
  }
}
