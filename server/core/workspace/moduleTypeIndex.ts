import type { ExportedType, ExportedTypes, WorkspaceTypeLookup } from '../python/semantic/workspaceLookup';
import { ModuleTable, splitQualified } from './modulePaths';

/**
 * The library objects workspace modules export (module-level clients, functions returning one), by module, so that an
 * importer's semantic model can type `from .clients import http` without the other module's tree.
 */
export class ModuleTypeIndex {
  private readonly byModule = new ModuleTable<ExportedTypes>();
  private readonly lookups = new Map<string, WorkspaceTypeLookup>();

  constructor(files: Iterable<[string, ExportedTypes | undefined]>) {
    for (const [uri, types] of files) if (types && Object.keys(types).length) this.byModule.set(uri, types);
  }

  /** One lookup per importing file, kept so that a tree analysed again with the same workspace keeps its types. */
  lookupFor(fromUri: string): WorkspaceTypeLookup | undefined {
    if (this.byModule.size === 0) return undefined;
    let f = this.lookups.get(fromUri);
    if (!f) {
      const memo = new Map<string, ExportedType | null>();
      f = (qualified) => {
        let hit = memo.get(qualified);
        if (hit === undefined) {
          hit = this.resolve(fromUri, qualified) ?? null;
          memo.set(qualified, hit);
        }
        return hit ?? undefined;
      };
      this.lookups.set(fromUri, f);
    }
    return f;
  }

  /** `qualified` as the import resolved it: `app.clients.http`, `.clients.http` (relative to `fromUri`). */
  resolve(fromUri: string, qualified: string): ExportedType | undefined {
    const split = splitQualified(qualified);
    const types = split ? this.byModule.nearest(split.module, fromUri) : undefined;
    return types && split && Object.prototype.hasOwnProperty.call(types, split.name) ? types[split.name] : undefined;
  }
}
