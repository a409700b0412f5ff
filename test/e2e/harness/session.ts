/**
 * One end-to-end session: a packaged djperf, a temporary copy of examples/shop, one code-server with the
 * extension installed, one headless Chromium page on the workbench. `dispose()` stops everything it started
 * (browser, then the code-server process group) and removes the temporary files; it is safe to call after a
 * failed start.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { EXAMPLES, REPO_ROOT } from '../../harness/paths';
import { groupMembers, installExtension, startCodeServer, writeUserSettings, type CodeServer } from './codeServer';
import { CHROMIUM, ensureChromium, ensureCodeServer } from './prereqs';
import { packageExtension, type BuiltVsix } from './vsix';
import { Workbench } from './workbench';

export const ARTIFACTS = path.join(REPO_ROOT, '.test-artifacts', 'e2e');
export const DOCS = path.join(REPO_ROOT, 'docs');

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ConsoleLine {
  type: string;
  text: string;
  url: string;
}

export class Session {
  tmp = '';
  workspace = '';
  build: BuiltVsix | undefined;
  server: CodeServer | undefined;
  browser: Browser | undefined;
  page: Page | undefined;
  wb: Workbench | undefined;
  readonly console: ConsoleLine[] = [];
  readonly timings: Record<string, number> = {};
  codeServerVersion = '';
  leftovers: string[] = [];

  constructor(private readonly log: (line: string) => void) {}

  private async timed<T>(name: string, f: () => T | Promise<T>): Promise<T> {
    const t = Date.now();
    try {
      return await f();
    } finally {
      this.timings[name] = Date.now() - t;
      this.log(`e2e: ${name} ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
  }

  async start(): Promise<Workbench> {
    this.codeServerVersion = await this.timed('code-server check/install', () => ensureCodeServer(this.log));
    ensureChromium();
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'djperf-e2e-'));
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    this.build = await this.timed('package the .vsix', () => packageExtension(this.tmp));
    this.log(`e2e: ${this.build.how}`);
    this.workspace = path.join(this.tmp, 'shop');
    fs.cpSync(path.join(EXAMPLES, 'shop'), this.workspace, { recursive: true });
    const userDataDir = path.join(this.tmp, 'user-data');
    const extensionsDir = path.join(this.tmp, 'extensions');
    fs.mkdirSync(extensionsDir, { recursive: true });
    writeUserSettings(userDataDir, { 'workbench.panel.defaultLocation': 'right' });
    await this.timed('install the extension', () => installExtension(this.build!.vsix, userDataDir, extensionsDir));
    this.server = await this.timed('start code-server', () => startCodeServer(this.workspace, userDataDir, extensionsDir, path.join(this.tmp, 'code-server.yaml')));
    this.browser = await this.timed('launch chromium', () => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 }));
    const context = await this.browser.newContext({ viewport: { width: 1600, height: 1000 } });
    // Loopback only: any other host (documentation links, marketplace) gets a local stub, never the network.
    await context.route((url) => !/^https?:\/\/127\.0\.0\.1[:/]/.test(url.href) && /^https?:/.test(url.href), (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: `<html><body>stub for ${route.request().url()}</body></html>` }));
    this.page = await context.newPage();
    this.page.on('console', (m: ConsoleMessage) => this.console.push({ type: m.type(), text: m.text(), url: m.location().url }));
    this.wb = new Workbench(this.page);
    await this.timed('open the workbench', () => this.wb!.open(`${this.server!.url}/?folder=${encodeURIComponent(this.workspace)}`));
    return this.wb;
  }

  file(rel: string): string {
    return path.join(this.workspace, rel);
  }

  /** The djperf output channel as written to disk by the extension host (LogOutputChannel). */
  djperfLog(): string {
    if (!this.server) return '';
    const logs = path.join(this.server.userDataDir, 'logs');
    const out: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name === 'djperf.log') out.push(fs.readFileSync(p, 'utf8'));
      }
    };
    walk(logs);
    return out.join('\n');
  }

  async screenshot(name: string, target?: { screenshot(o: { path: string }): Promise<unknown> }): Promise<string> {
    const file = path.join(ARTIFACTS, `${name}.png`);
    await (target ?? this.page!).screenshot({ path: file });
    return file;
  }

  async dispose(): Promise<void> {
    await this.browser?.close().catch(() => undefined);
    if (this.server) {
      await this.server.stop();
      // Zombies (<defunct>) are already dead; anything else of the group would be a leak.
      await new Promise((r) => setTimeout(r, 300));
      this.leftovers = groupMembers(this.server.pid).filter((l) => !l.includes('<defunct>'));
    }
    if (this.tmp) fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}
