/**
 * Values of Python deployment files read from their text: gunicorn config modules (`workers = 3`,
 * `workers = int(os.environ.get("WEB_CONCURRENCY", 3))`, `multiprocessing.cpu_count() * 2 + 1`),
 * `waitress.serve(app, threads=N)`, `uvicorn.run("m:app", workers=N)` and `os.environ.setdefault(...)`.
 * Line-based on purpose: these files are flat assignments; anything cleverer is reported as unknown.
 */

export interface PyValue {
  value: string | number | boolean | null;
  /** 1-based line. */
  line: number;
  /** How it was obtained when not a literal (`WEB_CONCURRENCY (env, default 3)`, `cpu_count()·2+1 with 4 cores`). */
  via?: string;
}

export interface EvalEnv {
  env: Readonly<Record<string, string>>;
  /** Cores assumed for `cpu_count()` expressions, and where that number comes from. */
  cores: number;
  coresNote: string;
}

function literal(expr: string): string | number | boolean | null | undefined {
  const e = expr.trim();
  if (/^-?\d+(\.\d+)?$/.test(e)) return Number(e);
  const s = /^[rbuf]?(['"])(.*)\1$/.exec(e);
  if (s && !e.startsWith('f')) return s[2];
  if (e === 'True') return true;
  if (e === 'False') return false;
  if (e === 'None') return null;
  return undefined;
}

const ENV_GET = /^(?:(int|float|str)\()?\s*os\.(?:environ\.get|getenv)\(\s*(['"])(\w+)\2\s*(?:,\s*([^)]+?))?\s*\)\s*\)?$/;
const ENV_INDEX = /^(?:(int|float|str)\()?\s*os\.environ\[\s*(['"])(\w+)\2\s*\]\s*\)?$/;
const CPU = /^(?:\w+\.)?cpu_count\(\)\s*(?:\*\s*(\d+))?\s*(?:\+\s*(\d+))?$/;

/** Evaluates the right-hand side of a config assignment; undefined when it cannot be known statically. */
export function evalExpr(expr: string, env: EvalEnv): { value: string | number | boolean | null; via?: string } | undefined {
  const e = expr.trim();
  const lit = literal(e);
  if (lit !== undefined) return { value: lit };
  let m = ENV_GET.exec(e);
  if (m) {
    const conv = (v: string | number | boolean | null) => (m![1] === 'int' || m![1] === 'float' ? Number(v) : v);
    if (env.env[m[3]] !== undefined) return { value: conv(env.env[m[3]]), via: `${m[3]} from the environment` };
    const def = m[4] !== undefined ? literal(m[4]) : undefined;
    if (def === undefined) return undefined;
    return { value: conv(def), via: `${m[3]} unset, default ${JSON.stringify(def)}` };
  }
  m = ENV_INDEX.exec(e);
  if (m && env.env[m[3]] !== undefined) {
    const v = env.env[m[3]];
    return { value: m[1] === 'int' || m[1] === 'float' ? Number(v) : v, via: `${m[3]} from the environment` };
  }
  m = CPU.exec(e);
  if (m) {
    const v = env.cores * Number(m[1] ?? 1) + Number(m[2] ?? 0);
    return { value: v, via: `${e} with ${env.cores} cores (${env.coresNote})` };
  }
  return undefined;
}

/** Module-level `name = expr` assignments (first column only, trailing comments dropped). */
export function moduleAssignments(text: string): { name: string; expr: string; line: number }[] {
  const out: { name: string; expr: string; line: number }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = /^([A-Za-z_]\w*)\s*=\s*(.+?)\s*$/.exec(lines[i]);
    if (!m) continue;
    out.push({ name: m[1], expr: stripComment(m[2]), line: i + 1 });
  }
  return out;
}

function stripComment(expr: string): string {
  let quote: string | undefined;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (quote) { if (c === quote) quote = undefined; continue; }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#') return expr.slice(0, i).trim();
  }
  return expr.trim();
}

/** Whether a Python file looks like a gunicorn config module. */
export function isGunicornConfig(path: string, text: string): boolean {
  if (!/\.py$/.test(path)) return false;
  if (/(^|\/)gunicorn[^/]*\.py$/.test(path)) return true;
  return text.includes('bind') && /^(worker_class|workers|threads|wsgi_app)\s*=/m.test(text) && /^bind\s*=/m.test(text);
}

/** A call `name(...)` spanning lines: its argument text and the 1-based line of each keyword. */
export interface PyCall {
  line: number;
  args: string;
  keywords: Map<string, { expr: string; line: number }>;
  positional: string[];
}

/** Every call to one of `names` (`serve`, `waitress.serve`, `uvicorn.run`) in a Python text. */
export function findCalls(text: string, names: RegExp): PyCall[] {
  const out: PyCall[] = [];
  const re = new RegExp(`(^|[^\\w.])(${names.source})\\s*\\(`, 'g');
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const open = m.index + m[0].length - 1;
    const lineOf = (off: number) => text.slice(0, off).split('\n').length;
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    if (/^\s*(def|class|#)/.test(text.slice(lineStart, m.index + m[1].length)) || /#/.test(text.slice(lineStart, m.index))) continue;
    // Find the matching parenthesis, splitting top-level arguments.
    let depth = 0;
    let quote: string | undefined;
    let argStart = open + 1;
    const parts: { text: string; offset: number }[] = [];
    let end = -1;
    for (let i = open; i < text.length; i++) {
      const c = text[i];
      if (quote) { if (c === '\\') i++; else if (c === quote) quote = undefined; continue; }
      if (c === '"' || c === "'") { quote = c; continue; }
      if (c === '#') { const nl = text.indexOf('\n', i); i = nl < 0 ? text.length : nl - 1; continue; }
      if (c === '(' || c === '[' || c === '{') depth++;
      else if (c === ')' || c === ']' || c === '}') {
        depth--;
        if (depth === 0) { parts.push({ text: text.slice(argStart, i), offset: argStart }); end = i; break; }
      } else if (c === ',' && depth === 1) { parts.push({ text: text.slice(argStart, i), offset: argStart }); argStart = i + 1; }
    }
    if (end < 0) continue;
    const keywords = new Map<string, { expr: string; line: number }>();
    const positional: string[] = [];
    for (const p of parts) {
      const t = p.text.trim();
      if (!t) continue;
      const lead = p.text.length - p.text.trimStart().length;
      const kw = /^([A-Za-z_]\w*)\s*=(?!=)\s*([\s\S]+)$/.exec(t);
      if (kw) keywords.set(kw[1], { expr: kw[2].trim(), line: lineOf(p.offset + lead) });
      else positional.push(t);
    }
    out.push({ line: lineOf(m.index + m[1].length), args: text.slice(open + 1, end), keywords, positional });
  }
  return out;
}

/** `os.environ.setdefault("K", "v")` / `os.environ["K"] = "v"` in a Python file, with 1-based lines. */
export function envDefaults(text: string): Map<string, { value: string; line: number; force: boolean }> {
  const out = new Map<string, { value: string; line: number; force: boolean }>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let m = /os\.environ\.setdefault\(\s*(['"])(\w+)\1\s*,\s*(['"])([^'"]*)\3\s*\)/.exec(lines[i]);
    if (m) { if (!out.has(m[2])) out.set(m[2], { value: m[4], line: i + 1, force: false }); continue; }
    m = /os\.environ\[\s*(['"])(\w+)\1\s*\]\s*=\s*(['"])([^'"]*)\3/.exec(lines[i]);
    if (m) out.set(m[2], { value: m[4], line: i + 1, force: true });
  }
  return out;
}
