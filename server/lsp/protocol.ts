/**
 * Custom LSP messages shared by the server (server/lsp), the client (extension/) and the tests. Plain data
 * only: the server and the client each bundle their own vscode-jsonrpc (different versions), so a message is a
 * method name whose parameter and result types travel as phantom types; each side makes its own
 * RequestType/NotificationType from it (`new RequestType<P, R, void>(spec.method)`).
 */
import type { Cost, Fix } from '../core/rules/types';
import type { ProfileReport } from '../core/profiles/types';

export interface RequestSpec<P, R> {
  readonly method: string;
  /** Never set: carries the types. */
  readonly types?: { params: P; result: R };
}
export interface NotificationSpec<P> {
  readonly method: string;
  readonly types?: { params: P };
}
const request = <P, R>(method: string): RequestSpec<P, R> => ({ method });
const notification = <P>(method: string): NotificationSpec<P> => ({ method });

/** What the language status item shows. */
export type ServerState = 'starting' | 'ready' | 'analysing' | 'configError' | 'disabled';

export interface StatusParams {
  state: ServerState;
  /** Files still to analyse (state `analysing`). */
  pending?: number;
  /** Human-readable detail: the ConfigError's message, "5 files skipped", … */
  message?: string;
  /** Workspace folder the message is about, when it is about one. */
  folderUri?: string;
}

/** Server → client: the server's state changed. */
export const StatusNotification = notification<StatusParams>('djperf/status');

export interface AnalyzeWorkspaceResult {
  files: number;
  findings: number;
  /** Folders skipped because their configuration is invalid. */
  configErrors: number;
}

/** Client → server: re-read configuration and re-analyse every file of every workspace folder. */
export const AnalyzeWorkspaceRequest = request<Record<string, never>, AnalyzeWorkspaceResult>('djperf/analyzeWorkspace');

export interface DocumentStatsParams {
  uri: string;
}
export interface DocumentStats {
  version: number;
  fullParses: number;
  incrementalParses: number;
  /** False while the document is over `djperf.maxFileSize` and kept as text only. */
  parsed: boolean;
  /**
   * Server time of the latest analysed versions (at most 200), in ms: applying the edit and reparsing, then
   * copying the tree, indexing, running the rules and sending the diagnostics (no debounce, no transport).
   */
  serverMs: number[];
  /**
   * The same analyses split by phase, index for index with `serverMs` (ms): applying the edits and reparsing, copying
   * the tree, updating the workspace facts, and the rules with sending the diagnostics. A full parse of a document that
   * had none counts in `serverMs` only, so the parts may sum to less.
   */
  serverPhases: ServerPhases;
  /** Named nodes of every tree copy made for the analysis, summed, and how many were taken over from the previous version. */
  treeNodes: number;
  treeNodesReused: number;
}

export interface ServerPhases {
  reparse: number[];
  copy: number[];
  facts: number[];
  rules: number[];
}

/** Client → server (tests, diagnostics): how an open document's tree has been maintained. Null when not open. */
export const DocumentStatsRequest = request<DocumentStatsParams, DocumentStats | null>('djperf/debugDocumentStats');

export interface ProfilesParams {
  /** A document or folder URI: the profiles of the workspace folder holding it (default: the first folder). */
  uri?: string;
}

/** Client → server: endpoint profiles and detected deployment (the sidebar simulator's input). Null when unknown. */
export const ProfilesRequest = request<ProfilesParams, ProfileReport | null>('djperf/profiles');

/** Commands the client implements; the server refers to them in code actions. */
export const Commands = {
  showDocumentation: 'djperf.showDocumentation',
  restartServer: 'djperf.restartServer',
  showOutput: 'djperf.showOutput',
  analyzeWorkspace: 'djperf.analyzeWorkspace',
  openSimulator: 'djperf.openSimulator',
} as const;

/** `Diagnostic.data`: everything a code action or hover needs without re-running the rules. */
export interface DiagnosticData {
  docsUrl: string;
  ruleName: string;
  fixes: Fix[];
  cost?: Cost;
}

/** The code action kind of "fix all safe djperf fixes" (ESLint's `source.fixAll.eslint`). */
export const FIX_ALL_KIND = 'source.fixAll.djperf';
