import { importedNames } from './importGraph';
import { ModuleTable } from './modulePaths';

/**
 * The order a scan analyses files in: every module before the files that import it (imports first, depth-first;
 * an import cycle is entered once, at its first file in path order), files in path order otherwise.
 *
 * Why: the analysis of a helper module asks who calls its functions (execution contexts, parameter types), and the
 * callers are the modules that import it. Analysed first, the helper's lookups parse its callers before the scan
 * reaches them, and the scan then analyses those very trees instead of parsing them a second time; in path order
 * most callers (`views.py` before `utils.py`) were analysed, and their trees dropped, before anybody asked for them.
 * The order changes no finding: the scan's results are sorted by path at the end.
 */
export function importsFirst<T extends { path: string; text: string }>(files: readonly T[]): T[] {
  const modules = new ModuleTable<number>();
  files.forEach((f, i) => {
    if (modules.get(f.path) === undefined) modules.set(f.path, i);
  });
  // Resolution memoised per folder: the files of one package import the same modules (over 10,000 imports on a
  // large project). The nearest-module tie-break then reads the folder, not the file: only the order depends on it.
  const resolved = new Map<string, number | null>();
  const importsOf = (i: number): number[] => {
    const from = files[i].path;
    const dir = from.slice(0, Math.max(from.lastIndexOf('/'), from.lastIndexOf('\\')) + 1);
    const out: number[] = [];
    for (const dotted of importedNames(files[i].text)) {
      const memo = dotted.startsWith('.') ? `${dir}\n${dotted}` : dotted;
      let hit = resolved.get(memo);
      if (hit === undefined) {
        hit = modules.nearest(dotted, `${dir}__init__.py`) ?? null;
        resolved.set(memo, hit);
      }
      if (hit !== null && hit !== i) out.push(hit);
    }
    return out;
  };
  const order: T[] = [];
  const state = new Uint8Array(files.length); // 0 unseen, 1 on the stack, 2 placed
  // An explicit stack: import chains of real projects are deep enough to matter for recursion.
  for (let start = 0; start < files.length; start++) {
    if (state[start] !== 0) continue;
    const stack: { file: number; imports: number[]; next: number }[] = [{ file: start, imports: importsOf(start), next: 0 }];
    state[start] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.imports.length) {
        const dep = top.imports[top.next++];
        if (state[dep] !== 0) continue;
        state[dep] = 1;
        stack.push({ file: dep, imports: importsOf(dep), next: 0 });
        continue;
      }
      stack.pop();
      state[top.file] = 2;
      order.push(files[top.file]);
    }
  }
  return order;
}
