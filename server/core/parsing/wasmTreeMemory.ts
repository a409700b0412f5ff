import type { Language, Tree as WasmTree } from 'web-tree-sitter';

/**
 * Reads tree-sitter's trees straight from the WASM memory: the copy (`wasmTreeCopy.ts`) walks the subtrees itself
 * instead of asking a tree cursor through the module's exports, a few calls per node. Half of the copy's time was
 * the cursor's moves and getters (measured: 655,000 nodes of DefectDojo's largest modules, cursor moves alone
 * 96 ms, with the getters 150 ms, the whole copy 190 ms).
 *
 * This depends on tree-sitter's internal layout on wasm32 (`lib/src/subtree.h`, `tree.h`, `parser.h` of the
 * version web-tree-sitter is built from), not on its API. `memoryLayoutOf` checks what it can against the API
 * (the ABI version, every symbol and field name, the tree's language, the root's type and extent) and answers
 * undefined when anything disagrees: the copy then drives the cursor, as before.
 */

/** The emscripten module's views of the WASM memory (replaced when the memory grows: take them after each parse). */
export interface WasmHeap {
  HEAPU8: Uint8Array;
  HEAPU16: Uint16Array;
  HEAPU32: Uint32Array;
}

/** What the walk needs of a language, copied out of its `TSLanguage` once. */
export interface MemoryLayout {
  /** `public_symbol_map`: the symbol a node reports for its internal symbol or alias (one symbol per name). */
  publicSymbol: Uint16Array;
  /** `alias_sequences`, flat: the alias of child `i` of production `p` at `p * maxAlias + i` (0: none). */
  aliases: Uint16Array;
  maxAlias: number;
  /**
   * The field of child `i` of production `p` at `p * FIELD_SLOTS + i` (0: none): the first entry of the production's
   * field map that is not inherited, as `ts_tree_cursor_current_field_id` reads it.
   */
  fields: Uint16Array;
}

/** Structural children a production's field table covers (`TSFieldMapEntry.child_index` is a uint8_t). */
export const FIELD_SLOTS = 256;

// `TSLanguage` (parser.h, ABI 14 and 15), wasm32 offsets.
const LANG_ABI = 0;
const LANG_SYMBOL_COUNT = 4;
const LANG_ALIAS_COUNT = 8;
const LANG_PRODUCTION_COUNT = 28;
const LANG_FIELD_COUNT = 32;
const LANG_MAX_ALIAS = 36; // uint16_t
const LANG_SYMBOL_NAMES = 56;
const LANG_FIELD_NAMES = 60;
const LANG_FIELD_SLICES = 64; // TSMapSlice { uint16_t index, length }
const LANG_FIELD_ENTRIES = 68; // TSFieldMapEntry { TSFieldId field_id; uint8_t child_index; bool inherited }
const LANG_PUBLIC_SYMBOLS = 76;
const LANG_ALIAS_SEQUENCES = 84;

// `SubtreeHeapData` (subtree.h), wasm32 offsets.
export const HEAP_PADDING_BYTES = 4;
export const HEAP_SIZE_BYTES = 16;
export const HEAP_CHILD_COUNT = 36;
export const HEAP_SYMBOL = 40; // uint16_t
export const HEAP_FLAGS = 44; // bool bit-fields, read as a uint16_t: visible 0, named 1, extra 2, ..., is_missing 9
export const HEAP_MISSING = 1 << 9;
export const HEAP_VISIBLE_CHILD_COUNT = 48;
export const HEAP_PRODUCTION_ID = 66; // uint16_t
/** `TSTree.language` (tree.h): after the root `Subtree` (8 bytes). */
const TREE_LANGUAGE = 8;
/** Bytes of a `Subtree` (a union of an 8-byte inline leaf and a pointer). */
export const SUBTREE_BYTES = 8;

const layouts = new WeakMap<Language, MemoryLayout | null>();

/** The module's memory views, when it exposes them (emscripten's `HEAPU8`, `HEAPU16`, `HEAPU32`). */
export function heapOf(module: object): WasmHeap | undefined {
  const { HEAPU8, HEAPU16, HEAPU32 } = module as Partial<WasmHeap>;
  return HEAPU8 instanceof Uint8Array && HEAPU16 instanceof Uint16Array && HEAPU32 instanceof Uint32Array ? { HEAPU8, HEAPU16, HEAPU32 } : undefined;
}

/** The address of a web-tree-sitter object (its internal handle `[0]`), or 0 when it has none (deleted). */
export function handleOf(o: Language | WasmTree): number {
  const a = (o as unknown as Record<number, unknown>)[0];
  return typeof a === 'number' ? a : 0;
}

const utf8 = new TextDecoder();

function cString(u8: Uint8Array, address: number): string {
  let end = address;
  while (end < u8.length && u8[end] !== 0) end++;
  return utf8.decode(u8.subarray(address, end));
}

/**
 * The layout of `language`'s trees, checked against the API (`tree`: a tree of that language), or undefined when
 * the memory does not read as this module expects (another tree-sitter version, a big-endian host). Each tree is
 * checked again by `rootAgrees` before it is walked.
 */
export function memoryLayoutOf(heap: WasmHeap, language: Language, tree: WasmTree): MemoryLayout | undefined {
  let layout = layouts.get(language);
  if (layout === undefined) {
    layout = readLayout(heap, language, tree) ?? null;
    layouts.set(language, layout);
  }
  return layout ?? undefined;
}

/**
 * Whether `tree`'s root reads from the memory as the API describes `root` (its root node): a heap subtree of that
 * type and extent (in UTF-16 code units, which the parser reads), in a tree of the layout's language.
 */
export function rootAgrees(heap: WasmHeap, layout: MemoryLayout, tree: WasmTree, root: { typeId: number; startIndex: number; endIndex: number }): boolean {
  const { HEAPU16: u16, HEAPU32: u32 } = heap;
  const t = handleOf(tree);
  if (t === 0 || u32[(t + TREE_LANGUAGE) >> 2] !== handleOf(tree.language)) return false;
  const lo = u32[t >> 2];
  if ((lo & 1) !== 0) return false;
  const symbol = u16[(lo + HEAP_SYMBOL) >> 1];
  return (symbol < layout.publicSymbol.length ? layout.publicSymbol[symbol] : symbol) === root.typeId &&
    u32[(lo + HEAP_PADDING_BYTES) >> 2] === 2 * root.startIndex &&
    u32[(lo + HEAP_SIZE_BYTES) >> 2] === 2 * (root.endIndex - root.startIndex);
}

function readLayout(heap: WasmHeap, language: Language, tree: WasmTree): MemoryLayout | undefined {
  const { HEAPU8: u8, HEAPU16: u16, HEAPU32: u32 } = heap;
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) return undefined; // the views are the host's byte order
  const lang = handleOf(language);
  const t = handleOf(tree);
  if (lang === 0 || t === 0 || lang % 4 !== 0 || u32[(t + TREE_LANGUAGE) >> 2] !== lang) return undefined;
  const word = (offset: number): number => u32[(lang + offset) >> 2];
  const abi = word(LANG_ABI);
  // Symbols, then the aliases' (both tables cover both).
  const symbolCount = word(LANG_SYMBOL_COUNT) + word(LANG_ALIAS_COUNT);
  const fieldCount = word(LANG_FIELD_COUNT);
  const productions = word(LANG_PRODUCTION_COUNT);
  const maxAlias = u16[(lang + LANG_MAX_ALIAS) >> 1];
  if (abi < 14 || abi > 15 || symbolCount !== language.nodeTypeCount || fieldCount !== language.fields.length - 1) return undefined;
  // Every symbol and field name as the API gives it: the offsets of the table pointers are right.
  const names = word(LANG_SYMBOL_NAMES);
  for (let id = 0; id < symbolCount; id++) if (cString(u8, u32[(names >> 2) + id]) !== language.nodeTypeForId(id)) return undefined;
  const fieldNames = word(LANG_FIELD_NAMES);
  for (let id = 1; id <= fieldCount; id++) if (cString(u8, u32[(fieldNames >> 2) + id]) !== language.fields[id]) return undefined;

  const publicStart = word(LANG_PUBLIC_SYMBOLS) >> 1;
  const publicSymbol = u16.slice(publicStart, publicStart + symbolCount);
  const aliasStart = word(LANG_ALIAS_SEQUENCES) >> 1;
  const aliases = u16.slice(aliasStart, aliasStart + productions * maxAlias);
  const fields = new Uint16Array(productions * FIELD_SLOTS);
  if (fieldCount > 0) {
    const slices = word(LANG_FIELD_SLICES);
    const entries = word(LANG_FIELD_ENTRIES);
    for (let p = 0; p < productions; p++) {
      const index = u16[(slices >> 1) + 2 * p];
      const length = u16[(slices >> 1) + 2 * p + 1];
      for (let e = index; e < index + length; e++) {
        const at = entries + 4 * e;
        const fieldId = u16[at >> 1];
        const child = u8[at + 2];
        const inherited = u8[at + 3] !== 0;
        if (!inherited && fields[p * FIELD_SLOTS + child] === 0) fields[p * FIELD_SLOTS + child] = fieldId;
      }
    }
  }
  return { publicSymbol, aliases, maxAlias, fields };
}
