import type { Node } from '../parsing/syntaxTree';
import { calleeMethod, keywordArg, positionalArgs, unparen, walk } from '../python/syntax';
import { bindingsBefore, enclosingScope } from '../python/scopes';
import { dottedName } from '../python/syntax';
import type { ImportMap } from '../python/imports';
import { ASYNC_CACHE_METHODS } from './djangoVersion';

/** Calls that block the calling thread on I/O or time: what an event loop must never run inline. */
export type BlockingCategory = 'http' | 'sleep' | 'subprocess' | 'file' | 'filesystem' | 'input' | 'socket' | 'email' | 'db-driver';

export interface BlockingCall {
  call: Node;
  /** Resolved dotted name, e.g. `requests.post`, `time.sleep`, `open`. */
  name: string;
  category: BlockingCategory;
  /** Typical time the call blocks (order of magnitude, for messages and simulator costs). */
  estimatedMs: number;
}

const HTTP_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request'];
const EXACT: ReadonlyMap<string, BlockingCategory> = new Map<string, BlockingCategory>([
  ...HTTP_VERBS.map((v) => [`requests.${v}`, 'http'] as const),
  ...[...HTTP_VERBS, 'stream'].map((v) => [`httpx.${v}`, 'http'] as const),
  ['requests.api.request', 'http'], ['urllib.request.urlopen', 'http'], ['urllib.request.urlretrieve', 'http'],
  ['urllib2.urlopen', 'http'], ['urllib3.request', 'http'],
  ['time.sleep', 'sleep'],
  ...['run', 'call', 'check_call', 'check_output', 'getoutput', 'getstatusoutput', 'Popen'].map((v) => [`subprocess.${v}`, 'subprocess'] as const),
  ...['system', 'popen', 'wait', 'wait3', 'wait4', 'waitid', 'waitpid', 'posix_spawn', 'posix_spawnp', 'spawnl', 'spawnle',
    'spawnlp', 'spawnlpe', 'spawnv', 'spawnve', 'spawnvp', 'spawnvpe'].map((v) => [`os.${v}`, 'subprocess'] as const),
  ['open', 'file'], ['io.open', 'file'], ['codecs.open', 'file'],
  ...['copy', 'copy2', 'copyfile', 'copytree', 'move', 'rmtree'].map((v) => [`shutil.${v}`, 'file'] as const),
  ...['exists', 'lexists', 'isfile', 'isdir', 'islink', 'ismount', 'getsize', 'getmtime', 'getatime', 'getctime',
    'samefile', 'sameopenfile', 'samestat'].map((v) => [`os.path.${v}`, 'filesystem'] as const),
  ...['listdir', 'scandir', 'stat', 'remove', 'unlink', 'rename', 'replace', 'makedirs', 'mkdir', 'rmdir', 'walk']
    .map((v) => [`os.${v}`, 'filesystem'] as const),
  ['input', 'input'],
  ...['create_connection', 'getaddrinfo', 'gethostbyname', 'gethostbyname_ex', 'gethostbyaddr', 'getfqdn']
    .map((v) => [`socket.${v}`, 'socket'] as const),
  ['smtplib.SMTP', 'email'], ['smtplib.SMTP_SSL', 'email'],
  ...['send_mail', 'send_mass_mail', 'mail_admins', 'mail_managers'].map((v) => [`django.core.mail.${v}`, 'email'] as const),
  ...['psycopg2.connect', 'psycopg.connect', 'sqlite3.connect', 'pymysql.connect', 'MySQLdb.connect', 'mysql.connector.connect']
    .map((v) => [v, 'db-driver'] as const),
]);

/** Constructors whose instances do blocking I/O in the listed methods. */
const BLOCKING_OBJECTS: ReadonlyArray<{ ctor: string[]; methods: ReadonlySet<string>; category: BlockingCategory }> = [
  { ctor: ['requests.Session', 'requests.session', 'httpx.Client', 'urllib3.PoolManager', 'urllib3.HTTPConnectionPool'],
    methods: new Set([...HTTP_VERBS, 'urlopen', 'send', 'stream']), category: 'http' },
  { ctor: ['pathlib.Path', 'pathlib.PurePath', 'pathlib.PosixPath', 'pathlib.WindowsPath'],
    methods: new Set(['read_text', 'read_bytes', 'write_text', 'write_bytes', 'open', 'exists', 'is_file', 'is_dir', 'stat',
      'mkdir', 'unlink', 'rename', 'touch', 'iterdir', 'glob', 'rglob', 'resolve']), category: 'file' },
  { ctor: ['socket.socket', 'socket.create_connection'], methods: new Set(['connect', 'recv', 'recvfrom', 'send', 'sendall', 'accept']), category: 'socket' },
  { ctor: ['smtplib.SMTP', 'smtplib.SMTP_SSL'], methods: new Set(['sendmail', 'send_message', 'login', 'connect']), category: 'email' },
  { ctor: ['django.core.mail.EmailMessage', 'django.core.mail.EmailMultiAlternatives', 'django.core.mail.message.EmailMessage'],
    methods: new Set(['send']), category: 'email' },
  { ctor: ['psycopg2.connect', 'psycopg.connect', 'sqlite3.connect', 'pymysql.connect', 'MySQLdb.connect'],
    methods: new Set(['execute', 'executemany', 'commit', 'cursor']), category: 'db-driver' },
];

const ESTIMATE_MS: Readonly<Record<BlockingCategory, number>> = {
  http: 300, sleep: 1000, subprocess: 50, file: 2, filesystem: 1, input: 0, socket: 100, email: 500, 'db-driver': 20,
};
const BUILTINS = new Set(['open', 'input']);

/** The dotted name of a callee when it is imported (or a builtin not shadowed by an import or module-level def). */
export function importedName(node: Node | null | undefined, imports: ImportMap): string | undefined {
  const parts = node ? dottedName(node) : undefined;
  if (!parts) return undefined;
  const head = imports.get(parts[0]);
  if (head) return [head, ...parts.slice(1)].join('.');
  if (parts.length === 1 && BUILTINS.has(parts[0]) && !definedInModule(node as Node, parts[0])) return parts[0];
  return undefined;
}

function definedInModule(node: Node, name: string): boolean {
  const root = node.tree.rootNode; // `.parent` costs O(depth) in tree-sitter: never climb to the root
  for (const stmt of root.namedChildren) {
    const def = stmt?.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type === 'function_definition' && def.childForFieldName('name')?.text === name) return true;
  }
  // A parameter or local of the enclosing function named like the builtin shadows it too.
  const scope = enclosingScope(node);
  if (scope.type === 'function_definition') {
    const params = scope.childForFieldName('parameters');
    if (params && params.namedChildren.some((p) => p && (p.text === name || p.childForFieldName('name')?.text === name || p.namedChildren[0]?.text === name))) return true;
    if (bindingsBefore(scope, name, node.startIndex).length > 0) return true;
  }
  return false;
}

/** The constructor a local name was bound to (`s = requests.Session()`, `with requests.Session() as s:`). */
export function boundConstructor(ident: Node, imports: ImportMap): string | undefined {
  if (ident.type === 'call') return importedName(ident.childForFieldName('function'), imports);
  if (ident.type !== 'identifier') return undefined;
  const scope = enclosingScope(ident);
  const rhs = bindingsBefore(scope, ident.text, ident.startIndex);
  const last = rhs[rhs.length - 1];
  if (last) {
    const v = unparen(last);
    return v.type === 'call' ? importedName(v.childForFieldName('function'), imports) : undefined;
  }
  // `with X(...) as name:`
  let found: string | undefined;
  const body = scope.type === 'module' ? scope : scope.childForFieldName('body');
  if (!body) return undefined;
  walk(body, (n) => {
    if (n.startIndex > ident.startIndex) return false;
    if (n.type === 'function_definition' || n.type === 'lambda' || n.type === 'class_definition') return false;
    if (n.type === 'as_pattern') {
      const alias = n.childForFieldName('alias');
      const value = n.namedChildren[0];
      if (alias?.text === ident.text && value?.type === 'call') found = importedName(value.childForFieldName('function'), imports);
    }
    return true;
  });
  return found;
}

/** Classifies a call as blocking I/O, or undefined. */
export function classifyBlocking(call: Node, imports: ImportMap): BlockingCall | undefined {
  if (call.type !== 'call') return undefined;
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  const name = importedName(fn, imports);
  if (name) {
    const category = EXACT.get(name) ?? EXACT.get(name.replace(/^django\.core\.mail\.(message\.)?/, 'django.core.mail.'));
    if (category) return { call, name, category, estimatedMs: estimate(call, category) };
  }
  if (fn.type === 'attribute') {
    const method = fn.childForFieldName('attribute')?.text ?? '';
    const recv = fn.childForFieldName('object');
    if (!recv) return undefined;
    const ctor = boundConstructor(unparen(recv), imports);
    if (!ctor) return undefined;
    for (const o of BLOCKING_OBJECTS) {
      if (o.ctor.includes(ctor) && o.methods.has(method)) {
        return { call, name: `${ctor}().${method}`, category: o.category, estimatedMs: estimate(call, o.category) };
      }
    }
  }
  return undefined;
}

function estimate(call: Node, category: BlockingCategory): number {
  if (category === 'sleep') {
    const arg = positionalArgs(call)[0] ?? keywordArg(call, 'secs');
    const n = arg ? Number(arg.text) : NaN;
    return Number.isFinite(n) ? Math.round(n * 1000) : ESTIMATE_MS.sleep;
  }
  return ESTIMATE_MS[category];
}

/** Human wording per category. */
export const CATEGORY_LABEL: Readonly<Record<BlockingCategory, string>> = {
  http: 'HTTP request', sleep: 'sleep', subprocess: 'subprocess', file: 'file I/O', filesystem: 'filesystem call',
  input: 'console input', socket: 'socket I/O', email: 'email (SMTP)', 'db-driver': 'database driver call',
};

const ASYNC_CACHE_VALUES = new Set(ASYNC_CACHE_METHODS.values());

export interface CacheCall {
  call: Node;
  method: string;
  /** `aget` for `get` … */
  asyncMethod: string;
  receiver: Node;
}

/** `cache.get(...)`, `caches["x"].set(...)`, `c = caches["x"]; c.get(...)` with Django's cache API imported. */
export function cacheCall(call: Node, imports: ImportMap): CacheCall | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'attribute') return undefined;
  const method = calleeMethod(call) ?? '';
  const asyncMethod = ASYNC_CACHE_METHODS.get(method) ?? (ASYNC_CACHE_VALUES.has(method) ? method : undefined);
  const recv = fn.childForFieldName('object');
  if (!asyncMethod || !recv) return undefined;
  return isDjangoCache(unparen(recv), imports, 0) ? { call, method, asyncMethod, receiver: recv } : undefined;
}

function isDjangoCache(node: Node, imports: ImportMap, depth: number): boolean {
  if (depth > 3) return false;
  const name = importedName(node, imports);
  if (name === 'django.core.cache.cache') return true;
  if (node.type === 'subscript') return importedName(node.childForFieldName('value'), imports) === 'django.core.cache.caches';
  if (node.type === 'identifier') {
    const rhs = bindingsBefore(enclosingScope(node), node.text, node.startIndex);
    const last = rhs[rhs.length - 1];
    return !!last && isDjangoCache(unparen(last), imports, depth + 1);
  }
  return false;
}
