import { parentPort, workerData } from 'node:worker_threads';
import { PythonParser } from '../core/parsing/pythonParser';
import { nodeGrammarLocation } from './grammarFiles';
import { analyzeBatch } from './scan';
import type { WorkerInput, WorkerMessage } from './scanWorkers';

/** A scan worker thread: analyses its share of the files with its own parser (WASM instances are per thread). */
async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (m: WorkerMessage): void => port.postMessage(m);
  try {
    const input = workerData as WorkerInput;
    const parser = await PythonParser.load(nodeGrammarLocation());
    try {
      post({ kind: 'done', result: analyzeBatch(parser, input.batch, input.options, () => post({ kind: 'file' })) });
    } finally {
      parser.delete();
    }
  } catch (e) {
    post({ kind: 'error', message: e instanceof Error ? e.stack ?? e.message : String(e) });
  }
}

void main();
