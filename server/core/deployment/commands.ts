/**
 * Shell-ish command lines (Procfile, Dockerfile CMD/ENTRYPOINT, docker-compose `command:`, shell scripts):
 * word splitting and the options of gunicorn, uvicorn and waitress-serve. Platform-neutral, no dependencies.
 */

export type ServerProgram = 'gunicorn' | 'uvicorn' | 'waitress';

/** Splits a shell command line into words (single/double quotes, backslash escapes, `#` comments). */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; has = true; continue; }
    if (c === '\\' && i + 1 < line.length) { cur += line[++i]; has = true; continue; }
    if (c === '#' && !has) break;
    if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = ''; has = false;
      continue;
    }
    if (c === ';' || c === '|' || c === '&') {
      if (has) out.push(cur);
      cur = ''; has = false;
      let op = c;
      while (i + 1 < line.length && (line[i + 1] === '&' || line[i + 1] === '|')) op += line[++i];
      out.push(op);
      continue;
    }
    cur += c; has = true;
  }
  if (has) out.push(cur);
  return out;
}

const SEPARATORS = new Set([';', '&&', '||', '|', '&']);

export interface ServerCommand {
  program: ServerProgram;
  /** Words after the program name, up to the next `;`/`&&`/`|`. */
  args: string[];
  /** `KEY=value` words before the program (`WEB_CONCURRENCY=3 gunicorn …`, `env KEY=v gunicorn …`). */
  env: Record<string, string>;
}

function programOf(word: string): ServerProgram | undefined {
  const base = word.replace(/^.*\//, '');
  if (base === 'gunicorn') return 'gunicorn';
  if (base === 'uvicorn') return 'uvicorn';
  if (base === 'waitress-serve') return 'waitress';
  return undefined;
}

/** Every gunicorn / uvicorn / waitress-serve invocation in a command line (`python -m gunicorn` too). */
export function serverCommands(words: readonly string[]): ServerCommand[] {
  const out: ServerCommand[] = [];
  let env: Record<string, string> = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (SEPARATORS.has(w)) { env = {}; continue; }
    const assign = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(w);
    if (assign) { env[assign[1]] = assign[2]; continue; }
    let program = programOf(w);
    let start = i + 1;
    if (!program && /^python[\d.]*$/.test(w.replace(/^.*\//, '')) && words[i + 1] === '-m') {
      program = programOf(words[i + 2] ?? '');
      start = i + 3;
    }
    if (!program) continue;
    const args: string[] = [];
    let j = start;
    for (; j < words.length && !SEPARATORS.has(words[j]); j++) args.push(words[j]);
    out.push({ program, args, env });
    env = {};
    i = j - 1;
  }
  return out;
}

export interface ParsedOptions {
  /** Option name (long form, without dashes) -> value (`true` for flags). */
  options: Map<string, string>;
  positional: string[];
}

const GUNICORN_SHORT: Record<string, string> = { w: 'workers', k: 'worker-class', t: 'timeout', c: 'config', b: 'bind', e: 'env' };
const GUNICORN_VALUED = new Set(['workers', 'threads', 'worker-class', 'worker-connections', 'timeout', 'backlog', 'config', 'bind',
  'env', 'graceful-timeout', 'keep-alive', 'max-requests', 'max-requests-jitter', 'chdir', 'pythonpath', 'name', 'log-level',
  'access-logfile', 'error-logfile', 'worker-tmp-dir', 'user', 'group', 'pid', 'log-config', 'paste']);
const UVICORN_VALUED = new Set(['workers', 'host', 'port', 'uds', 'fd', 'loop', 'http', 'ws', 'lifespan', 'env-file', 'log-level',
  'limit-concurrency', 'limit-max-requests', 'backlog', 'timeout-keep-alive', 'timeout-graceful-shutdown', 'root-path', 'app-dir',
  'interface', 'log-config', 'forwarded-allow-ips', 'ssl-keyfile', 'ssl-certfile', 'h11-max-incomplete-event-size']);
const WAITRESS_VALUED = new Set(['threads', 'port', 'host', 'listen', 'backlog', 'connection-limit', 'channel-timeout', 'call',
  'url-scheme', 'ident', 'asyncore-loop-timeout', 'cleanup-interval', 'recv-bytes', 'send-bytes', 'outbuf-overflow',
  'inbuf-overflow', 'max-request-header-size', 'max-request-body-size', 'url-prefix', 'unix-socket', 'unix-socket-perms', 'trusted-proxy']);

/** Parses the arguments of one server command (`--opt=v`, `--opt v`, `-w4`, `-w 4`). */
export function parseServerOptions(program: ServerProgram, args: readonly string[]): ParsedOptions {
  const valued = program === 'gunicorn' ? GUNICORN_VALUED : program === 'uvicorn' ? UVICORN_VALUED : WAITRESS_VALUED;
  const options = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) options.set(name, a.slice(eq + 1));
      else if (valued.has(name) && i + 1 < args.length) options.set(name, args[++i]);
      else options.set(name, 'true');
    } else if (a.startsWith('-') && a.length > 1 && program === 'gunicorn') {
      const name = GUNICORN_SHORT[a[1]] ?? a.slice(1);
      if (a.length > 2) options.set(name, a.slice(2).replace(/^=/, ''));
      else if (GUNICORN_SHORT[a[1]] && i + 1 < args.length) options.set(name, args[++i]);
      else options.set(name, 'true');
    } else positional.push(a);
  }
  return { options, positional };
}
