import * as assert from 'node:assert/strict';
import { SessionTimers, type Clock } from '../../server/lsp/sessionTimers';

/** A clock advanced by hand: what is due runs in order of its due time. */
class ManualClock implements Clock {
  now = 0;
  private next = 1;
  private readonly due = new Map<number, { at: number; run: () => void }>();
  setTimeout(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.due.set(id, { at: this.now + ms, run });
    return id;
  }
  clearTimeout(timer: unknown): void {
    this.due.delete(timer as number);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const first = [...this.due].filter(([, d]) => d.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!first) break;
      this.due.delete(first[0]);
      this.now = first[1].at;
      first[1].run();
    }
    this.now = until;
  }
}

describe('session timers: delayed work waits for a pause in typing', () => {
  it('runs delayed work only once the keystrokes pause for its whole delay', () => {
    const clock = new ManualClock();
    const timers = new SessionTimers(clock);
    const ran: string[] = [];
    timers.set('other.py', 150, () => ran.push(`other.py@${clock.now}`));
    timers.set('rescan', 400, () => ran.push(`rescan@${clock.now}`));
    // A keystroke every 40 ms for 400 ms: nothing delayed runs in between.
    for (let t = 40; t <= 400; t += 40) {
      clock.advance(40);
      timers.typing();
    }
    assert.deepEqual(ran, []);
    assert.ok(timers.has('other.py') && timers.has('rescan'));
    clock.advance(150);
    assert.deepEqual(ran, ['other.py@550']);
    clock.advance(250);
    assert.deepEqual(ran, ['other.py@550', 'rescan@800']);
    assert.equal(timers.has('rescan'), false);
  });

  it('never puts off work due now, and a cancelled or replaced piece does not run', () => {
    const clock = new ManualClock();
    const timers = new SessionTimers(clock);
    const ran: string[] = [];
    timers.set('saved.py', 0, () => ran.push('saved.py'));
    timers.set('a.py', 150, () => ran.push('a.py first'));
    timers.set('a.py', 150, () => ran.push('a.py second'));
    timers.set('templates', 150, () => ran.push('templates'));
    timers.typing();
    assert.equal(timers.cancel('templates'), true);
    assert.equal(timers.cancel('templates'), false);
    clock.advance(0);
    assert.deepEqual(ran, ['saved.py']);
    clock.advance(150);
    assert.deepEqual(ran, ['saved.py', 'a.py second']);
    timers.set('b.py', 150, () => ran.push('b.py'));
    timers.clear();
    clock.advance(1000);
    assert.deepEqual(ran, ['saved.py', 'a.py second']);
  });
});
