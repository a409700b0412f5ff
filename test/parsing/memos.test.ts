import * as assert from 'node:assert/strict';
import { MemoKey, Memos } from '../../server/core/memo';

describe('Memos.entry: one value per key within a slot', () => {
  it('makes each key once, keeps null and false, and keeps slots and keys apart', () => {
    const memos = new Memos();
    const slot = new MemoKey<Map<number, boolean | null>>('test slot');
    const other = new MemoKey<Map<number, boolean | null>>('other slot');
    const made: string[] = [];
    const make = (label: string, value: boolean | null) => (): boolean | null => {
      made.push(label);
      return value;
    };
    assert.equal(memos.entry(slot, 1, make('1', false)), false);
    assert.equal(memos.entry(slot, 1, make('1 again', true)), false);
    assert.equal(memos.entry(slot, 2, make('2', null)), null);
    assert.equal(memos.entry(slot, 2, make('2 again', true)), null);
    assert.equal(memos.entry(other, 1, make('other 1', true)), true);
    assert.deepEqual(made, ['1', '2', 'other 1']);
  });
});
