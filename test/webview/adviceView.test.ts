import * as assert from 'node:assert/strict';
import { adviceView, fixVerdict } from '../../webview/ui/adviceView';
import type { AdviceItem } from '../../webview/ui/messages';

const item = (title: string, p95Ms: number, throughput: number, bottleneck: string, extra: Partial<AdviceItem> = {}): AdviceItem => ({
  title, baseline: false, feasible: true, violates: [], p95Ms, meanMs: p95Ms / 2, throughput, errorRate: 0, bottleneck, ...extra,
});

describe('webview: what the advice panel lists', () => {
  const slots = 'all 9 worker slots are busy and 4.0 requests wait in the backlog on average';
  const items: AdviceItem[] = [
    item('current configuration', 1537, 19.2, slots, { baseline: true }),
    item('4 gthread workers', 1537 * 0.999, 19.2, slots), // +0 %: not worth it
    item('DB pool of 5 per worker', 1537 * 0.7, 20.5, 'no shared resource is saturated: latency is the requests\' own service time'),
    item('DB pool of 10 per worker', 1537 * 0.75, 20.4, 'all 9 worker slots are busy and 2.5 requests wait in the backlog on average'),
    item('apply all code fixes', 1537 * 0.2, 25, 'the database\'s 2 cores are saturated (3.0 queries queued on average): more app workers add contention, not throughput'),
    item('8 gthread workers', 1537 * 0.5, 17.0, slots), // p95 better, throughput falls: not plainly worth it
    item('16 gthread workers', 1537 * 0.4, 21, slots, { feasible: false, violates: ['too many connections'] }),
    item('uvicorn 2 workers', 1537 * 0.9, 19.2, slots, { errorRate: 0.2 }),
  ];

  it('keeps only feasible changes with a gain of 1 % or more and no loss, best gain first', () => {
    const v = adviceView(items, { p95Ms: 1541, throughput: 19.3 });
    assert.deepEqual(v.rows.map((r) => r.title), ['apply all code fixes', 'DB pool of 5 per worker', 'DB pool of 10 per worker']);
    assert.equal(v.bottleneck, slots);
  });

  it('states each change from the result panel\'s numbers', () => {
    const v = adviceView(items, { p95Ms: 1541, throughput: 19.3 });
    assert.ok(Math.abs(v.rows[0].p95Ms - 1541 * 0.2) < 1e-9);
    assert.ok(Math.abs(v.rows[1].throughput - 19.3 * (20.5 / 19.2)) < 1e-9);
  });

  it('names a change\'s bottleneck only when it moves to another resource', () => {
    const v = adviceView(items, { p95Ms: 1541, throughput: 19.3 });
    assert.match(v.rows[0].then ?? '', /database/);
    assert.equal(v.rows[1].then, undefined, '"no shared resource is saturated" is not repeated under items');
    assert.equal(v.rows[2].then, undefined, 'the same bottleneck with other figures is not said again');
  });

  it('calls the fixes better only when p95 falls and throughput does not', () => {
    assert.equal(fixVerdict({ p95Ms: 1541, throughput: 19.2 }, { p95Ms: 900, throughput: 17.0 }), 'mixed');
    assert.equal(fixVerdict({ p95Ms: 1541, throughput: 19.2 }, { p95Ms: 1700, throughput: 17.0 }), 'worse');
    assert.equal(fixVerdict({ p95Ms: 1541, throughput: 19.2 }, { p95Ms: 200, throughput: 25 }), 'better');
    assert.equal(fixVerdict({ p95Ms: 1541, throughput: 19.2 }, { p95Ms: 1540, throughput: 19.2 }), 'same');
  });
});
