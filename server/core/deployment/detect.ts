import type { WorkerClass } from '../../../webview/sim/types';
import type { DetectedDeployment, Sourced, ValueSource } from '../profiles/types';
import { parseServerOptions, serverCommands, shellWords, type ServerCommand, type ServerProgram } from './commands';
import { envDefaults, evalExpr, findCalls, isGunicornConfig, moduleAssignments, type EvalEnv } from './pythonConfig';

/**
 * Deployment detection over `{path, text}` inputs (the Node side discovers the files): gunicorn config modules,
 * Procfile, Dockerfile CMD/ENTRYPOINT/ENV, docker-compose `command:`/`environment:`/`cpus:`, shell scripts,
 * `.env`, `waitress.serve(...)`, `waitress-serve`, uvicorn. Precedence (docs/deployment.md), like gunicorn:
 * documented default < environment (WEB_CONCURRENCY) < config file < GUNICORN_CMD_ARGS < command line.
 */
export interface DeploymentFile {
  path: string;
  text: string;
}

export interface DetectOptions {
  /** Workspace root, to make `ValueSource.file` relative. */
  root?: string;
}

type Key = 'workerClass' | 'workers' | 'threads' | 'connections' | 'timeoutMs' | 'backlog' | 'app';
type Values = Partial<Record<Key, Sourced<string | number | null>>>;
interface Layer { label: string; values: Values; isDefault?: boolean }

interface EnvVar { value: string; source: ValueSource }

interface Launcher {
  name: string;
  program: ServerProgram;
  file: DeploymentFile;
  line: number;
  command?: ServerCommand;
  /** waitress.serve()/uvicorn.run() inside a Python file. */
  pyCall?: ReturnType<typeof findCalls>[number];
  env: Map<string, EnvVar>;
  cores?: Sourced<number>;
}

const DEFAULT_CORES = 4;

function dirOf(p: string): string {
  const i = p.replace(/\\/g, '/').lastIndexOf('/');
  return i < 0 ? '' : p.replace(/\\/g, '/').slice(0, i);
}

function baseName(p: string): string {
  return p.replace(/\\/g, '/').replace(/^.*\//, '');
}

function joinPath(dir: string, rel: string): string {
  if (rel.startsWith('/')) return rel;
  const parts = dir ? dir.split('/') : [];
  for (const seg of rel.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/') || rel;
}

export function isProcfile(path: string): boolean { return /^Procfile(\.\w+)?$/.test(baseName(path)); }
export function isDockerfile(path: string): boolean { return /^(Dockerfile|Containerfile)([.-][\w.-]+)?$|\.dockerfile$/i.test(baseName(path)); }
export function isCompose(path: string): boolean { return /^(docker-)?compose([.-][\w.-]+)?\.ya?ml$/.test(baseName(path)); }
export function isShellScript(path: string): boolean { return /\.(sh|bash)$/.test(path) || /^(entrypoint|start|run|boot)(\.\w+)?$/.test(baseName(path)) && !/\.py$/.test(path); }
export function isEnvFile(path: string): boolean { return /^\.env(\.\w+)?$/.test(baseName(path)); }

/** Whether the Node side should read this (non-Python) file for deployment detection. */
export function isDeploymentFile(path: string): boolean {
  return isProcfile(path) || isDockerfile(path) || isCompose(path) || isShellScript(path) || isEnvFile(path);
}

/** Lines with `\` continuations joined; each keeps its first 1-based line number. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const raw = text.split(/\r?\n/);
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    let t = raw[i];
    while (/\\\s*$/.test(t) && i + 1 < raw.length) t = t.replace(/\\\s*$/, ' ') + raw[++i];
    out.push({ text: t, line: start + 1 });
  }
  return out;
}

export function detectDeployments(files: readonly DeploymentFile[], options: DetectOptions = {}): DetectedDeployment[] {
  const rel = (p: string) => {
    const r = options.root?.replace(/\\/g, '/').replace(/\/$/, '');
    const n = p.replace(/\\/g, '/');
    return r && n.startsWith(`${r}/`) ? n.slice(r.length + 1) : n;
  };
  const src = (file: DeploymentFile, line: number | undefined, note: string): ValueSource =>
    ({ file: rel(file.path), ...(line ? { line } : {}), note, uri: file.path });
  const byPath = new Map(files.map((f) => [f.path.replace(/\\/g, '/'), f]));

  // Environment known for every process: .env files (lowest).
  const globalEnv = new Map<string, EnvVar>();
  for (const f of files.filter((x) => isEnvFile(x.path))) {
    f.text.split(/\r?\n/).forEach((l, i) => {
      const m = /^\s*(?:export\s+)?([A-Za-z_]\w*)\s*=\s*['"]?([^'"#\s]*)['"]?/.exec(l);
      if (m) globalEnv.set(m[1], { value: m[2], source: src(f, i + 1, `${m[1]} in ${baseName(f.path)}`) });
    });
  }

  const launchers: Launcher[] = [];
  const addCommands = (file: DeploymentFile, line: number, text: string, name: string, env: Map<string, EnvVar>, cores?: Sourced<number>) => {
    for (const command of serverCommands(shellWords(text))) {
      const e = new Map(env);
      for (const [k, v] of Object.entries(command.env)) e.set(k, { value: v, source: src(file, line, `${k} on the command line (${name})`) });
      launchers.push({ name, program: command.program, file, line, command, env: e, ...(cores ? { cores } : {}) });
    }
  };

  for (const f of files) {
    if (isProcfile(f.path)) {
      f.text.split(/\r?\n/).forEach((l, i) => {
        const m = /^([\w-]+)\s*:\s*(.+)$/.exec(l);
        if (m) addCommands(f, i + 1, m[2], `${baseName(f.path)} ${m[1]}`, new Map(globalEnv));
      });
    } else if (isDockerfile(f.path)) {
      const env = new Map(globalEnv);
      let entry: { words: string[]; line: number } | undefined;
      let cmd: { words: string[]; line: number } | undefined;
      for (const { text, line } of logicalLines(f.text)) {
        const m = /^\s*(ENV|CMD|ENTRYPOINT|FROM)\s+(.*)$/i.exec(text);
        if (!m) continue;
        const kw = m[1].toUpperCase();
        if (kw === 'FROM') { entry = undefined; cmd = undefined; continue; }
        if (kw === 'ENV') {
          const body = m[2].trim();
          const pairs = /^\w+\s*=/.test(body) ? shellWords(body).map((w) => /^(\w+)=(.*)$/.exec(w)).filter((x): x is RegExpExecArray => !!x).map((x) => [x[1], x[2]])
            : (() => { const s = /^(\w+)\s+(.*)$/.exec(body); return s ? [[s[1], s[2].replace(/^['"]|['"]$/g, '')]] : []; })();
          for (const [k, v] of pairs) env.set(k, { value: v, source: src(f, line, `ENV ${k} in ${baseName(f.path)}`) });
          continue;
        }
        const body = m[2].trim();
        let words: string[];
        if (body.startsWith('[')) {
          try { words = (JSON.parse(body) as unknown[]).map(String); } catch { words = shellWords(body.replace(/[[\],"]/g, ' ')); }
          // Exec form `["sh", "-c", "gunicorn …"]`.
          if (/^(\/bin\/)?(ba)?sh$/.test(words[0] ?? '') && words[1] === '-c' && words[2]) words = shellWords(words[2]);
        } else words = shellWords(body);
        if (kw === 'ENTRYPOINT') entry = { words, line };
        else cmd = { words, line };
      }
      // Docker appends CMD to an exec-form ENTRYPOINT.
      const combined = entry && cmd ? [...entry.words, ...cmd.words] : undefined;
      for (const part of combined ? [{ words: combined, line: (cmd ?? entry)!.line, kw: 'ENTRYPOINT + CMD' }]
        : [entry && { ...entry, kw: 'ENTRYPOINT' }, cmd && { ...cmd, kw: 'CMD' }].filter((x): x is { words: string[]; line: number; kw: string } => !!x)) {
        addCommands(f, part.line, part.words.map((w) => (/\s/.test(w) ? JSON.stringify(w) : w)).join(' '), `${baseName(f.path)} ${part.kw}`, env);
      }
    } else if (isCompose(f.path)) {
      for (const svc of composeServices(f.text)) {
        const env = new Map(globalEnv);
        for (const [k, v] of svc.env) env.set(k, { value: v.value, source: src(f, v.line, `${k} in ${baseName(f.path)} (${svc.name})`) });
        const cores = svc.cpus ? { value: svc.cpus.value, source: src(f, svc.cpus.line, `cpus of ${svc.name} in ${baseName(f.path)}`) } : undefined;
        if (svc.command) addCommands(f, svc.command.line, svc.command.text, `${baseName(f.path)} ${svc.name}`, env, cores);
      }
    } else if (isShellScript(f.path)) {
      for (const { text, line } of logicalLines(f.text)) {
        if (/^\s*#/.test(text)) continue;
        addCommands(f, line, text.replace(/^\s*exec\s+/, ''), baseName(f.path), new Map(globalEnv));
      }
    } else if (/\.py$/.test(f.path) && !isGunicornConfig(f.path, f.text)) {
      if (/\bwaitress\b/.test(f.text)) {
        for (const call of findCalls(f.text, /(?:waitress\.)?serve/)) launchers.push({ name: baseName(f.path), program: 'waitress', file: f, line: call.line, pyCall: call, env: pyEnv(f, globalEnv) });
      }
      if (/\buvicorn\b/.test(f.text)) {
        for (const call of findCalls(f.text, /uvicorn\.run/)) launchers.push({ name: baseName(f.path), program: 'uvicorn', file: f, line: call.line, pyCall: call, env: pyEnv(f, globalEnv) });
      }
    }
  }

  function pyEnv(f: DeploymentFile, base: Map<string, EnvVar>): Map<string, EnvVar> {
    const env = new Map(base);
    for (const [k, v] of envDefaults(f.text)) {
      if (v.force || !env.has(k)) env.set(k, { value: v.value, source: src(f, v.line, `${k} set in ${baseName(f.path)}`) });
    }
    return env;
  }

  const usedConfigs = new Set<string>();
  const out: DetectedDeployment[] = [];
  const configFiles = files.filter((f) => isGunicornConfig(f.path, f.text));

  for (const l of launchers) out.push(build(l));
  for (const f of configFiles) {
    if (usedConfigs.has(f.path.replace(/\\/g, '/'))) continue;
    out.push(build({ name: baseName(f.path), program: 'gunicorn', file: f, line: 1, env: new Map(globalEnv), command: { program: 'gunicorn', args: ['-c', baseName(f.path)], env: {} } }));
  }
  return out;

  function build(l: Launcher): DetectedDeployment {
    const layers: Layer[] = [];
    const notes: string[] = [];
    const cores = l.cores ?? { value: DEFAULT_CORES, source: { note: 'default (simulator: 4 cores)' } };
    const evalEnv: EvalEnv = { env: Object.fromEntries([...l.env].map(([k, v]) => [k, v.value])), cores: cores.value, coresNote: cores.source.note };
    const def = (program: string) => (value: string | number | null): Sourced<string | number | null> => ({ value, source: { note: `default (${program} docs)` } });
    const at = (line: number, note: string, file = l.file) => src(file, line, note);

    if (l.program === 'gunicorn') {
      const d = def('gunicorn');
      layers.push({ label: 'gunicorn defaults', isDefault: true, values: { workerClass: d('sync'), workers: d(1), threads: d(1), connections: d(1000), timeoutMs: d(30000), backlog: d(2048) } });
      const wc = l.env.get('WEB_CONCURRENCY');
      if (wc && Number.isFinite(Number(wc.value))) layers.push({ label: wc.source.note, values: { workers: { value: Number(wc.value), source: wc.source } } });
      const opts = parseServerOptions('gunicorn', l.command?.args ?? []);
      const cfgArg = opts.options.get('config');
      const dir = dirOf(l.file.path);
      let cfg: DeploymentFile | undefined;
      if (cfgArg && !cfgArg.startsWith('python:')) cfg = byPath.get(joinPath(dir, cfgArg)) ?? byPath.get(joinPath(options.root ?? '', cfgArg));
      else if (cfgArg?.startsWith('python:')) {
        const mod = cfgArg.slice(7).replace(/\./g, '/');
        cfg = files.find((f) => f.path.replace(/\\/g, '/').endsWith(`/${mod}.py`));
      } else cfg = byPath.get(joinPath(dir, 'gunicorn.conf.py'));
      if (cfgArg && !cfg) notes.push(`gunicorn config ${cfgArg} not found in the workspace`);
      if (cfg) {
        usedConfigs.add(cfg.path.replace(/\\/g, '/'));
        const values: Values = {};
        const name = baseName(cfg.path);
        for (const a of moduleAssignments(cfg.text)) {
          const key = ({ worker_class: 'workerClass', workers: 'workers', threads: 'threads', worker_connections: 'connections', timeout: 'timeoutMs', backlog: 'backlog', wsgi_app: 'app' } as Record<string, Key>)[a.name];
          if (!key) continue;
          const v = evalExpr(a.expr, evalEnv);
          if (!v) { notes.push(`${name}:${a.line}: ${a.name} = ${a.expr} cannot be read statically`); continue; }
          values[key] = { value: convert(key, v.value), source: at(a.line, v.via ? `${name} (${v.via})` : name, cfg) };
        }
        layers.push({ label: name, values });
      }
      const cmdArgs = l.env.get('GUNICORN_CMD_ARGS');
      if (cmdArgs) layers.push({ label: cmdArgs.source.note, values: cliValues(parseServerOptions('gunicorn', shellWords(cmdArgs.value)), cmdArgs.source, 'gunicorn') });
      if (l.command) layers.push({ label: l.name, values: cliValues(opts, at(l.line, l.name), 'gunicorn') });
    } else if (l.program === 'uvicorn') {
      const d = def('uvicorn');
      layers.push({ label: 'uvicorn defaults', isDefault: true, values: { workerClass: d('uvicorn'), workers: d(1), timeoutMs: d(null), backlog: d(2048) } });
      const wc = l.env.get('WEB_CONCURRENCY');
      if (wc && Number.isFinite(Number(wc.value))) layers.push({ label: wc.source.note, values: { workers: { value: Number(wc.value), source: wc.source } } });
      if (l.pyCall) layers.push({ label: l.name, values: pyCallValues(l, { workers: 'workers', backlog: 'backlog', limit_concurrency: 'connections' }, evalEnv) });
      else layers.push({ label: l.name, values: cliValues(parseServerOptions('uvicorn', l.command?.args ?? []), at(l.line, l.name), 'uvicorn') });
    } else {
      const d = def('waitress');
      layers.push({ label: 'waitress defaults', isDefault: true, values: { workerClass: d('waitress'), workers: d(1), threads: d(4), connections: d(100), timeoutMs: d(null), backlog: d(1024) } });
      if (l.pyCall) layers.push({ label: l.name, values: pyCallValues(l, { threads: 'threads', backlog: 'backlog', connection_limit: 'connections' }, evalEnv) });
      else layers.push({ label: l.name, values: cliValues(parseServerOptions('waitress', l.command?.args ?? []), at(l.line, l.name), 'waitress') });
    }

    // Merge: later layers win; disagreements between non-default layers are conflicts.
    const merged: Values = {};
    const conflicts: string[] = [];
    for (const layer of layers) {
      for (const [k, v] of Object.entries(layer.values) as [Key, Sourced<string | number | null>][]) {
        const prev = merged[k];
        if (prev && !prev.source.note.startsWith('default') && JSON.stringify(prev.value) !== JSON.stringify(v.value)) {
          conflicts.push(`${describeSource(prev.source)} sets ${KEY_WORDS[k]} = ${show(k, prev.value)}, ${describeSource(v.source)} sets ${show(k, v.value)}: ${layer.label} wins (${PRECEDENCE})`);
        }
        merged[k] = v;
      }
    }
    let workerClass = (merged.workerClass?.value ?? 'sync') as string;
    let cls: WorkerClass = mapWorkerClass(workerClass, l.program);
    if (cls === 'sync' && l.program === 'gunicorn' && Number(merged.threads?.value ?? 1) > 1) {
      notes.push(`worker class sync with threads = ${merged.threads?.value}: gunicorn runs the gthread worker instead`);
      cls = 'gthread';
      workerClass = 'gthread';
    }
    const server: DetectedDeployment['server'] = { workerClass: { value: cls, source: merged.workerClass?.source ?? { note: 'default' } } };
    for (const k of ['workers', 'threads', 'connections', 'timeoutMs', 'backlog'] as const) {
      const v = merged[k];
      if (!v) continue;
      if (k === 'threads' && cls !== 'gthread' && cls !== 'waitress') continue;
      if (k === 'connections' && cls !== 'gevent' && cls !== 'uvicorn' && l.program !== 'waitress') continue;
      if (k === 'connections' && l.program === 'waitress') continue; // waitress' connection_limit is not a worker slot
      if (k === 'timeoutMs') (server as Record<string, unknown>)[k] = { value: v.value === null ? null : Number(v.value), source: v.source };
      else (server as Record<string, unknown>)[k] = { value: Number(v.value), source: v.source };
    }
    if (cls === 'uvicorn' && l.program === 'gunicorn' && merged.timeoutMs) {
      // gunicorn's timeout applies to its UvicornWorker too (heartbeat of the event loop).
    }
    // One source per layer that set something, in the order weighed (later wins).
    const sources: ValueSource[] = [];
    for (const layer of layers) {
      const first = Object.values(layer.values).find((v) => v) as Sourced<unknown> | undefined;
      if (!first) continue;
      const { line: _line, ...rest } = first.source;
      sources.push({ ...rest, note: layer.label });
    }
    const dep: DetectedDeployment = { server, sources, conflicts, name: l.name, program: l.program };
    if (l.cores) dep.machine = { cores: l.cores };
    const app = merged.app ?? (l.program === 'waitress' && l.pyCall ? appFromPython(l) : undefined);
    if (app) dep.app = { value: String(app.value), source: app.source };
    const dsm = l.env.get('DJANGO_SETTINGS_MODULE');
    if (dsm) dep.settingsModule = { value: dsm.value, source: dsm.source };
    if (notes.length) dep.notes = notes;
    return dep;
  }

  function pyCallValues(l: Launcher, keys: Record<string, Key>, env: EvalEnv): Values {
    const values: Values = {};
    for (const [kw, key] of Object.entries(keys)) {
      const a = l.pyCall?.keywords.get(kw);
      if (!a) continue;
      const v = evalExpr(a.expr, env);
      if (v) values[key] = { value: convert(key, v.value), source: src(l.file, a.line, v.via ? `${l.name} (${v.via})` : `${kw}= in ${l.name}`) };
    }
    return values;
  }

  function appFromPython(l: Launcher): Sourced<string> | undefined {
    const first = l.pyCall?.positional[0];
    if (!first || !/^\w+$/.test(first)) return undefined;
    const m = new RegExp(`^\\s*from\\s+([\\w.]+)\\s+import\\s+(?:.*\\b)?${first}\\b`, 'm').exec(l.file.text);
    if (!m) return undefined;
    const line = l.file.text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
    return { value: `${m[1]}:${first}`, source: src(l.file, line, `import in ${l.name}`) };
  }
}

function cliValues(opts: ReturnType<typeof parseServerOptions>, source: ValueSource, program: ServerProgram): Values {
  const values: Values = {};
  const o = opts.options;
  const set = (key: Key, v: string | undefined) => { if (v !== undefined) values[key] = { value: convert(key, v), source }; };
  set('workers', o.get('workers'));
  set('backlog', o.get('backlog'));
  if (program === 'gunicorn') {
    set('threads', o.get('threads'));
    set('workerClass', o.get('worker-class'));
    set('connections', o.get('worker-connections'));
    set('timeoutMs', o.get('timeout'));
  } else if (program === 'waitress') {
    set('threads', o.get('threads'));
  } else set('connections', o.get('limit-concurrency'));
  const app = opts.positional.find((p) => /^[\w.]+(:[\w.()]+)?$/.test(p));
  if (app && program !== 'waitress') values.app = { value: app, source };
  if (program === 'waitress' && opts.positional[0]) values.app = { value: opts.positional[0], source };
  return values;
}

function convert(key: Key, v: string | number | boolean | null): string | number | null {
  if (key === 'workerClass' || key === 'app') return String(v);
  if (key === 'timeoutMs') {
    const n = Number(v);
    return n === 0 ? null : n * 1000;
  }
  return Number(v);
}

export function mapWorkerClass(name: string, program: ServerProgram): WorkerClass {
  if (program === 'uvicorn') return 'uvicorn';
  if (program === 'waitress') return 'waitress';
  const n = name.toLowerCase();
  if (n.includes('uvicorn')) return 'uvicorn';
  if (n.includes('gthread')) return 'gthread';
  if (n.includes('gevent') || n.includes('eventlet')) return 'gevent';
  return 'sync';
}

const KEY_WORDS: Record<Key, string> = {
  workerClass: 'worker class', workers: 'workers', threads: 'threads', connections: 'worker connections', timeoutMs: 'timeout',
  backlog: 'backlog', app: 'the application',
};
const PRECEDENCE = 'command line > GUNICORN_CMD_ARGS > config file > environment > default';

function show(key: Key, v: string | number | null): string {
  if (key === 'timeoutMs') return v === null ? 'off' : `${Number(v) / 1000} s`;
  return String(v);
}

function describeSource(s: ValueSource): string {
  return s.file ? `${s.file}${s.line ? `:${s.line}` : ''}` : s.note;
}

interface ComposeService {
  name: string;
  command?: { text: string; line: number };
  env: Map<string, { value: string; line: number }>;
  cpus?: { value: number; line: number };
}

/** Line-based reading of docker-compose services (no YAML dependency): command, environment, cpus. */
export function composeServices(text: string): ComposeService[] {
  const lines = text.split(/\r?\n/);
  const out: ComposeService[] = [];
  let inServices = false;
  let svcIndent = -1;
  let cur: ComposeService | undefined;
  const indentOf = (l: string) => l.length - l.trimStart().length;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim() || /^\s*#/.test(l)) continue;
    const ind = indentOf(l);
    if (ind === 0) { inServices = /^services\s*:/.test(l); cur = undefined; svcIndent = -1; continue; }
    if (!inServices) continue;
    const key = /^\s*([\w.-]+)\s*:\s*(.*)$/.exec(l);
    if (svcIndent < 0 && key) svcIndent = ind;
    if (ind === svcIndent && key) { cur = { name: key[1], env: new Map() }; out.push(cur); continue; }
    if (!cur || !key) continue;
    const value = key[2].trim();
    const block = (): { text: string; line: number }[] => {
      const items: { text: string; line: number }[] = [];
      for (let j = i + 1; j < lines.length && (indentOf(lines[j]) > ind || !lines[j].trim()); j++) {
        const m = /^\s*-\s*(.*)$/.exec(lines[j]);
        if (m) items.push({ text: m[1].trim(), line: j + 1 });
        else { const kv = /^\s*([\w.-]+)\s*:\s*(.*)$/.exec(lines[j]); if (kv) items.push({ text: `${kv[1]}=${kv[2].trim()}`, line: j + 1 }); }
      }
      return items;
    };
    const unq = (s: string) => s.replace(/^(['"])(.*)\1$/, '$2');
    if (key[1] === 'command' || key[1] === 'entrypoint') {
      let text: string;
      if (value.startsWith('[')) {
        try { text = (JSON.parse(value.replace(/'/g, '"')) as unknown[]).map((w) => JSON.stringify(String(w))).join(' '); } catch { text = value.replace(/[[\],]/g, ' '); }
      } else if (value && value !== '>' && value !== '|') text = unq(value);
      else text = block().map((b) => JSON.stringify(unq(b.text))).join(' ');
      if (value === '>' || value === '|') text = block().length ? text : lines.slice(i + 1).filter((x) => indentOf(x) > ind).join(' ');
      cur.command = cur.command && key[1] === 'entrypoint' ? { text: `${text} ${cur.command.text}`, line: i + 1 } : { text: cur.command && key[1] === 'command' ? `${cur.command.text} ${text}` : text, line: i + 1 };
    } else if (key[1] === 'environment') {
      for (const b of block()) {
        const m = /^['"]?(\w+)\s*[=:]\s*['"]?([^'"]*)['"]?$/.exec(b.text);
        if (m) cur.env.set(m[1], { value: m[2].trim(), line: b.line });
      }
    } else if (key[1] === 'cpus' && Number.isFinite(Number(unq(value)))) {
      cur.cpus = { value: Math.max(1, Math.round(Number(unq(value)))), line: i + 1 };
    }
  }
  return out;
}
