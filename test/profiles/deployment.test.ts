/** Deployment detection over the config styles in test/fixtures/deployment/<style>/, including conflicts and precedence. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { detectDeployments, composeServices, type DeploymentFile } from '../../server/core/deployment/detect';
import { parseServerOptions, serverCommands, shellWords } from '../../server/core/deployment/commands';
import { evalExpr } from '../../server/core/deployment/pythonConfig';
import type { DetectedDeployment } from '../../server/core/profiles/types';
import { REPO_ROOT } from '../harness/paths';

const DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'deployment');

function detect(style: string): DetectedDeployment[] {
  const root = path.join(DIR, style);
  const files: DeploymentFile[] = fs.readdirSync(root).map((f) => ({ path: path.join(root, f), text: fs.readFileSync(path.join(root, f), 'utf8') }));
  return detectDeployments(files, { root });
}

const v = <T>(s: { value: T } | undefined): T | undefined => s?.value;
const where = (s: { source: { file?: string; line?: number; note: string } } | undefined): string =>
  s ? (s.source.file ? `${s.source.file}:${s.source.line ?? ''}` : s.source.note) : '';

describe('deployment detection', () => {
  it('gunicorn.conf.py loaded implicitly by `gunicorn` in a Procfile; os.environ.get reads WEB_CONCURRENCY from .env', () => {
    const [d, ...rest] = detect('gunicorn-conf');
    assert.equal(rest.length, 0, 'the config file is not reported twice');
    assert.equal(d.name, 'Procfile web');
    assert.equal(v(d.server.workerClass), 'gthread');
    assert.equal(v(d.server.workers), 5);
    assert.match(d.server.workers!.source.note, /WEB_CONCURRENCY from the environment/);
    assert.equal(where(d.server.workers), 'gunicorn.conf.py:5');
    assert.deepEqual([v(d.server.threads), v(d.server.timeoutMs), v(d.server.backlog)], [4, 60_000, 512]);
    assert.equal(v(d.app), 'app.wsgi:application');
    assert.deepEqual(d.conflicts, []);
  });

  it('Procfile command line beats gunicorn.conf.py, and the conflict is reported in words', () => {
    const deps = detect('procfile-conflict');
    assert.equal(deps.length, 1, 'the rqworker line is not a web server');
    const d = deps[0];
    assert.equal(v(d.server.workers), 4);
    assert.equal(where(d.server.workers), 'Procfile:1');
    assert.equal(v(d.server.timeoutMs), 45_000);
    assert.equal(v(d.server.threads), 2, 'threads only in the config file');
    assert.equal(v(d.server.workerClass), 'gthread', 'sync + threads > 1 runs gthread');
    assert.ok(d.notes?.some((n) => /gthread/.test(n)));
    assert.equal(d.conflicts.length, 2);
    assert.match(d.conflicts[0], /gunicorn\.conf\.py:1 sets workers = 3, Procfile:1 sets 4: Procfile web wins/);
    assert.match(d.conflicts[1], /timeout = 20 s, Procfile:1 sets 45 s/);
  });

  it('Dockerfile JSON CMD with -k UvicornWorker; workers from ENV WEB_CONCURRENCY', () => {
    const [d] = detect('dockerfile-json');
    assert.equal(d.name, 'Dockerfile CMD');
    assert.equal(v(d.server.workerClass), 'uvicorn');
    assert.equal(v(d.server.workers), 3);
    assert.match(d.server.workers!.source.note, /ENV WEB_CONCURRENCY in Dockerfile/);
    assert.equal(v(d.settingsModule), 'app.settings.prod');
    assert.equal(v(d.app), 'app.asgi:application');
    assert.equal(d.server.threads, undefined);
  });

  it('Dockerfile ENTRYPOINT ["gunicorn"] + CMD args are one command; --timeout 0 turns the timeout off', () => {
    const [d] = detect('dockerfile-entrypoint');
    assert.equal(d.name, 'Dockerfile ENTRYPOINT + CMD');
    assert.deepEqual([v(d.server.workerClass), v(d.server.workers), v(d.server.timeoutMs)], ['sync', 2, null]);
    assert.equal(v(d.app), 'app.wsgi');
  });

  it('docker-compose: command string and block list, environment list and map, cpus', () => {
    const deps = detect('compose');
    assert.deepEqual(deps.map((d) => d.name), ['docker-compose.yml web', 'docker-compose.yml api']);
    const [web, api] = deps;
    assert.deepEqual([v(web.server.workers), v(web.server.threads), v(web.server.backlog), v(web.server.workerClass)], [6, 2, 64, 'gthread']);
    assert.equal(v(web.machine?.cores), 2);
    assert.equal(web.conflicts.length, 1, 'WEB_CONCURRENCY=2 vs -w 6');
    assert.match(web.conflicts[0], /sets workers = 2, .* sets 6: docker-compose\.yml web wins/);
    assert.deepEqual([v(api.server.workerClass), v(api.server.workers)], ['uvicorn', 3]);
    assert.match(api.conflicts[0] ?? '', /workers = 8/);
  });

  it('shell script: exec gunicorn with continuation lines, gevent worker connections', () => {
    const [d] = detect('shell');
    assert.equal(d.name, 'start.sh');
    assert.deepEqual([v(d.server.workerClass), v(d.server.workers), v(d.server.connections)], ['gevent', 3, 500]);
    assert.equal(where(d.server.workers), 'start.sh:4');
  });

  it('waitress: serve(app, threads=8) in Python and waitress-serve --threads in a Procfile', () => {
    const deps = detect('waitress');
    const py = deps.find((d) => d.name === 'serve.py')!;
    const cli = deps.find((d) => d.name === 'Procfile reports')!;
    assert.deepEqual([v(py.server.workerClass), v(py.server.workers), v(py.server.threads)], ['waitress', 1, 8]);
    assert.equal(where(py.server.threads), 'serve.py:9');
    assert.equal(v(py.app), 'app.wsgi:application');
    assert.deepEqual([v(cli.server.threads), v(cli.app)], [6, 'app.wsgi:application']);
    assert.equal(v(cli.server.backlog), 1024, 'waitress default backlog');
  });

  it('uvicorn: CLI --workers and uvicorn.run(workers=N)', () => {
    const deps = detect('uvicorn');
    const cli = deps.find((d) => d.name === 'Procfile web')!;
    const py = deps.find((d) => d.name === 'run.py')!;
    assert.deepEqual([v(cli.server.workerClass), v(cli.server.workers), v(cli.server.connections)], ['uvicorn', 4, 200]);
    assert.deepEqual([v(py.server.workerClass), v(py.server.workers)], ['uvicorn', 2]);
  });

  it('documented defaults when nothing is set: 1 sync worker, 30 s timeout, backlog 2048', () => {
    const [d] = detect('defaults');
    assert.deepEqual([v(d.server.workerClass), v(d.server.workers), v(d.server.timeoutMs), v(d.server.backlog)], ['sync', 1, 30_000, 2048]);
    assert.equal(d.server.workers!.source.note, 'default (gunicorn docs)');
    assert.equal(d.server.workers!.source.file, undefined);
  });

  it('gunicorn -w 2 --threads 4 (sync class) is gthread, as gunicorn does', () => {
    const [d] = detect('sync-threads');
    assert.deepEqual([v(d.server.workerClass), v(d.server.workers), v(d.server.threads)], ['gthread', 2, 4]);
  });

  it('command-line helpers', () => {
    assert.deepEqual(shellWords(`A=1 gunicorn -w4 --bind="0.0.0.0:80" 'x y' # c`), ['A=1', 'gunicorn', '-w4', '--bind=0.0.0.0:80', 'x y']);
    const [c] = serverCommands(shellWords('cd /app && WEB_CONCURRENCY=3 python -m gunicorn -k gevent app.wsgi; echo done'));
    assert.deepEqual([c.program, c.env, c.args], ['gunicorn', { WEB_CONCURRENCY: '3' }, ['-k', 'gevent', 'app.wsgi']]);
    const o = parseServerOptions('gunicorn', ['-w4', '--threads', '2', '--timeout=0', 'app:app']);
    assert.deepEqual([o.options.get('workers'), o.options.get('threads'), o.options.get('timeout'), o.positional], ['4', '2', '0', ['app:app']]);
    const env = { env: {}, cores: 4, coresNote: 'assumed' };
    assert.equal(evalExpr('multiprocessing.cpu_count() * 2 + 1', env)?.value, 9);
    assert.equal(evalExpr('int(os.environ.get("W", "3"))', env)?.value, 3);
    assert.equal(evalExpr('os.getenv("W", 3)', { ...env, env: { W: '7' } })?.value, '7');
    assert.equal(evalExpr('compute()', env), undefined);
    assert.deepEqual(composeServices('services:\n  web:\n    command: ["gunicorn", "-w", "2"]\n').map((s) => s.command?.text), ['"gunicorn" "-w" "2"']);
  });
});
