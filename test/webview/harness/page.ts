/**
 * Serves the simulator page for the browser tests from 127.0.0.1 (Node's http module): the same HTML and CSP as the
 * VS Code view (webview/ui/html.ts), the built bundles from dist/webview, and a stand-in for `acquireVsCodeApi`
 * that records posted messages and keeps getState/setState in sessionStorage (so a reload restores it, like VS Code).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { makeNonce, renderSimulatorHtml } from '../../../webview/ui/html';
import { DIST } from '../../harness/paths';

/** Theme variables as VS Code sets them on <html> (a subset), and the class it puts on <body>. */
export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-foreground': '#cccccc', '--vscode-sideBar-background': '#181818', '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-input-background': '#313131', '--vscode-input-foreground': '#cccccc', '--vscode-input-border': '#3c3c3c',
      '--vscode-button-background': '#0078d4', '--vscode-button-foreground': '#ffffff', '--vscode-focusBorder': '#0078d4',
      '--vscode-textLink-foreground': '#4daafc', '--vscode-errorForeground': '#f85149', '--vscode-charts-foreground': '#cccccc',
      '--vscode-charts-lines': 'rgba(204, 204, 204, 0.5)', '--vscode-charts-blue': '#3794ff', '--vscode-charts-orange': '#d18616',
      '--vscode-charts-red': '#f14c4c', '--vscode-charts-green': '#89d185', '--vscode-font-family': 'system-ui, sans-serif',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-foreground': '#3b3b3b', '--vscode-sideBar-background': '#f8f8f8', '--vscode-descriptionForeground': '#717171',
      '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece',
      '--vscode-button-background': '#005fb8', '--vscode-button-foreground': '#ffffff', '--vscode-focusBorder': '#005fb8',
      '--vscode-textLink-foreground': '#005fb8', '--vscode-errorForeground': '#a1260d', '--vscode-charts-foreground': '#616161',
      '--vscode-charts-lines': 'rgba(97, 97, 97, 0.5)', '--vscode-charts-blue': '#1a85ff', '--vscode-charts-orange': '#d18616',
      '--vscode-charts-red': '#e51400', '--vscode-charts-green': '#388a34', '--vscode-font-family': 'system-ui, sans-serif',
    },
  },
  highContrast: {
    bodyClass: 'vscode-high-contrast',
    vars: {
      '--vscode-foreground': '#ffffff', '--vscode-sideBar-background': '#000000', '--vscode-descriptionForeground': '#ffffff',
      '--vscode-input-background': '#000000', '--vscode-input-foreground': '#ffffff', '--vscode-input-border': '#6fc3df',
      '--vscode-button-background': '#000000', '--vscode-button-foreground': '#ffffff', '--vscode-focusBorder': '#f38518',
      '--vscode-contrastBorder': '#6fc3df', '--vscode-textLink-foreground': '#21a6ff', '--vscode-errorForeground': '#f48771',
      '--vscode-charts-foreground': '#ffffff', '--vscode-charts-lines': '#ffffff', '--vscode-charts-blue': '#3794ff',
      '--vscode-charts-orange': '#ff8c00', '--vscode-charts-red': '#f14c4c', '--vscode-charts-green': '#89d185', '--vscode-font-family': 'system-ui, sans-serif',
    },
  },
} as const;
export type ThemeName = keyof typeof THEMES;

const STATE_KEY = 'djperf-test-vscode-state';

function standIn(): string {
  return `(() => {
  const KEY = ${JSON.stringify(STATE_KEY)};
  window.__posted = [];
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
  const theme = ${JSON.stringify(THEMES.dark.vars)};
  for (const [k, v] of Object.entries(theme)) document.documentElement.style.setProperty(k, v);
  document.addEventListener('DOMContentLoaded', () => document.body.classList.add('vscode-dark'));
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may only be called once');
    acquired = true;
    return {
      postMessage: (m) => { window.__posted.push(JSON.parse(JSON.stringify(m))); },
      getState: () => { const s = sessionStorage.getItem(KEY); return s === null ? undefined : JSON.parse(s); },
      setState: (s) => { sessionStorage.setItem(KEY, JSON.stringify(s)); return s; },
    };
  };
})();`;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export interface PageServer { url: string; close(): Promise<void> }

export async function startPageServer(): Promise<PageServer> {
  const webviewDir = path.join(DIST, 'webview');
  for (const f of ['main.js', 'simWorker.js', 'style.css']) {
    if (!fs.existsSync(path.join(webviewDir, f))) throw new Error(`dist/webview/${f} is missing: run \`npm run build\` first`);
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const origin = `http://${req.headers.host ?? '127.0.0.1'}`;
      const nonce = makeNonce();
      const html = renderSimulatorHtml({
        cspSource: origin,
        nonce,
        scriptUri: `${origin}/webview/main.js`,
        styleUri: `${origin}/webview/style.css`,
        workerSourceBase64: fs.readFileSync(path.join(webviewDir, 'simWorker.js')).toString('base64'),
      }).replace(`<script nonce="${nonce}" src=`, `<script nonce="${nonce}">${standIn()}</script>\n<script nonce="${nonce}" src=`);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(html);
      return;
    }
    const m = /^\/webview\/([\w.-]+)$/.exec(url.pathname);
    const file = m && path.join(webviewDir, m[1]);
    if (file && fs.existsSync(file)) {
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(fs.readFileSync(file));
      return;
    }
    res.writeHead(url.pathname === '/favicon.ico' ? 204 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
