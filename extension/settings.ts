/**
 * Answers the server's `workspace/configuration` requests for the `djperf` section with the values the user
 * set explicitly (user, workspace or folder settings). VS Code would otherwise fill in package.json defaults,
 * and those must not override the project's pyproject.toml (defaults < pyproject.toml < editor settings).
 */
import * as vscode from 'vscode';

/** Keys the client keeps to itself (read by vscode-languageclient, not the server). */
const CLIENT_ONLY = new Set(['trace.server']);

export function explicitSettings(settingKeys: readonly string[], scopeUri: string | undefined): Record<string, unknown> {
  const scope = scopeUri ? vscode.Uri.parse(scopeUri) : undefined;
  const config = vscode.workspace.getConfiguration('djperf', scope);
  const out: Record<string, unknown> = {};
  for (const key of settingKeys) {
    if (CLIENT_ONLY.has(key)) continue;
    const i = config.inspect(key);
    const value = i?.workspaceFolderLanguageValue ?? i?.workspaceLanguageValue ?? i?.globalLanguageValue ??
      i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
    if (value === undefined) continue;
    const parts = key.split('.');
    let node = out;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return out;
}

/** `djperf.*` keys declared in package.json, without the prefix. */
export function declaredSettingKeys(packageJSON: unknown): string[] {
  const properties = (packageJSON as { contributes?: { configuration?: { properties?: Record<string, unknown> } } })
    .contributes?.configuration?.properties ?? {};
  return Object.keys(properties).filter((k) => k.startsWith('djperf.')).map((k) => k.slice('djperf.'.length));
}
