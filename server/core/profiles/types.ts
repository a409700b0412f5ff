import type { Endpoint, ServerSpec, DbSpec, CacheSpec, MachineSpec, WorkerClass } from '../../../webview/sim/types';
import type { Range } from '../parsing/textDocument';

/**
 * Endpoint profiles and the detected deployment: the bridge from analysis findings to the simulator.
 * Produced by the server (`djperf profile`, the sidebar), consumed by the webview and the CLI. Pure data (JSON).
 */

/** Where a value came from, so the UI can say "workers = 3 (gunicorn.conf.py:4)". */
export interface ValueSource {
  /** Workspace-relative path, or undefined for a documented default. */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** `gunicorn.conf.py`, `Procfile web:`, `default (gunicorn docs)`, `WEB_CONCURRENCY in Dockerfile` … */
  note: string;
  /** The file's uri as the analysis knows it (absolute path in the CLI), for navigation. */
  uri?: string;
}

export interface Sourced<T> {
  value: T;
  source: ValueSource;
}

/** A quantity the code does not tell, with the default used and its name (the user can change it). */
export interface NamedDefault {
  name: 'rows' | 'queryMs' | 'externalMs' | 'cpuMs' | 'cacheHitRatio' | 'lockHoldMs' | 'requestCpuMs' | 'lockKeys' | 'authQueries';
  value: number;
  description: string;
}

export interface EndpointProfile {
  /** Dotted handler path, e.g. `catalog.views.product_list` or `catalog.api.ProductViewSet.list`. */
  id: string;
  /** URL pattern as written in the URLconf (`products/<int:pk>/`), when resolved. */
  route?: string;
  /** HTTP methods the handler serves, when known (GET for a ListView, the viewset action's methods …). */
  methods?: string[];
  handler: {
    uri: string;
    range: Range;
    name: string;
    kind: 'function' | 'class' | 'method' | 'viewset-action';
    async: boolean;
  };
  /** What the simulator runs for one request (steps use the named defaults below). */
  endpoint: Endpoint;
  /** Codes of the findings that shaped the profile, with their one-line cost (0-based line in `handler.uri`). */
  findings: { code: string; line: number; cost: string }[];
  defaults: NamedDefault[];
  /** No writes on this path and no per-user data in its queries: a cache candidate. */
  readOnly: boolean;
  usesRequestUser: boolean;
  /** Caching advice grounded in the code, when the handler is a candidate. */
  cacheAdvice?: CacheAdvice;
  /** Why caching is NOT advised (writes, per-user data), when the handler is not a candidate. */
  cacheUnsafe?: string;
  /** The URLconf entry that routes to the handler (0-based line, like `handler.range`). */
  urlconf?: { uri: string; line: number; name?: string };
  /** What the profile could not model, in words (dropped coroutines, unresolved helpers, nested loops …). */
  notes?: string[];
}

export interface CacheAdvice {
  kind: 'view' | 'fragment' | 'get_or_set';
  key: string;
  ttlSeconds: number;
  /** Every place in the workspace that writes a model the handler reads: invalidate there (0-based lines). */
  invalidateAt: { uri: string; line: number; what: string }[];
  /** Why it is safe (or what makes it unsafe). */
  rationale: string;
}

export interface DetectedDeployment {
  server: { workerClass: Sourced<WorkerClass> } & { [K in keyof Omit<ServerSpec, 'workerClass'>]?: Sourced<NonNullable<ServerSpec[K]>> };
  machine?: { [K in keyof MachineSpec]?: Sourced<NonNullable<MachineSpec[K]>> };
  db?: { [K in keyof DbSpec]?: Sourced<NonNullable<DbSpec[K]>> } & { atomicRequests?: Sourced<boolean> };
  cache?: { backend?: Sourced<string> } & { [K in keyof CacheSpec]?: Sourced<NonNullable<CacheSpec[K]>> };
  /** Every config source found, in the order they were weighed (later wins, documented in docs/deployment.md). */
  sources: ValueSource[];
  /** Conflicts between sources, in words ("Procfile says 4 workers, gunicorn.conf.py says 3: the command line wins"). */
  conflicts: string[];
  /** Which process this is: `Procfile web`, `gunicorn.conf.py`, `Dockerfile CMD`, `serve_waitress.py` … */
  name?: string;
  /** The server program (`gunicorn`, `uvicorn`, `waitress`). */
  program?: 'gunicorn' | 'uvicorn' | 'waitress';
  /** The WSGI/ASGI application it serves (`shop.wsgi:application`). */
  app?: Sourced<string>;
  /** DJANGO_SETTINGS_MODULE in effect and the ROOT_URLCONF it sets. */
  settingsModule?: Sourced<string>;
  rootUrlconf?: Sourced<string>;
  /** Ids of the endpoint profiles this deployment serves (its ROOT_URLCONF's routes). */
  endpointIds?: string[];
  /** Behaviour worth knowing that is not a conflict (gunicorn switching sync to gthread when threads > 1 …). */
  notes?: string[];
}

export interface ProfileReport {
  endpoints: EndpointProfile[];
  /** The primary deployment (Procfile `web`, else the first gunicorn/uvicorn/waitress process found). */
  deployment: DetectedDeployment;
  /** Every deployment found (a project may run several: the storefront, an ASGI canary, a reports service). */
  deployments?: DetectedDeployment[];
}
