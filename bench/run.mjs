// `npm run bench`: every benchmark, each printing its own table, on the production build (`npm run bench` builds it:
// minified, as the extension and the CLI ship). Figures go into docs/performance.md.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

const generated = new URL('../.bench-cache/generated', import.meta.url);
if (!fs.existsSync(generated)) spawnSync(process.execPath, [new URL('generateCorpus.mjs', import.meta.url).pathname], { stdio: 'inherit' });

const benches = ['scan.mjs', 'realProjects.mjs', 'native.mjs', 'lsp.mjs', 'lspRealProjects.mjs', 'sim.mjs', 'hostile.mjs'].filter((f) => fs.existsSync(new URL(f, import.meta.url)));
console.log(`# djperf benchmarks — ${new Date().toISOString()} — node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
let failed = false;
for (const b of benches) {
  console.log(`\n## ${b}`);
  const r = spawnSync(process.execPath, ['--expose-gc', new URL(b, import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
