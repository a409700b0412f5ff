import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileNotice } from '../core/analyzer';
import type { FileFacts } from '../core/workspace/fileFacts';
import { mayHaveFacts } from '../core/workspace/fileFacts';
import { importsFirst } from '../core/workspace/analysisOrder';
import type { AnalyzeBatch, ScanOptions, ScanResult } from './scan';
import type { SourceText } from './sourceFiles';

/** Main thread -> worker: index these files' facts, or analyse a batch. */
export type ToWorker =
  | { kind: 'facts'; sources: SourceText[] }
  | { kind: 'analyze'; batch: AnalyzeBatch; options: Omit<ScanOptions, 'onProgress'> };

/** Worker -> main thread: facts, `files` analysed since the last such message (progress), the batch's result, or a failure. */
export type FromWorker =
  | { kind: 'facts'; facts: [string, FileFacts][]; notices: FileNotice[]; ms: number }
  | { kind: 'files'; count: number }
  | { kind: 'done'; result: ScanResult }
  | { kind: 'error'; message: string };

/** The worker script beside this module: dist/scanWorker.js in the bundle, out/server/node/scanWorker.js in tests. */
function workerScript(): string {
  for (const candidate of [path.join(__dirname, 'scanWorker.js'), path.join(__dirname, '..', 'scanWorker.js')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`djperf: scan worker script not found next to ${__dirname}; reinstall djperf`);
}

/** Largest first onto the least-loaded share, so the slowest worker finishes close to the others. */
function split<T extends { text: string }>(items: readonly T[], parts: number): T[][] {
  const shares: T[][] = Array.from({ length: parts }, () => []);
  const load = new Array<number>(parts).fill(0);
  for (const item of [...items].sort((a, b) => b.text.length - a.text.length)) {
    const i = load.indexOf(Math.min(...load));
    shares[i].push(item);
    load[i] += item.text.length + 2000;
  }
  return shares;
}

/** One worker thread and a promise-based way to ask it for one answer at a time. */
class ScanWorker {
  private readonly worker: Worker;
  private pending?: { resolve: (m: FromWorker) => void; reject: (e: Error) => void; onFiles: (count: number) => void };

  constructor(script: string, youngGenerationMb: number | undefined) {
    this.worker = new Worker(script, youngGenerationMb === undefined ? {} : { resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMb } });
    this.worker.on('message', (m: FromWorker) => {
      if (m.kind === 'files') this.pending?.onFiles(m.count);
      else if (m.kind === 'error') this.settle((p) => p.reject(new Error(`djperf scan worker failed: ${m.message}`)));
      else this.settle((p) => p.resolve(m));
    });
    this.worker.on('error', (e) => this.settle((p) => p.reject(e)));
    this.worker.on('exit', (code) => this.settle((p) => p.reject(new Error(`djperf scan worker exited with code ${code}`))));
  }

  ask(message: ToWorker, onFiles: (count: number) => void = () => undefined): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, onFiles };
      this.worker.postMessage(message);
    });
  }

  private settle(act: (p: NonNullable<ScanWorker['pending']>) => void): void {
    const p = this.pending;
    this.pending = undefined;
    if (p) act(p);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A pool of scan workers, started before the files are read so that they boot meanwhile. */
export interface ScanWorkerPool {
  readonly workers: readonly ScanWorker[];
  terminate(): Promise<void>;
}

/**
 * The young generation of a lone scan worker (`--jobs 1` on a project large enough for a worker), in MB: three
 * semi-spaces of 32 MB. With node's default (16 MB semi-spaces) the garbage collector spent much of a scan copying the
 * tree of the file being analysed, which survives collection after collection: on DefectDojo with `--check-tests`,
 * 132 scavenges took 1.3 s and peak RSS was 600 MB; with 32 MB semi-spaces, 62 took 0.57 s and RSS 350 MB. Workers
 * of a parallel scan keep node's default: two of them ran no faster with it (DefectDojo `--jobs 2`, three alternated
 * rounds: 9.18-9.65 s against 9.08-10.22 s) and took 60 MB more.
 */
export const SCAN_YOUNG_GENERATION_MB = 96;

export function startScanWorkers(jobs: number): ScanWorkerPool {
  const script = workerScript();
  const youngGenerationMb = jobs === 1 ? SCAN_YOUNG_GENERATION_MB : undefined;
  const workers = Array.from({ length: jobs }, () => new ScanWorker(script, youngGenerationMb));
  return { workers, terminate: async () => void (await Promise.all(workers.map((w) => w.terminate()))) };
}

/**
 * `pending`, with `work` run on this thread while it is awaited. A failure of `work` is thrown once `pending` has
 * settled, so that the workers' own failure, if any, is not left unhandled.
 */
async function meanwhileWaiting<T>(pending: Promise<T>, work: () => void): Promise<T> {
  try {
    work();
  } catch (e) {
    await pending.catch(() => undefined);
    throw e;
  }
  return pending;
}

/**
 * Both passes on the pool's worker threads: each indexes its share of the files that can declare models or
 * settings, the facts are merged in path order, then each analyses its share with the whole workspace's facts.
 */
export async function scanInWorkers(
  sources: SourceText[],
  options: ScanOptions,
  pool: ScanWorkerPool,
  onFiles: (count: number) => void,
  /** Work for this thread while the workers analyse (it is idle until they answer), given the workspace's facts. */
  meanwhile?: (facts: readonly [string, FileFacts][]) => void,
): Promise<ScanResult & { facts: [string, FileFacts][] }> {
  const { workers } = pool;
  const jobs = workers.length;
  const t0 = performance.now();
  // Each worker indexes the facts files of the share it then analyses, and keeps their trees for it.
  const shares = split(sources, jobs);
  const factShares = shares.map((share) => share.filter((s) => mayHaveFacts(s.path, s.text)));
  // Meanwhile (this thread is idle until they answer), each share's analysis order: the workers start at once.
  let ordered: SourceText[][] = [];
  const factAnswers = await meanwhileWaiting(
    Promise.all(workers.map((w, i) => w.ask({ kind: 'facts', sources: factShares[i] }))),
    () => (ordered = shares.map((share) => importsFirst(share))),
  );
  const facts: [string, FileFacts][] = [];
  const notices: FileNotice[] = [];
  for (const a of factAnswers) {
    if (a.kind !== 'facts') throw new Error('djperf scan worker answered out of turn');
    facts.push(...a.facts);
    notices.push(...a.notices);
  }
  facts.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const factsMs = performance.now() - t0;
  // Functions cannot cross to a worker thread.
  const plainOptions: Omit<ScanOptions, 'onProgress'> = { root: options.root, config: options.config, jobs: 1, timePhases: options.timePhases };
  // Every source goes to each worker: helper modules' function summaries are parsed on demand from them (a row loop
  // calling `jira_helper.update(finding)` in another share), a helper's execution context is read from its callers in
  // other files, and endpoint profiles need them all. Without them a parallel scan missed cross-file N+1s that
  // `--jobs 1` reports (6 on DefectDojo). Copying the texts costs tens of milliseconds on a 16 MB workspace.
  const workspaceSources = sources;
  const answers = await meanwhileWaiting(
    Promise.all(workers.map((w, i) => w.ask({
      kind: 'analyze', batch: { sources: ordered[i], ordered: true, workspaceSources, facts }, options: plainOptions,
    }, onFiles))),
    () => meanwhile?.(facts),
  );
  const merged: ScanResult & { facts: [string, FileFacts][] } = { results: [], notices, stats: { files: 0, bytes: 0, parseMs: 0, copyMs: 0, analyzeMs: 0, factsMs, reusedTrees: 0 }, renders: [], facts };
  const textOf = new Map(sources.map((s) => [s.path, s.text]));
  for (const a of answers) {
    if (a.kind !== 'done') throw new Error('djperf scan worker answered out of turn');
    for (const r of a.result.results) r.text = textOf.get(r.path) ?? r.text;
    merged.results.push(...a.result.results);
    merged.renders!.push(...(a.result.renders ?? []));
    merged.notices.push(...a.result.notices);
    merged.stats.files += a.result.stats.files;
    merged.stats.bytes += a.result.stats.bytes;
    merged.stats.parseMs += a.result.stats.parseMs;
    merged.stats.copyMs += a.result.stats.copyMs;
    merged.stats.analyzeMs += a.result.stats.analyzeMs;
    merged.stats.reusedTrees += a.result.stats.reusedTrees;
    merged.stats.callerFiles = (merged.stats.callerFiles ?? 0) + (a.result.stats.callerFiles ?? 0);
    merged.stats.callerChars = (merged.stats.callerChars ?? 0) + (a.result.stats.callerChars ?? 0);
    if (a.result.stats.phases) {
      merged.stats.phases ??= {};
      for (const [phase, ms] of Object.entries(a.result.stats.phases)) merged.stats.phases[phase] = (merged.stats.phases[phase] ?? 0) + ms;
    }
  }
  return merged;
}
