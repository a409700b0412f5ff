/**
 * Per-object memo slots: a tree's or a file analysis's derived data stored on the object itself.
 *
 * Why not a module-level WeakMap keyed by the tree: measured with `--trace-gc-nvp`, caching a tree's nodes in such a
 * map made V8 promote the whole tree out of the young generation (V8's young-generation collector does not clear the
 * entries of an old-space WeakMap; a full collection does): about 400 MB promoted over the generated corpus, most of
 * the scan's garbage-collection time. Stored on the tree, a cache dies young with it.
 */
export class MemoKey<T> {
  /** Only carries `T` for the type checker. */
  declare readonly valueType?: T;
  constructor(readonly description: string) {}
}

export class Memos {
  private readonly values = new Map<MemoKey<unknown>, unknown>();

  get<T>(key: MemoKey<T>, make: () => T): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = make();
    this.values.set(key, value);
    return value;
  }

  /**
   * One value per key (a node's id, a file's uri) within one slot: `make` runs once per key, and what it returns
   * (null and false too) is kept.
   */
  entry<K, V>(slot: MemoKey<Map<K, V>>, key: K, make: () => V): V {
    const values = this.get(slot, () => new Map<K, V>());
    if (values.has(key)) return values.get(key) as V;
    const value = make();
    values.set(key, value);
    return value;
  }

  /** The slot's value if it has been made, without making it. */
  peek<T>(key: MemoKey<T>): T | undefined {
    return this.values.get(key) as T | undefined;
  }

  /** Replaces one slot's value. */
  set<T>(key: MemoKey<T>, value: T): void {
    this.values.set(key, value);
  }

  /** Drops one slot: for derived data too large to keep while the object waits (a kept tree between two passes). */
  delete(key: MemoKey<unknown>): void {
    this.values.delete(key);
  }
}
