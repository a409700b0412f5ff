// Makes sure the system packages the tests use are present: real Django (Debian python3-django, imported by
// /usr/bin/python3) with DRF and requests for the query-count tests, Debian chromium for the webview tests.
// On this project's machines (Debian, root) it installs what is missing with apt-get; elsewhere it fails and
// names what to install. It never lets a test skip silently.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const checks = [
  { pkg: 'python3-django', ok: () => run('/usr/bin/python3', ['-c', 'import django']) },
  { pkg: 'python3-djangorestframework', ok: () => run('/usr/bin/python3', ['-c', 'import rest_framework']) },
  // The example shop's views import requests; the query-count tests import those views.
  { pkg: 'python3-requests', ok: () => run('/usr/bin/python3', ['-c', 'import requests']) },
  { pkg: 'chromium', ok: () => fs.existsSync('/usr/bin/chromium') },
];

function run(cmd, args) {
  if (!fs.existsSync(cmd)) return false;
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

let missing = checks.filter((c) => !c.ok()).map((c) => c.pkg);
if (missing.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && fs.existsSync('/usr/bin/apt-get')) {
  console.error(`djperf tests: installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  missing = checks.filter((c) => !c.ok()).map((c) => c.pkg);
}
if (missing.length) {
  console.error(`djperf tests need these system packages: ${missing.join(', ')} (Debian: apt-get install ${missing.join(' ')})`);
  process.exit(1);
}
