import * as assert from 'node:assert/strict';
import { ProgressBatch } from '../../server/node/progressBatch';

describe('scan worker progress in batches', () => {
  it('reports every file, in fewer messages than files when they come faster than the interval', () => {
    const reports: number[] = [];
    const batch = new ProgressBatch((n) => reports.push(n), 60_000);
    for (let i = 0; i < 25; i++) batch.add();
    assert.deepEqual(reports, [], 'nothing before the interval');
    batch.flush();
    batch.flush();
    assert.deepEqual(reports, [25], 'the rest at the end, once');
  });

  it('reports as files come once the interval has passed', () => {
    const reports: number[] = [];
    const batch = new ProgressBatch((n) => reports.push(n), 0);
    for (let i = 0; i < 3; i++) batch.add();
    batch.flush();
    assert.deepEqual(reports, [1, 1, 1]);
  });
});
