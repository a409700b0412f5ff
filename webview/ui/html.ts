/**
 * The simulator view's HTML, shared by the extension (extension/simulatorView.ts) and the browser tests
 * (test/webview/harness), so the tests run the page under exactly the CSP VS Code gets. Pure string building.
 */
export interface SimulatorPage {
  /** `webview.cspSource` (the origin local resources are served from). */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** The worker bundle (dist/webview/simWorker.js), base64: started from a Blob URL (see workerClient.ts). */
  workerSourceBase64: string;
}

export function simulatorCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `worker-src ${cspSource} blob:`,
  ].join('; ');
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** 32 random alphanumerics (Web Crypto: available in Node ≥ 19, browsers and VS Code's web worker host). */
export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => chars[b % chars.length]).join('');
}

export function renderSimulatorHtml(p: SimulatorPage): string {
  if (!/^[A-Za-z0-9+/=]*$/.test(p.workerSourceBase64)) throw new Error('workerSourceBase64 must be base64');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(simulatorCsp(p.cspSource, p.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${attr(p.styleUri)}">
<title>djperf simulator</title>
</head>
<body>
<script type="text/plain" id="djperf-worker-source">${p.workerSourceBase64}</script>
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>
`;
}
