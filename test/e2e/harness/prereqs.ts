/**
 * Prerequisites of the end-to-end tests: code-server (installed into `.code-server/` by
 * scripts/install-code-server.sh, which also installs the Debian packages it needs when run as root) and Debian's
 * chromium. A missing prerequisite is an error naming it: the suite fails, it never skips.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../../harness/paths';

export const CODE_SERVER_DIR = path.join(REPO_ROOT, '.code-server');
export const CODE_SERVER_BIN = path.join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
export const CHROMIUM = '/usr/bin/chromium';
const INSTALL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'install-code-server.sh');

/** Installs code-server when it is missing; throws with what is missing and why it could not be installed. */
export function ensureCodeServer(log: (line: string) => void): string {
  if (!fs.existsSync(CODE_SERVER_BIN)) {
    log(`code-server is not installed in ${CODE_SERVER_DIR}: running scripts/install-code-server.sh (about a minute)`);
    const r = spawnSync('bash', [INSTALL_SCRIPT], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0 || !fs.existsSync(CODE_SERVER_BIN)) {
      const why = r.error ? r.error.message : `exit code ${r.status}`;
      throw new Error(`prerequisite missing: code-server (${CODE_SERVER_BIN}); scripts/install-code-server.sh failed (${why}):\n${tail(r.stdout)}\n${tail(r.stderr)}`);
    }
  }
  const v = spawnSync(CODE_SERVER_BIN, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  if (v.status !== 0) throw new Error(`prerequisite broken: ${CODE_SERVER_BIN} --version failed: ${tail(v.stderr) || v.error?.message}`);
  return v.stdout.split('\n')[0];
}

export function ensureChromium(): void {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`prerequisite missing: chromium (${CHROMIUM}); install it with \`apt-get install chromium\` or run scripts/install-code-server.sh as root`);
  }
}

export function tail(text: string | undefined, lines = 30): string {
  return (text ?? '').trimEnd().split('\n').slice(-lines).join('\n');
}
