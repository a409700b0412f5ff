import type { Tree } from '../../parsing/syntaxTree';
import { semanticIndex } from './bindings';
import { bindingType, returnTypeOf } from './infer';
import type { ExportedTypes } from './workspaceLookup';

/**
 * Cheap text test for modules worth the work: a top-level name bound to a library constructor call, or a top-level
 * function annotated to return a library client, path, connection or file.
 */
const EXPORT_HINT = new RegExp(
  String.raw`^(?:[A-Za-z_]\w*\s*(?::[^=\n]+)?=\s*[\w.]*(?:Session|Client|PoolManager|Path|socket|SMTP|SMTP_SSL|connect|open|Popen)\(` +
  String.raw`|(?:async\s+)?def\s+\w+\s*\([^)]*\)\s*->\s*['"]?[\w.]*(?:Session|Client|PoolManager|Path|socket|SMTP|Connection|Cursor|Popen|IO|TextIO|BinaryIO)\b` +
  String.raw`|\s+return\s+[\w.]*(?:Session|Client|PoolManager|Path|socket|SMTP|SMTP_SSL|connect|open|Popen)\()`,
  'm',
);

export function mayExportTypes(text: string): boolean {
  return EXPORT_HINT.test(text);
}

/**
 * What a module exports, for importers (see workspaceLookup.ts). The module's exported types (empty when none); the tree's semantic model is built if it was not. */
export function exportedTypes(tree: Tree): ExportedTypes {
  const out: ExportedTypes = {};
  for (const [name, bindings] of semanticIndex(tree).module.bindings) {
    if (name.startsWith('__')) continue;
    const last = bindings[bindings.length - 1];
    // Rebound at module level: which value an importer sees depends on the order of execution.
    if (bindings.length > 1 && bindings.some((b) => b.kind !== last.kind)) continue;
    if (last.kind === 'assignment' || last.kind === 'annotation') {
      const t = bindingType(last);
      if (t?.kind === 'instance' && !t.def && t.cls.includes('.')) out[name] = { kind: 'instance', cls: t.cls };
    } else if (last.kind === 'function' && last.definition) {
      const t = returnTypeOf(last.definition);
      if (t?.kind === 'instance' && !t.def && t.cls.includes('.')) out[name] = { kind: 'returns', cls: t.cls };
    }
  }
  return out;
}
