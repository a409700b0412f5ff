/**
 * Real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, with a fresh empty profile.
 * A missing browser is a test FAILURE that names the Debian package, never a skip.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface LaunchedBrowser { context: BrowserContext; close(): Promise<void> }

export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the webview tests need Debian's \`chromium\` package (apt-get install chromium)`);
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-chromium-'));
  // A new, empty profile directory per run (launchPersistentContext is how Playwright takes a user-data dir).
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 420, height: 900 },
    deviceScaleFactor: 1,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
