import type { Node } from '../parsing/syntaxTree';
import { calleeMethod, keywordArg, positionalArgs, unparen } from '../python/syntax';
import { bindingOf, qualifiedName, typeOf } from '../python/semantic/infer';
import { DBAPI_CONNECTION, DBAPI_CURSOR, FILE_CLASS, PATH_CLASS } from '../python/semantic/library';
import { membersOf } from '../python/semantic/types';
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

/** Methods that block on I/O, per canonical class of the receiver (see python/semantic/library.ts). */
const BLOCKING_METHODS: ReadonlyMap<string, { methods: ReadonlySet<string>; category: BlockingCategory }> = new Map([
  ['requests.Session', { methods: new Set([...HTTP_VERBS, 'send']), category: 'http' }],
  ['httpx.Client', { methods: new Set([...HTTP_VERBS, 'send', 'stream']), category: 'http' }],
  ['urllib3.PoolManager', { methods: new Set([...HTTP_VERBS, 'urlopen', 'request_encode_url', 'request_encode_body']), category: 'http' }],
  [PATH_CLASS, { methods: new Set(['read_text', 'read_bytes', 'write_text', 'write_bytes', 'open', 'exists', 'is_file', 'is_dir',
    'is_symlink', 'stat', 'lstat', 'mkdir', 'rmdir', 'unlink', 'rename', 'replace', 'touch', 'chmod', 'iterdir', 'glob',
    'rglob', 'resolve', 'samefile']), category: 'file' }],
  [FILE_CLASS, { methods: new Set(['read', 'readline', 'readlines', 'write', 'writelines']), category: 'file' }],
  ['socket.socket', { methods: new Set(['connect', 'recv', 'recvfrom', 'recv_into', 'send', 'sendall', 'sendto', 'accept']), category: 'socket' }],
  ['smtplib.SMTP', { methods: new Set(['sendmail', 'send_message', 'login', 'connect', 'starttls']), category: 'email' }],
  ['django.core.mail.EmailMessage', { methods: new Set(['send']), category: 'email' }],
  [DBAPI_CONNECTION, { methods: new Set(['execute', 'executemany', 'commit', 'rollback']), category: 'db-driver' }],
  [DBAPI_CURSOR, { methods: new Set(['execute', 'executemany', 'fetchone', 'fetchall', 'fetchmany']), category: 'db-driver' }],
  ['subprocess.Popen', { methods: new Set(['communicate', 'wait']), category: 'subprocess' }],
]);

/** The last segment of every blocking name and method: a call spelled otherwise cannot be one. */
const BLOCKING_LAST_NAMES: ReadonlySet<string> = new Set([
  ...[...EXACT.keys()].map((k) => k.slice(k.lastIndexOf('.') + 1)),
  ...[...BLOCKING_METHODS.values()].flatMap((e) => [...e.methods]),
]);

const ESTIMATE_MS: Readonly<Record<BlockingCategory, number>> = {
  http: 300, sleep: 1000, subprocess: 50, file: 2, filesystem: 1, input: 0, socket: 100, email: 500, 'db-driver': 20,
};

/** Classifies a call as blocking I/O, or undefined: by the callee's resolved name, else by the receiver's type. */
export function classifyBlocking(call: Node): BlockingCall | undefined {
  if (call.type !== 'call') return undefined;
  const fn = call.childForFieldName('function');
  if (!fn) return undefined;
  // Most calls spell a last name no blocking API has (`filter`, `append`): answered without asking the semantic model.
  const last = fn.type === 'identifier' ? fn.text : fn.type === 'attribute' ? fn.childForFieldName('attribute')?.text : undefined;
  if (!last || !BLOCKING_LAST_NAMES.has(last)) return undefined;
  const name = qualifiedName(fn);
  if (name) {
    const category = EXACT.get(name) ?? EXACT.get(name.replace(/^django\.core\.mail\.(message\.)?/, 'django.core.mail.'));
    if (category) return { call, name, category, estimatedMs: estimate(call, category) };
    return undefined;
  }
  if (fn.type !== 'attribute') return undefined;
  const method = fn.childForFieldName('attribute')?.text ?? '';
  const receiver = typeOf(fn.childForFieldName('object'));
  const members = membersOf(receiver);
  if (members.length === 0) return undefined;
  let found: { cls: string; category: BlockingCategory } | undefined;
  // A union receiver (`Optional[Path]`, `A | B`) blocks only when every member does.
  for (const m of members) {
    if (m.kind !== 'instance' || m.def) return undefined; // a class of the workspace is never a library client
    const entry = BLOCKING_METHODS.get(m.cls);
    if (!entry || !entry.methods.has(method)) return undefined;
    found ??= { cls: m.cls, category: entry.category };
  }
  if (!found) return undefined;
  return { call, name: `${displayClass(found.cls)}.${method}`, category: found.category, estimatedMs: estimate(call, found.category) };
}

/**
 * For a method call on a local name (`fh.read()`), the blocking call that made the receiver (`open(...)` in
 * `with open(...) as fh`), when there is one: the place a finding about both belongs.
 */
export function blockingOrigin(call: Node): Node | undefined {
  const recv = call.childForFieldName('function')?.childForFieldName('object');
  if (recv?.type !== 'identifier') return undefined;
  const b = bindingOf(recv);
  if (!b?.value || b.path || (b.kind !== 'with' && b.kind !== 'assignment')) return undefined;
  const v = unparen(b.value);
  return v.type === 'call' && classifyBlocking(v) ? v : undefined;
}

/** How a receiver class is named in messages (`Path().read_text`, `file.read`). */
function displayClass(cls: string): string {
  if (cls === FILE_CLASS) return 'file';
  if (cls === DBAPI_CONNECTION) return 'connection';
  if (cls === DBAPI_CURSOR) return 'cursor';
  return `${cls}()`;
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
export function cacheCall(call: Node): CacheCall | undefined {
  const fn = call.childForFieldName('function');
  if (fn?.type !== 'attribute') return undefined;
  const method = calleeMethod(call) ?? '';
  const asyncMethod = ASYNC_CACHE_METHODS.get(method) ?? (ASYNC_CACHE_VALUES.has(method) ? method : undefined);
  const recv = fn.childForFieldName('object');
  if (!asyncMethod || !recv) return undefined;
  return isDjangoCache(unparen(recv), 0) ? { call, method, asyncMethod, receiver: recv } : undefined;
}

function isDjangoCache(node: Node, depth: number): boolean {
  if (depth > 3) return false;
  const name = qualifiedName(node);
  if (name === 'django.core.cache.cache') return true;
  if (node.type === 'subscript') return qualifiedName(node.childForFieldName('value')) === 'django.core.cache.caches';
  if (node.type === 'identifier') {
    const b = bindingOf(node);
    return !!b?.value && b.kind === 'assignment' && !b.path && isDjangoCache(unparen(b.value), depth + 1);
  }
  return false;
}
