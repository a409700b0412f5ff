/**
 * Starts the simulation worker and runs jobs on it. Only the latest run matters: a new run while the worker is
 * still busy terminates it and starts a fresh one (simulate/advise are synchronous inside the worker, so this is the
 * only way to stop a stale run at once), and any message tagged with an older run id is ignored.
 *
 * Why a Blob URL: a VS Code webview's document has a `vscode-webview://` origin while its resources come from
 * `https://*.vscode-cdn.net`, so `new Worker(asWebviewUri(...))` is a cross-origin worker and throws a SecurityError.
 * Fetching the script would need `connect-src` in the CSP. Instead the extension inlines the worker bundle into
 * the page as an inert base64 data block (`<script type="text/plain">` is never executed, so the nonce CSP does not
 * apply to it) and the page starts the worker from a `blob:` URL, which `worker-src blob:` allows.
 */
import { parseWorkerToUi, type RunJob, type WorkerToUi } from './messages';

export const WORKER_SOURCE_ID = 'djperf-worker-source';

function workerUrl(): string {
  const el = document.getElementById(WORKER_SOURCE_ID);
  const b64 = el?.textContent?.trim();
  if (!b64) throw new Error(`the simulation worker's code is missing from the page (#${WORKER_SOURCE_ID})`);
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return URL.createObjectURL(new Blob([bytes], { type: 'text/javascript' }));
}

export class SimWorkerClient {
  private url: string | undefined;
  private worker: Worker | undefined;
  private busy = false;
  private runId = 0;

  constructor(
    private readonly onMessage: (m: WorkerToUi) => void,
    private readonly onError: (message: string) => void,
  ) {}

  private spawn(): Worker {
    this.url ??= workerUrl();
    const w = new Worker(this.url, { name: 'djperf-sim' });
    w.addEventListener('message', (ev: MessageEvent<unknown>) => {
      const parsed = parseWorkerToUi(ev.data);
      if (!parsed.ok) { this.onError(`refused a message from the simulation worker: ${parsed.error}`); return; }
      const m = parsed.message;
      if (m.runId !== this.runId) return; // a stale run
      if (m.type === 'done' || m.type === 'failed') this.busy = false;
      this.onMessage(m);
    });
    w.addEventListener('error', (ev) => {
      ev.preventDefault();
      this.busy = false;
      this.onError(`the simulation worker failed: ${ev.message || 'unknown error'}`);
    });
    return w;
  }

  /** Starts a run and returns its id; a run still in progress is cancelled. */
  run(job: RunJob): number {
    if (this.busy && this.worker) { this.worker.terminate(); this.worker = undefined; }
    this.worker ??= this.spawn();
    this.runId++;
    this.busy = true;
    this.worker.postMessage({ type: 'run', runId: this.runId, job });
    return this.runId;
  }

  get currentRunId(): number { return this.runId; }

  dispose(): void {
    this.worker?.terminate();
    if (this.url) URL.revokeObjectURL(this.url);
  }
}
