import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { AnalyzeBatch, PreparedScan, ScanOptions, ScanResult } from './scan';

/** Messages from a scan worker: one per analysed file (progress), then the batch's result. */
export type WorkerMessage = { kind: 'file' } | { kind: 'done'; result: ScanResult } | { kind: 'error'; message: string };

export interface WorkerInput {
  batch: AnalyzeBatch;
  options: Omit<ScanOptions, 'onProgress'>;
}

/** The worker script beside this module: dist/scanWorker.js in the bundle, out/server/node/scanWorker.js in tests. */
function workerScript(): string {
  for (const candidate of [path.join(__dirname, 'scanWorker.js'), path.join(__dirname, '..', 'scanWorker.js')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`djperf: scan worker script not found next to ${__dirname}; reinstall djperf`);
}

/**
 * Splits the files over `jobs` worker threads, largest first onto the least-loaded worker, so the slowest
 * worker finishes close to the others. Each worker rebuilds the workspace index from the same facts.
 */
export async function analyzeInWorkers(prepared: PreparedScan, options: ScanOptions, jobs: number, onFile: () => void): Promise<ScanResult> {
  const shares: PreparedScan['sources'][] = Array.from({ length: jobs }, () => []);
  const load = new Array<number>(jobs).fill(0);
  for (const src of [...prepared.sources].sort((a, b) => b.text.length - a.text.length)) {
    const i = load.indexOf(Math.min(...load));
    shares[i].push(src);
    load[i] += src.text.length + 2000;
  }
  // Functions cannot cross to a worker thread.
  const plainOptions: WorkerInput['options'] = { root: options.root, config: options.config, jobs: 1 };
  const script = workerScript();
  const results = await Promise.all(shares.map((sources) => new Promise<ScanResult>((resolve, reject) => {
    const input: WorkerInput = {
      batch: { sources, workspaceSources: prepared.sources, facts: prepared.facts },
      options: plainOptions,
    };
    const worker = new Worker(script, { workerData: input });
    worker.on('message', (m: WorkerMessage) => {
      if (m.kind === 'file') onFile();
      else if (m.kind === 'done') resolve(m.result);
      else reject(new Error(`djperf scan worker failed: ${m.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => {
      if (code !== 0) reject(new Error(`djperf scan worker exited with code ${code}`));
    });
  })));
  const merged: ScanResult = { results: [], notices: [], stats: { files: 0, bytes: 0, parseMs: 0, analyzeMs: 0, factsMs: 0 } };
  for (const r of results) {
    merged.results.push(...r.results);
    merged.notices.push(...r.notices);
    merged.stats.files += r.stats.files;
    merged.stats.bytes += r.stats.bytes;
    merged.stats.parseMs += r.stats.parseMs;
    merged.stats.analyzeMs += r.stats.analyzeMs;
  }
  return merged;
}
