/**
 * The djperf VS Code extension: starts the language server (dist/server.js), shows its state, registers the
 * commands. All knowledge of Python and Django lives in the server.
 */
import * as vscode from 'vscode';
import {
  CloseAction, ErrorAction, LanguageClient, NotificationType, State, TransportKind,
  type CloseHandlerResult, type ErrorHandler, type ErrorHandlerResult, type LanguageClientOptions, type ServerOptions,
} from 'vscode-languageclient/node';
import { ProfilesRequest, StatusNotification, type ProfilesParams, type StatusParams } from '../server/lsp/protocol';
import type { ProfileReport } from '../server/core/profiles/types';
import { registerSimulatorView } from './simulatorView';
import { registerCommands } from './commands';
import { declaredSettingKeys, explicitSettings } from './settings';
import { ServerStatusItem } from './statusItem';
import { SERVER_NODE_ARGS } from '../server/node/serverNodeArgs';

/** Crash budget: the server is restarted after a crash at most this many times within RESTART_WINDOW_MS. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('djperf', { log: true });
  const status = new ServerStatusItem();
  context.subscriptions.push(output, status);
  const settingKeys = declaredSettingKeys(context.extension.packageJSON);

  const serverModule = context.asAbsolutePath('dist/server.js');
  // One start line, so a bug report says which build ran which server (the server adds what it analyses).
  output.info(`djperf ${String(context.extension.packageJSON.version)} starting; server ${serverModule}; VS Code ${vscode.version}`);
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_ARGS] } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_ARGS, '--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      // Django templates (the server judges only those in a template directory of the project's settings/apps).
      { scheme: 'file', language: 'django-html' },
      { scheme: 'file', language: 'html' },
      { scheme: 'file', language: 'jinja-html' },
    ],
    synchronize: {
      fileEvents: [vscode.workspace.createFileSystemWatcher('**/*.{py,pyi}'), vscode.workspace.createFileSystemWatcher('**/pyproject.toml')],
    },
    // The server then does not register its own watchers (the two would deliver every event twice). The storage
    // folder keeps the files' facts between sessions (no folder open: none, facts are kept in memory only).
    initializationOptions: { clientWatchesFiles: true, ...(context.storageUri ? { storagePath: context.storageUri.fsPath } : {}) },
    outputChannel: output,
    middleware: {
      workspace: {
        configuration: async (params, token, next) => {
          const answer = await next(params, token);
          if (!Array.isArray(answer)) return answer;
          return params.items.map((item, i) => (item.section === 'djperf' ? explicitSettings(settingKeys, item.scopeUri) : answer[i]));
        },
      },
    },
  };

  const start = async (): Promise<void> => {
    // Client id `djperf`: vscode-languageclient reads `djperf.trace.server` for message tracing.
    // A fresh crash budget per start: "Restart Server" after giving up really starts over.
    const errorHandler = new BoundedRestarts(output, () => status.show({ state: 'stopped' }));
    const c = new LanguageClient('djperf', 'djperf', serverOptions, { ...clientOptions, errorHandler });
    client = c;
    c.onDidChangeState((e) => {
      if (e.newState === State.Starting) status.show({ state: 'starting' });
      else if (e.newState === State.Stopped) status.show({ state: 'stopped' });
    });
    c.onNotification(new NotificationType<StatusParams>(StatusNotification.method), (p) => status.show(p));
    try {
      await c.start();
    } catch (e) {
      output.error(`djperf server failed to start: ${e instanceof Error ? e.message : String(e)}`);
      status.show({ state: 'stopped', message: 'the server failed to start; see the output' });
    }
  };

  registerCommands(context, output, () => client, async () => {
    if (client && client.state !== State.Stopped) await client.restart();
    else {
      await client?.dispose();
      await start();
    }
  });
  context.subscriptions.push(registerSimulatorView(context, {
    getProfiles: async (uri) => {
      if (!client || client.state !== State.Running) return undefined;
      const params: ProfilesParams = { uri };
      return (await client.sendRequest<ProfileReport | null>(ProfilesRequest.method, params)) ?? undefined;
    },
    openLocation: (uri, line) => {
      // Profiles name files by absolute path (the CLI shares them) or by URI.
      const target = uri.includes('://') ? vscode.Uri.parse(uri) : vscode.Uri.file(uri);
      void vscode.window.showTextDocument(target, { selection: new vscode.Range(line, 0, line, 0) });
    },
  }));
  context.subscriptions.push({ dispose: () => void client?.dispose() });
  await start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

/**
 * The client's default policy, made explicit and visible: restart after a crash unless the server crashed
 * more than MAX_RESTARTS times in RESTART_WINDOW_MS; keep going on transient read/write errors up to 3 in a row.
 */
class BoundedRestarts implements ErrorHandler {
  private readonly crashes: number[] = [];

  constructor(private readonly output: vscode.LogOutputChannel, private readonly onGiveUp: () => void) {}

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.output.error(`connection to the djperf server: ${error.message}`);
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.crashes.push(now);
    while (this.crashes.length > 0 && now - this.crashes[0] > RESTART_WINDOW_MS) this.crashes.shift();
    if (this.crashes.length <= MAX_RESTARTS) {
      this.output.warn(`the djperf server stopped unexpectedly; restarting (${this.crashes.length} of at most ${MAX_RESTARTS} restarts in 3 minutes)`);
      return { action: CloseAction.Restart, handled: true };
    }
    const message = `the djperf server crashed ${this.crashes.length} times in 3 minutes and will not be restarted; see the output, then run "djperf: Restart Server"`;
    this.output.error(message);
    this.onGiveUp();
    return { action: CloseAction.DoNotRestart, message };
  }
}
