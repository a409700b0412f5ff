/**
 * Endpoint profiles and the detected deployment per workspace folder, for the sidebar simulator and CodeLens.
 * Built on demand from the folder's files (open documents win over disk) and cached until the folder's model
 * index or any document of the folder changes.
 */
import type { Tree } from '../core/parsing/syntaxTree';
import { buildProfileReport } from '../core/profiles/build';
import type { EndpointProfile, ProfileReport } from '../core/profiles/types';
import type { TemplateSource } from '../core/templates/templateAnalysis';
import { ParseTimeoutError, type PythonParser } from '../core/parsing/pythonParser';
import { simulate } from '../../webview/sim/index';
import { buildScenario, defaultInputs } from '../../webview/ui/scenarioBuilder';
import { discoverPythonFiles, readPythonFile } from '../node/sourceFiles';
import { discoverDeploymentFiles } from '../node/deploymentFiles';
import { filePath, type FolderState } from './folders';

/** Users the CodeLens speaks about (the seeds' Locust and k6 runs used 50). */
export const LENS_USERS = 50;
/** Requests per CodeLens estimate: enough for a stable p95, cheap enough for every handler of a file. */
const LENS_REQUESTS = 1500;

interface CachedReport {
  key: string;
  report: ProfileReport;
  p95: Map<string, number | null>;
}

/** Quiet time after the last edit before a stale report is rebuilt (a rebuild reads the whole folder). */
const REBUILD_DELAY_MS = 750;

export class ProfileService {
  private readonly cache = new Map<string, CachedReport>();
  private readonly rebuilds = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly parser: PythonParser,
    private readonly openText: (path: string) => string | undefined,
    /** The folder's Django templates: their N+1s are queries of the views that render them. */
    private readonly templatesOf: (folder: FolderState) => TemplateSource[] = () => [],
  ) {}

  /** The profile report of `folder`; `revision` identifies the state of its open documents. */
  report(folder: FolderState, revision: string): ProfileReport | undefined {
    return this.entry(folder, revision)?.report;
  }

  /** Whatever report is cached for `folder`, current or not (CodeLens shows it while a fresh one is built). */
  cached(folder: FolderState, revision: string): { report: ProfileReport; current: boolean } | undefined {
    const hit = this.cache.get(folder.uri);
    return hit && { report: hit.report, current: hit.key === `${folder.index.generation}:${revision}` };
  }

  /**
   * Predicted p95 (ms) of one endpoint of the cached report (current or stale: never a rebuild) at LENS_USERS
   * closed-loop users, or null when it cannot be simulated.
   */
  p95(folder: FolderState, endpoint: EndpointProfile): number | null {
    const entry = this.cache.get(folder.uri);
    if (!entry) return null;
    if (!entry.p95.has(endpoint.id)) {
      let value: number | null = null;
      try {
        const inputs = { ...defaultInputs(entry.report, endpoint.id), loadMode: 'closed' as const, users: LENS_USERS };
        const { scenario } = buildScenario(entry.report, endpoint.id, inputs, { requests: LENS_REQUESTS });
        const result = simulate(scenario, { seed: 1 });
        value = result.overall.completed > 0 ? result.overall.latency.p95 : null;
      } catch {
        value = null;
      }
      entry.p95.set(endpoint.id, value);
    }
    return entry.p95.get(endpoint.id) ?? null;
  }

  private entry(folder: FolderState, revision: string): CachedReport | undefined {
    if (!folder.path || !folder.config) return undefined;
    const key = `${folder.index.generation}:${revision}`;
    const hit = this.cache.get(folder.uri);
    if (hit && hit.key === key) return hit;
    const config = folder.config;
    const root = folder.root ?? folder.path;
    const { files } = discoverPythonFiles([folder.path], root, config);
    const sources = [];
    for (const file of files) {
      const open = this.openText(file);
      if (open !== undefined) {
        sources.push({ path: file, text: open });
        continue;
      }
      const read = readPythonFile(file, config.maxFileSize);
      if (!('message' in read)) sources.push({ path: read.path, text: read.text });
    }
    const parse = (text: string): Tree => this.parser.parse(text);
    let report: ProfileReport;
    try {
      report = buildProfileReport({
        files: [...sources, ...discoverDeploymentFiles(root, config)],
        parse, workspace: folder.index.facts(), config, root, templates: this.templatesOf(folder),
      });
    } catch (e) {
      if (e instanceof ParseTimeoutError) return undefined;
      throw e;
    }
    const entry = { key, report, p95: new Map<string, number | null>() };
    this.cache.set(folder.uri, entry);
    return entry;
  }

  /**
   * Rebuilds `folder`'s report once edits pause, then calls `done`: typing asks for CodeLens on every change,
   * and one rebuild per burst of edits is enough.
   */
  refreshSoon(folder: FolderState, revision: () => string, done: () => void): void {
    clearTimeout(this.rebuilds.get(folder.uri));
    this.rebuilds.set(folder.uri, setTimeout(() => {
      this.rebuilds.delete(folder.uri);
      this.report(folder, revision());
      done();
    }, REBUILD_DELAY_MS));
  }

  forget(folderUri: string): void {
    this.cache.delete(folderUri);
    clearTimeout(this.rebuilds.get(folderUri));
    this.rebuilds.delete(folderUri);
  }
}

/** Endpoints whose handler is in the file at `uri`. */
export function endpointsIn(report: ProfileReport, uri: string): EndpointProfile[] {
  const path = filePath(uri) ?? uri;
  return report.endpoints.filter((e) => e.handler.uri === path || e.handler.uri === uri);
}

/** `90 ms`, `1.8 s`: the precision a lens needs. */
export function formatLatency(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
