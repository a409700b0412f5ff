/**
 * Per-object memo slots: a tree's or a file analysis's derived data stored on the object itself.
 *
 * Why not a module-level WeakMap keyed by the tree: V8's scavenger keeps the value of a WeakMap entry alive as long as
 * the map itself is (in old space) and the key has not been proven dead by a full collection, so every tree whose
 * nodes were cached that way was copied out of the young generation and promoted (about 400 MB over the generated
 * corpus, most of the scan's garbage-collection time). Stored on the tree, a cache dies young with it.
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
}
