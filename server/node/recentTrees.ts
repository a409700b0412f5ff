import type { WasmTree } from '../core/parsing/pythonParser';

/**
 * The WASM trees of the files the analysis pass analysed last, within a budget of source characters (oldest
 * freed first), for the caller lookups that follow: a helper's callers are mostly in modules analysed shortly
 * before it (`api.py` before `services.py` in the same app), and copying a kept tree costs about a third of
 * parsing it again. WASM trees, not their JavaScript copies: those would be promoted by the garbage collector.
 */
export class RecentTrees {
  private readonly trees = new Map<string, { tree: WasmTree; chars: number }>();
  private chars = 0;

  constructor(private readonly budgetChars = RECENT_TREES_BUDGET_CHARS) {}

  /** Keeps `tree` (the pool frees it from now on); false when it is larger than the whole budget (the caller frees it). */
  keep(path: string, text: string, tree: WasmTree): boolean {
    if (text.length > this.budgetChars || this.trees.has(path)) return false;
    this.trees.set(path, { tree, chars: text.length });
    this.chars += text.length;
    for (const [oldest, kept] of this.trees) {
      if (this.chars <= this.budgetChars) break;
      kept.tree.delete();
      this.trees.delete(oldest);
      this.chars -= kept.chars;
    }
    return true;
  }

  /** The kept tree of `path`, left in place (the caller copies it and must not free it). */
  peek(path: string): WasmTree | undefined {
    return this.trees.get(path)?.tree;
  }

  dispose(): void {
    for (const { tree } of this.trees.values()) tree.delete();
    this.trees.clear();
    this.chars = 0;
  }
}

/** 1 M characters of source, a few MB of WASM memory: the caller files of real projects' helpers were analysed
 * at most about 0.8 M characters earlier on taiga-back, and half of DefectDojo's within 0.2 M. */
const RECENT_TREES_BUDGET_CHARS = 1024 * 1024;
