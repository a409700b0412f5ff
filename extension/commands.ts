/** The `djperf.*` commands. The client is created lazily by main.ts; commands reach it through `getClient`. */
import * as vscode from 'vscode';
import { RequestType, State, type LanguageClient } from 'vscode-languageclient/node';
import { AnalyzeWorkspaceRequest, Commands, type AnalyzeWorkspaceResult } from '../server/lsp/protocol';

const analyzeWorkspace = new RequestType<Record<string, never>, AnalyzeWorkspaceResult, void>(AnalyzeWorkspaceRequest.method);

/** docs/rules/DJPnnn.md inside the extension for a rule page URL, when it is bundled. */
async function bundledRulePage(context: vscode.ExtensionContext, url: string): Promise<vscode.Uri | undefined> {
  const code = /\/(DJP\d{3})\.md$/.exec(url)?.[1];
  if (!code) return undefined;
  const page = vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules', `${code}.md`);
  try {
    await vscode.workspace.fs.stat(page);
    return page;
  } catch {
    return undefined;
  }
}

export function registerCommands(
  context: vscode.ExtensionContext,
  output: vscode.LogOutputChannel,
  getClient: () => LanguageClient | undefined,
  restart: () => Promise<void>,
): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(Commands.showOutput, () => output.show(true)),
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      output.info('restarting the djperf server on request');
      await restart();
    }),
    vscode.commands.registerCommand(Commands.analyzeWorkspace, async () => {
      const client = getClient();
      if (!client || client.state !== State.Running) {
        void vscode.window.showWarningMessage('djperf: the server is not running; run "djperf: Restart Server".');
        return;
      }
      const result = await client.sendRequest(analyzeWorkspace, {});
      const errors = result.configErrors ? `; ${result.configErrors} folder(s) skipped for configuration errors` : '';
      void vscode.window.showInformationMessage(`djperf: analysed ${result.files} files, ${result.findings} findings${errors}.`);
    }),
    vscode.commands.registerCommand(Commands.showDocumentation, async (url: unknown) => {
      // Arguments come from code actions; only web links are accepted.
      if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
        output.warn(`showDocumentation: refusing ${JSON.stringify(url)}`);
        return;
      }
      // The .vsix bundles docs/rules: show the rule's page inside VS Code, so it works offline.
      const bundled = await bundledRulePage(context, url);
      if (bundled) await vscode.commands.executeCommand('markdown.showPreview', bundled);
      else await vscode.env.openExternal(vscode.Uri.parse(url));
    }),
  );
}
