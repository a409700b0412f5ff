import { parentPort } from 'node:worker_threads';
import { PythonParser } from '../core/parsing/pythonParser';
import { nodeGrammarLocation } from './grammarFiles';
import { analyzeBatch, extractFacts, KeptTrees } from './scan';
import type { FromWorker, ToWorker } from './scanWorkers';
import { ProgressBatch } from './progressBatch';
import { RecentTrees } from './recentTrees';

/**
 * A scan worker thread: loads its own parser (WASM instances are per thread) once, then answers the main
 * thread's requests one at a time: facts of a share of files, then the analysis of a share.
 */
const port = parentPort;
if (port) {
  const post = (m: FromWorker): void => port.postMessage(m);
  const parser = PythonParser.load(nodeGrammarLocation());
  // The facts pass's trees, for the analysis of the same share that follows it.
  const kept = new KeptTrees();
  port.on('message', (m: ToWorker) => {
    void parser.then((p) => {
      try {
        if (m.kind === 'facts') {
          const t0 = performance.now();
          kept.dispose();
          const { facts, notices } = extractFacts(p, m.sources, kept);
          post({ kind: 'facts', facts, notices, ms: performance.now() - t0 });
        } else {
          const progress = new ProgressBatch((count) => post({ kind: 'files', count }));
          const recent = new RecentTrees();
          const result = analyzeBatch(p, m.batch, m.options, () => progress.add(), kept, recent);
          progress.flush();
          // The main thread has every text already: do not copy them back.
          for (const r of result.results) r.text = '';
          post({ kind: 'done', result });
          // Freed once the main thread has the answer (it goes on meanwhile, and usually ends this thread).
          recent.dispose();
          kept.dispose();
        }
      } catch (e) {
        post({ kind: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
      }
    }, (e: unknown) => post({ kind: 'error', message: e instanceof Error ? e.message : String(e) }));
  });
}
