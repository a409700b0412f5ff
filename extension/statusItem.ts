/** The language status item: what the djperf server is doing, or why it stopped. */
import * as vscode from 'vscode';
import type { StatusParams } from '../server/lsp/protocol';

export type ClientState = StatusParams['state'] | 'stopped';

export class ServerStatusItem implements vscode.Disposable {
  private readonly item: vscode.LanguageStatusItem;

  constructor() {
    this.item = vscode.languages.createLanguageStatusItem('djperf.status', [
      { scheme: 'file', language: 'python' },
      { scheme: 'untitled', language: 'python' },
      { scheme: 'file', language: 'django-html' },
    ]);
    this.item.name = 'djperf';
    this.item.command = { title: 'Show Output', command: 'djperf.showOutput' };
    this.show({ state: 'starting' });
  }

  show(status: StatusParams | { state: 'stopped'; message?: string }): void {
    const item = this.item;
    item.busy = status.state === 'starting' || status.state === 'analysing';
    item.severity = vscode.LanguageStatusSeverity.Information;
    item.detail = undefined;
    switch (status.state) {
      case 'starting':
        item.text = 'djperf: starting';
        break;
      case 'ready':
        item.text = 'djperf';
        item.detail = 'ready';
        break;
      case 'analysing':
        item.text = status.pending !== undefined ? `djperf: analysing ${status.pending} files` : 'djperf: analysing';
        item.detail = status.message;
        break;
      case 'disabled':
        item.text = 'djperf: disabled';
        item.detail = 'djperf.enable is false';
        break;
      case 'configError':
        item.text = 'djperf: configuration error';
        item.detail = status.message;
        item.severity = vscode.LanguageStatusSeverity.Error;
        break;
      case 'stopped':
        item.text = 'djperf: stopped';
        item.detail = status.message ?? 'run "djperf: Restart Server"';
        item.severity = vscode.LanguageStatusSeverity.Warning;
        item.command = { title: 'Restart', command: 'djperf.restartServer' };
        return;
    }
    item.command = { title: 'Show Output', command: 'djperf.showOutput' };
  }

  dispose(): void {
    this.item.dispose();
  }
}
