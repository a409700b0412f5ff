import { instance, type PyType } from './types';

/**
 * What djperf knows of the standard library and common clients without reading them: which names are classes, what
 * calls return, which builtins exist. Canonical class names (`pathlib.Path`, `io.IOBase` for any file object) are
 * what the blocking-call tables are keyed by.
 */

/** The file object every `open()` flavour returns (blocking reads and writes). */
export const FILE_CLASS = 'io.IOBase';
export const PATH_CLASS = 'pathlib.Path';
export const DBAPI_CONNECTION = 'dbapi.Connection';
export const DBAPI_CURSOR = 'dbapi.Cursor';

/** Dotted names that are classes (or class-like factories): calling one gives an instance of the canonical class. */
const CONSTRUCTORS: ReadonlyMap<string, string> = new Map([
  ...['pathlib.Path', 'pathlib.PurePath', 'pathlib.PosixPath', 'pathlib.WindowsPath', 'pathlib.PurePosixPath', 'pathlib.PureWindowsPath']
    .map((n) => [n, PATH_CLASS] as const),
  ['requests.Session', 'requests.Session'], ['requests.session', 'requests.Session'], ['requests.sessions.Session', 'requests.Session'],
  ['httpx.Client', 'httpx.Client'], ['httpx.AsyncClient', 'httpx.AsyncClient'],
  ['urllib3.PoolManager', 'urllib3.PoolManager'], ['urllib3.HTTPConnectionPool', 'urllib3.PoolManager'],
  ['urllib3.HTTPSConnectionPool', 'urllib3.PoolManager'], ['urllib3.connection_from_url', 'urllib3.PoolManager'],
  ['socket.socket', 'socket.socket'], ['socket.create_connection', 'socket.socket'],
  ['smtplib.SMTP', 'smtplib.SMTP'], ['smtplib.SMTP_SSL', 'smtplib.SMTP'],
  ...['django.core.mail.EmailMessage', 'django.core.mail.EmailMultiAlternatives', 'django.core.mail.message.EmailMessage',
    'django.core.mail.message.EmailMultiAlternatives'].map((n) => [n, 'django.core.mail.EmailMessage'] as const),
  ...['psycopg2.connect', 'psycopg.connect', 'sqlite3.connect', 'pymysql.connect', 'MySQLdb.connect', 'mysql.connector.connect']
    .map((n) => [n, DBAPI_CONNECTION] as const),
  ...['open', 'io.open', 'codecs.open', 'gzip.open', 'bz2.open', 'lzma.open', 'os.fdopen', 'tempfile.TemporaryFile',
    'tempfile.NamedTemporaryFile', 'tempfile.SpooledTemporaryFile', 'io.FileIO', 'gzip.GzipFile'].map((n) => [n, FILE_CLASS] as const),
  ['subprocess.Popen', 'subprocess.Popen'],
]);

/** Annotations naming a class whose instances are one of the canonical classes above. */
const ANNOTATION_CLASSES: ReadonlyMap<string, string> = new Map([
  ...[...CONSTRUCTORS].filter(([n]) => /^[\w.]*\.[A-Z]\w*$/.test(n) && !n.startsWith('tempfile.')),
  // Only real file classes: typing.IO / TextIO / BinaryIO may as well be an in-memory buffer.
  ...['io.TextIOWrapper', 'io.BufferedReader', 'io.BufferedWriter', 'io.BufferedRandom', 'io.FileIO'].map((n) => [n, FILE_CLASS] as const),
  ['sqlite3.Connection', DBAPI_CONNECTION], ['sqlite3.Cursor', DBAPI_CURSOR],
  ['psycopg2.extensions.connection', DBAPI_CONNECTION], ['psycopg2.extensions.cursor', DBAPI_CURSOR],
  ['psycopg.Connection', DBAPI_CONNECTION], ['psycopg.Cursor', DBAPI_CURSOR],
]);

/** The canonical class of a constructor call's callee, or undefined. */
export function constructedClass(callee: string): string | undefined {
  return CONSTRUCTORS.get(callee);
}

/** The canonical class an annotation's dotted name denotes, or undefined. */
export function annotatedClass(name: string): string | undefined {
  return ANNOTATION_CLASSES.get(name);
}

const PATH_RETURNING = new Set(['joinpath', 'with_name', 'with_suffix', 'with_stem', 'resolve', 'absolute', 'expanduser',
  'relative_to', 'with_segments', 'readlink']);
const PATH_ITERATORS = new Set(['iterdir', 'glob', 'rglob']);

/** What a method of a known class returns. */
export function methodReturn(cls: string, method: string): PyType | undefined {
  if (cls === PATH_CLASS) {
    if (PATH_RETURNING.has(method)) return instance(PATH_CLASS);
    if (PATH_ITERATORS.has(method)) return instance('typing.Iterator', [instance(PATH_CLASS)]);
    if (method === 'open') return instance(FILE_CLASS);
  }
  if (cls === DBAPI_CONNECTION && method === 'cursor') return instance(DBAPI_CURSOR);
  return undefined;
}

/** What an attribute of a known class is. */
export function attributeType(cls: string, attr: string): PyType | undefined {
  if (cls === PATH_CLASS && attr === 'parent') return instance(PATH_CLASS);
  if (cls === PATH_CLASS && attr === 'parents') return instance('typing.Sequence', [instance(PATH_CLASS)]);
  return undefined;
}

/** Class-level functions that return an instance (`Path.home()`, `Path.cwd()`). */
export function classMethodReturn(cls: string, method: string): PyType | undefined {
  if (cls === PATH_CLASS && (method === 'home' || method === 'cwd')) return instance(PATH_CLASS);
  return undefined;
}

/** What `with X as name` binds, when it is not X itself. */
export function enteredType(t: PyType): PyType | undefined {
  if (t.kind === 'instance' && t.cls === 'tempfile.TemporaryDirectory') return instance('str');
  return t;
}

/** Generic containers whose first argument is the element type (what a `for` over one yields). */
const ITERABLES = new Set([
  'list', 'set', 'frozenset', 'tuple', 'typing.List', 'typing.Set', 'typing.FrozenSet', 'typing.Tuple', 'typing.Iterable',
  'typing.Iterator', 'typing.Sequence', 'typing.MutableSequence', 'typing.Collection', 'typing.AbstractSet',
  'typing.Generator', 'collections.abc.Iterable', 'collections.abc.Iterator', 'collections.abc.Sequence',
  'collections.abc.MutableSequence', 'collections.abc.Collection', 'collections.abc.Set', 'collections.abc.Generator',
]);

/** The element type of an iterable type, when known. */
export function elementType(t: PyType | undefined): PyType | undefined {
  if (t?.kind !== 'instance' || !t.args?.length) return undefined;
  if (!ITERABLES.has(t.cls)) return undefined;
  // tuple[A, B] is heterogeneous: only tuple[A, ...] has one element type.
  if ((t.cls === 'tuple' || t.cls === 'typing.Tuple') && !(t.args.length === 2 && t.args[1].kind === 'symbol' && t.args[1].name === '...')) return undefined;
  return t.args[0];
}

/** typing names that only wrap another type. */
export const OPTIONAL = new Set(['typing.Optional']);
export const UNION = new Set(['typing.Union']);
export const TRANSPARENT = new Set(['typing.Annotated', 'typing.Final', 'typing.ClassVar', 'typing_extensions.Annotated', 'typing_extensions.Final']);

/** Python's builtins that a call may name without an import (only those that matter to the rules are typed). */
export const BUILTINS: ReadonlySet<string> = new Set([
  'open', 'input', 'print', 'len', 'list', 'dict', 'set', 'frozenset', 'tuple', 'str', 'int', 'float', 'bool', 'bytes',
  'sorted', 'reversed', 'enumerate', 'zip', 'map', 'filter', 'sum', 'min', 'max', 'any', 'all', 'iter', 'next', 'range',
  'isinstance', 'issubclass', 'getattr', 'setattr', 'hasattr', 'delattr', 'super', 'type', 'object', 'id', 'hash',
  'repr', 'format', 'vars', 'dir', 'callable', 'property', 'staticmethod', 'classmethod', 'abs', 'round', 'divmod',
  'pow', 'chr', 'ord', 'hex', 'oct', 'bin', 'exec', 'eval', 'compile', 'globals', 'locals', '__import__', 'Exception',
  'ValueError', 'KeyError', 'TypeError', 'None', 'True', 'False', 'NotImplemented', 'Ellipsis', 'memoryview', 'bytearray',
  'slice', 'breakpoint', 'help', 'ascii', 'aiter', 'anext', 'complex',
]);

/**
 * Modules whose name, used where nothing binds it (a snippet, a star import, a missing import), can only mean the
 * module: blocking I/O hides behind them.
 */
export const WELL_KNOWN_MODULES: ReadonlySet<string> = new Set([
  'subprocess', 'os', 'time', 'requests', 'httpx', 'urllib3', 'socket', 'shutil', 'smtplib', 'urllib', 'pathlib',
  'sqlite3', 'psycopg2', 'psycopg', 'io', 'codecs', 'tempfile',
]);
