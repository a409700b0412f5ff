/**
 * One code-server on a free loopback port with a private user-data and extensions directory, started in its own
 * process group so that stopping it also ends its extension host and the djperf language server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { CODE_SERVER_BIN, tail } from './prereqs';

/** User settings: no welcome page, walkthroughs, tips, update checks or extension recommendations; plain typing. */
export const USER_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.editor.enablePreview': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
  'git.enabled': false,
  'files.autoSave': 'off',
  // The tests type code key by key: no auto-indentation, auto-closing, suggestions or format-on-type.
  'editor.autoIndent': 'none',
  'editor.autoClosingBrackets': 'never',
  'editor.autoClosingQuotes': 'never',
  'editor.autoSurround': 'never',
  'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
  'editor.suggestOnTriggerCharacters': false,
  'editor.acceptSuggestionOnEnter': 'off',
  'editor.parameterHints.enabled': false,
  'editor.wordBasedSuggestions': 'off',
  'editor.formatOnType': false,
  'editor.minimap.enabled': false,
  'editor.stickyScroll.enabled': false,
  'editor.hover.delay': 300,
  'editor.hover.sticky': true,
  'editor.lightbulb.enabled': 'on',
  'editor.fontSize': 14,
  'editor.lineHeight': 20,
};

export interface CodeServer {
  url: string;
  port: number;
  pid: number;
  userDataDir: string;
  extensionsDir: string;
  log: () => string;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function installExtension(vsix: string, userDataDir: string, extensionsDir: string): string {
  const r = spawnSync(CODE_SERVER_BIN, ['--install-extension', vsix, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir, '--force'], {
    encoding: 'utf8', timeout: 180_000, env: { ...process.env, DONT_PROMPT_WSL_INSTALL: '1' },
  });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0 || !/successfully installed/i.test(out)) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${tail(out)}`);
  }
  const installed = fs.readdirSync(extensionsDir).filter((d) => d.startsWith('djperf.'));
  if (installed.length === 0) throw new Error(`the djperf extension is not in ${extensionsDir} after installation:\n${tail(out)}`);
  return installed[0];
}

function httpOk(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 400);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

/** `config`: a private code-server config file (code-server would otherwise create ~/.config/code-server/config.yaml). */
export async function startCodeServer(workspace: string, userDataDir: string, extensionsDir: string, config: string): Promise<CodeServer> {
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  const port = await freePort();
  const args = [
    '--config', config, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    workspace,
  ];
  let output = '';
  const child: ChildProcess = spawn(CODE_SERVER_BIN, args, {
    detached: true, // its own process group: stop() ends the extension host and the language server too
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DONT_PROMPT_WSL_INSTALL: '1' },
  });
  const append = (d: Buffer): void => { output = (output + d.toString()).slice(-200_000); };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exited: number | null | undefined;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', (code) => { exited = code; resolve(); }));
  const pid = child.pid!;

  const stop = async (): Promise<void> => {
    if (exited !== undefined) return killGroup(pid, 'SIGKILL');
    killGroup(pid, 'SIGTERM');
    const timer = new Promise<void>((r) => setTimeout(r, 5000));
    await Promise.race([exitPromise, timer]);
    killGroup(pid, 'SIGKILL'); // stragglers of the group (extension host, language server)
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (!(await httpOk(`${url}/healthz`))) {
    if (exited !== undefined) throw new Error(`code-server exited with code ${exited} before listening:\n${tail(output)}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url} within 60 s:\n${tail(output)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, port, pid, userDataDir, extensionsDir, log: () => output, stop };
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** Processes still in the process group `pid` (an empty list after stop()). */
export function groupMembers(pid: number): string[] {
  const r = spawnSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return r.stdout.split('\n').map((l) => l.trim().split(/\s+/)).filter((f) => f[1] === String(pid)).map((f) => `${f[0]} ${f.slice(2).join(' ')}`);
}

export function writeUserSettings(userDataDir: string, extra: Record<string, unknown> = {}): void {
  const dir = path.join(userDataDir, 'User');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...extra }, null, 2));
}
