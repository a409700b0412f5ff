/**
 * A real LSP client for tests: spawns `node dist/server.js --stdio` and talks JSON-RPC to it, answering the
 * server's requests (configuration, capability registration, progress) like an editor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection, StreamMessageReader, StreamMessageWriter,
  type ProtocolConnection, type PublishDiagnosticsParams, type ShowMessageParams, type TextDocumentContentChangeEvent,
  type InitializeResult,
} from 'vscode-languageserver-protocol/node';
import { DIST } from '../harness/paths';
import { LineMap } from '../../server/core/parsing/textDocument';
import type { NotificationSpec, RequestSpec, StatusParams } from '../../server/lsp/protocol';
import { SERVER_NODE_ARGS } from '../../server/node/serverNodeArgs';

export interface ProgressEvent {
  token: string | number;
  value: { kind: 'begin' | 'report' | 'end'; title?: string; message?: string; percentage?: number };
}

export class TestClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  readonly messages: ShowMessageParams[] = [];
  readonly logs: string[] = [];
  readonly statuses: StatusParams[] = [];
  readonly progress: ProgressEvent[] = [];
  /** `workspace/codeLens/refresh` requests received from the server. */
  codeLensRefreshes = 0;
  /** What the client answers for the `djperf` section of `workspace/configuration`. */
  settings: Record<string, unknown> = {};
  exited = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly conn: ProtocolConnection, readonly child: ChildProcess) {}

  static async start(workspace: string | undefined, initializationOptions?: Record<string, unknown>): Promise<{ client: TestClient; init: InitializeResult }> {
    // The extension's node options, then any a benchmark adds (a profiler).
    const nodeArgs = [...SERVER_NODE_ARGS, ...(process.env.DJPERF_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
    const child = spawn(process.execPath, [...nodeArgs, path.join(DIST, 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const client = new TestClient(conn, child);
    child.stderr!.on('data', (d: Buffer) => client.record(() => client.logs.push(`stderr: ${d.toString()}`)));
    child.on('exit', () => client.record(() => (client.exited = true)));
    conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) =>
      client.record(() => client.diagnostics.set(p.uri, [...(client.diagnostics.get(p.uri) ?? []), p])));
    conn.onNotification('window/showMessage', (p: ShowMessageParams) => client.record(() => client.messages.push(p)));
    conn.onNotification('window/logMessage', (p: { message: string }) => client.record(() => client.logs.push(p.message)));
    conn.onNotification('djperf/status', (p: StatusParams) => client.record(() => client.statuses.push(p)));
    conn.onNotification('$/progress', (p: ProgressEvent) => client.record(() => client.progress.push(p)));
    conn.onRequest('workspace/configuration', (p: { items: { section?: string }[] }) =>
      p.items.map((i) => (i.section === 'djperf' ? client.settings : null)));
    conn.onRequest('client/registerCapability', () => null);
    conn.onRequest('window/workDoneProgress/create', () => null);
    conn.onRequest('workspace/codeLens/refresh', () => client.record(() => client.codeLensRefreshes++));
    conn.onRequest('window/showMessageRequest', () => null);
    conn.listen();
    const rootUri = workspace ? pathToFileURL(workspace).href : null;
    const init = await conn.sendRequest<InitializeResult>('initialize', {
      processId: process.pid,
      rootUri,
      ...(initializationOptions ? { initializationOptions } : {}),
      workspaceFolders: workspace ? [{ uri: rootUri, name: path.basename(workspace) }] : null,
      capabilities: {
        workspace: {
          configuration: true,
          didChangeConfiguration: { dynamicRegistration: true },
          didChangeWatchedFiles: { dynamicRegistration: true },
          workspaceEdit: { documentChanges: true },
          workspaceFolders: true,
          codeLens: { refreshSupport: true },
        },
        window: { workDoneProgress: true, showDocument: { support: true } },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source.fixAll'] } }, isPreferredSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          synchronization: { didSave: true },
        },
      },
    });
    await conn.sendNotification('initialized', {});
    return { client, init };
  }

  private record(change: () => void): void {
    change();
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first truthy value of `probe`, re-checked on every message from the server. */
  waitFor<T>(what: string, probe: () => T | undefined | false | null, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        let value: T | undefined | false | null;
        try {
          value = probe();
        } catch (e) {
          done();
          reject(e);
          return;
        }
        if (value) {
          done();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${what}\nserver log:\n${this.logs.join('\n').slice(-4000)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** The latest diagnostics for `uri` that satisfy `accept` (and arrived after `after` publications). */
  latestDiagnostics(uri: string, accept: (p: PublishDiagnosticsParams) => boolean = () => true, after = 0): Promise<PublishDiagnosticsParams> {
    return this.waitFor(`diagnostics for ${path.basename(uri)}`, () => {
      const list = this.diagnostics.get(uri) ?? [];
      const last = list[list.length - 1];
      return list.length > after && last && accept(last) ? last : undefined;
    });
  }

  publications(uri: string): number {
    return this.diagnostics.get(uri)?.length ?? 0;
  }

  open(uri: string, text: string, version = 1, languageId = 'python'): void {
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }

  change(uri: string, version: number, contentChanges: TextDocumentContentChangeEvent[]): void {
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  close(uri: string): void {
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<P, R>(spec: RequestSpec<P, R>, params: P): Promise<R> {
    return this.conn.sendRequest(spec.method, params) as Promise<R>;
  }

  notify<P>(spec: NotificationSpec<P>, params: P): void {
    void this.conn.sendNotification(spec.method, params);
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      try {
        await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 5000))]);
        await this.conn.sendNotification('exit');
      } catch {
        // already gone
      }
    }
    await new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      const t = setTimeout(() => {
        this.child.kill();
        resolve();
      }, 5000);
      this.child.on('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.conn.dispose();
  }
}

/** Applies LSP text edits (non-overlapping, any order) to a text. */
export function applyEdits(text: string, edits: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]): string {
  const lines = new LineMap(text);
  const sorted = edits
    .map((e) => ({ start: lines.offsetAt(e.range.start), end: lines.offsetAt(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
