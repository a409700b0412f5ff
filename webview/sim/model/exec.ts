/**
 * The request interpreter: advances one request through its compiled program until it has to
 * wait (timer, processor-sharing station, FIFO queue). Every wait records in `rSub` where to
 * resume, so the completion handler simply calls `run` again.
 */
import type { Engine } from './engine';
import {
  MAX_NEST, OP_CACHE, OP_CPU, OP_DBQ, OP_END, OP_HOP_IN, OP_HOP_OUT, OP_JUMP, OP_LOCK, OP_REP,
  OP_REP_END, OP_UNLOCK, OP_WAIT,
} from './program';

export function run(e: Engine, r: number): void {
  const P = e.prog;
  const K = P.kind;
  const sub = e.rSub;
  for (;;) {
    const pc = e.rPc[r];
    switch (K[pc]) {
      case OP_CPU: {
        if (sub[r] === 0) {
          const w = e.sampleFor(r, P.dist[pc]);
          if (!(w > 0)) { e.rPc[r] = pc + 1; continue; }
          e.rWork[r] = w;
          sub[r] = 1;
          // Event loops run Python one callback at a time: CPU work holds the loop.
          if (e.needsLoop(r)) { e.rLoopStep[r] = 1; if (!e.acquireLoop(r)) return; }
        }
        if (sub[r] === 1) { sub[r] = 2; e.cpuAdd(r, e.rWork[r]); return; }
        // The last CPU of a request: a greenlet whose client already sent the next request keeps the loop.
        if (e.rLoopStep[r] === 1) { if (K[pc + 1] === OP_END) e.releaseLoopAtEnd(r); else e.releaseLoop(r); }
        sub[r] = 0; e.rPc[r] = pc + 1;
        continue;
      }
      case OP_WAIT: {
        if (sub[r] === 0) {
          const w = e.sampleFor(r, P.dist[pc]);
          if (!(w > 0)) { e.rPc[r] = pc + 1; continue; }
          e.rWork[r] = w;
          sub[r] = 1;
          if (P.i1[pc] === 1 && e.needsLoop(r)) { e.rLoopStep[r] = 1; if (!e.acquireLoop(r)) return; }
        }
        if (sub[r] === 1) { sub[r] = 2; e.timer(r, e.rWork[r]); return; }
        if (e.rLoopStep[r] === 1) e.releaseLoop(r);
        sub[r] = 0; e.rPc[r] = pc + 1;
        continue;
      }
      case OP_DBQ: {
        if (sub[r] === 0) {
          e.rWork[r] = e.sampleFor(r, P.dist[pc]);
          sub[r] = 1;
          if (P.i1[pc] === 1 && e.needsLoop(r)) { e.rLoopStep[r] = 1; if (!e.acquireLoop(r)) return; }
        }
        if (sub[r] === 1) {
          sub[r] = 2;
          if (e.rConn[r] === 0) {
            const got = e.acquireConn(r);
            if (got !== 0) return; // waiting for a connection, or the request failed
          }
        }
        if (sub[r] === 2) {
          // A new connection (CONN_MAX_AGE = 0) is set up first.
          if (e.rConn[r] === 2 && !e.connectStep(r)) return;
          sub[r] = 3;
          if (e.dbRtt > 0) { e.timer(r, e.dbRtt); return; }
        }
        if (sub[r] === 3) {
          sub[r] = 4;
          if (e.rWork[r] > 0) { e.dbAdd(r, e.rWork[r]); return; }
        }
        if (e.rLoopStep[r] === 1) e.releaseLoop(r);
        sub[r] = 0; e.rPc[r] = pc + 1;
        continue;
      }
      case OP_LOCK: {
        if (sub[r] === 0) {
          sub[r] = 1;
          // select_for_update runs in transaction.atomic(), which connects on entry: a new
          // connection (CONN_MAX_AGE = 0) is set up before the row is locked, not while holding it.
          if (P.f1[pc] === 1 && e.rConn[r] === 0 && e.acquireConn(r) !== 0) return;
        }
        if (sub[r] === 1) {
          if (e.rConn[r] === 2 && !e.connectStep(r)) return;
          sub[r] = 2;
          const keys = P.i2[pc];
          const id = P.i1[pc] + (keys > 1 ? Math.floor(e.rng.next() * keys) : 0);
          if (!e.acquireLock(r, id)) { sub[r] = 3; return; }
        }
        sub[r] = 0; e.rPc[r] = pc + 1;
        continue;
      }
      case OP_UNLOCK: {
        e.releaseLock(e.rLocks[r * MAX_NEST + --e.rLockN[r]]);
        e.rPc[r] = pc + 1;
        continue;
      }
      case OP_CACHE: {
        if (sub[r] === 0) {
          const w = e.sampleFor(r, P.dist[pc]);
          sub[r] = 1;
          if (w > 0) { e.timer(r, w); return; }
        }
        sub[r] = 0;
        const op = P.i1[pc];
        const key = P.i3[pc] - 1;
        if (op === 0) {
          const hit = key >= 0 ? e.cacheExpiry[key] > e.now : e.rng.next() < P.f1[pc];
          e.rPc[r] = hit ? P.i2[pc] : pc + 1;
        } else {
          if (key >= 0) e.cacheExpiry[key] = op === 1 ? e.now + P.f1[pc] : 0;
          e.rPc[r] = pc + 1;
        }
        continue;
      }
      case OP_HOP_IN: {
        const shared = P.i1[pc] === 1;
        if (sub[r] === 0) {
          if (shared && e.rHop[r] > 0) { e.rHop[r]++; e.rPc[r] = pc + 1; continue; }
          sub[r] = 1;
          if (shared && !e.acquireHop(r)) return;
        }
        if (sub[r] === 1) {
          sub[r] = 2;
          // The switch to the executor thread and back costs Python CPU time under the GIL.
          if (e.hopMs > 0) { e.cpuAdd(r, e.hopMs); return; }
        }
        sub[r] = 0; e.rPc[r] = pc + 1;
        continue;
      }
      case OP_HOP_OUT: {
        if (P.i1[pc] === 1 && --e.rHop[r] === 0) e.releaseHop(r);
        e.rPc[r] = pc + 1;
        continue;
      }
      case OP_REP: {
        const times = P.i1[pc];
        if (times <= 0) { e.rPc[r] = P.i2[pc]; continue; }
        e.rRep[r * MAX_NEST + e.rRepN[r]++] = times;
        e.rPc[r] = pc + 1;
        continue;
      }
      case OP_REP_END: {
        const at = r * MAX_NEST + e.rRepN[r] - 1;
        if (--e.rRep[at] > 0) e.rPc[r] = P.i1[pc];
        else { e.rRepN[r]--; e.rPc[r] = pc + 1; }
        continue;
      }
      case OP_JUMP: {
        e.rPc[r] = P.i1[pc];
        continue;
      }
      case OP_END: {
        if (e.finish(r)) continue; // batch chunk: next item on the same worker
        return;
      }
      default:
        throw new Error(`sim: bad opcode ${K[pc]} at ${pc}`);
    }
  }
}
