/**
 * The "djperf: Simulator" webview view. Thin: it serves the page (dist/webview), answers the page's messages
 * (validated, see webview/ui/messages.ts) with the workspace profiles and opens locations. State survives
 * hide/show through the page's getState/setState, so `retainContextWhenHidden` is not used.
 */
import { Commands } from '../server/lsp/protocol';
import * as vscode from 'vscode';
import type { ProfileReport } from '../server/core/profiles/types';
import { makeNonce, renderSimulatorHtml } from '../webview/ui/html';
import { parseViewToHost, type HostToView } from '../webview/ui/messages';

export const SIMULATOR_VIEW_ID = 'djperf.simulator';
export const OPEN_SIMULATOR_COMMAND = Commands.openSimulator;

export interface SimulatorDeps {
  getProfiles(uri?: string): Promise<ProfileReport | undefined>;
  openLocation(uri: string, line: number): void;
}

class SimulatorViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  /** An endpoint asked for (djperf.openSimulator) before the page was listening. */
  private pendingSelect: string | null | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly context: vscode.ExtensionContext, private readonly deps: SimulatorDeps, private readonly log: (m: string) => void) {}

  async resolveWebviewView(view: vscode.WebviewView): Promise<void> {
    this.view = view;
    this.ready = false;
    const root = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [root] };
    const worker = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'simWorker.js'));
    view.webview.html = renderSimulatorHtml({
      cspSource: view.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(root, 'style.css')).toString(),
      workerSourceBase64: Buffer.from(worker).toString('base64'),
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((data: unknown) => void this.onMessage(data)),
      view.onDidDispose(() => { this.view = undefined; this.ready = false; }),
    );
  }

  private post(message: HostToView): void {
    void this.view?.webview.postMessage(message);
  }

  private async sendProfiles(): Promise<void> {
    try {
      const report = await this.deps.getProfiles(vscode.window.activeTextEditor?.document.uri.toString());
      const select = this.pendingSelect;
      this.pendingSelect = undefined;
      this.post({ type: 'profiles', report: report ?? null, ...(select !== undefined ? { select } : {}) });
    } catch (err) {
      this.post({ type: 'error', message: `profiling the workspace failed: ${err instanceof Error ? err.message : String(err)}` });
    }
  }

  private async onMessage(data: unknown): Promise<void> {
    const parsed = parseViewToHost(data);
    if (!parsed.ok) { this.log(`simulator view: refused a message: ${parsed.error}`); return; }
    const m = parsed.message;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        await this.sendProfiles();
        break;
      case 'refresh':
        await this.sendProfiles();
        break;
      case 'openLocation':
        this.deps.openLocation(m.uri, m.line);
        break;
    }
  }

  /** Reveals the view and selects an endpoint (null: the URLconf mix). */
  async open(endpointId: string | null): Promise<void> {
    if (this.view && this.ready) this.post({ type: 'select', endpointId });
    else this.pendingSelect = endpointId;
    // `<viewId>.focus` is the command VS Code creates for every view: it opens the container and resolves the view.
    await vscode.commands.executeCommand(`${SIMULATOR_VIEW_ID}.focus`);
    this.view?.show(true);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The endpoint whose handler holds the cursor of the active editor; null (the URLconf mix) when none does. */
async function endpointAtCursor(deps: SimulatorDeps): Promise<string | null> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return null;
  const report = await deps.getProfiles(editor.document.uri.toString()).catch(() => undefined);
  const here = editor.document.uri.fsPath;
  const line = editor.selection.active.line;
  // Profiles name files by URI or by absolute path (the CLI shares them); innermost handler first.
  const fsPath = (u: string): string => (u.includes('://') ? vscode.Uri.parse(u).fsPath : u);
  const hits = (report?.endpoints ?? []).filter((e) => fsPath(e.handler.uri) === here &&
    e.handler.range.start.line <= line && line <= e.handler.range.end.line);
  hits.sort((a, b) => (a.handler.range.end.line - a.handler.range.start.line) - (b.handler.range.end.line - b.handler.range.start.line));
  return hits[0]?.id ?? null;
}

export function registerSimulatorView(context: vscode.ExtensionContext, deps: SimulatorDeps): vscode.Disposable {
  const provider = new SimulatorViewProvider(context, deps, (m) => console.warn(`djperf: ${m}`));
  return vscode.Disposable.from(
    provider,
    vscode.window.registerWebviewViewProvider(SIMULATOR_VIEW_ID, provider),
    vscode.commands.registerCommand(OPEN_SIMULATOR_COMMAND, async (endpointId?: unknown) =>
      provider.open(typeof endpointId === 'string' && endpointId.length > 0 ? endpointId : await endpointAtCursor(deps))),
  );
}
