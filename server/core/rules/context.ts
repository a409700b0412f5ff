import { Memos } from '../memo';
import type { Tree } from '../parsing/syntaxTree';
import type { LineMap } from '../parsing/textDocument';
import type { ModelIndex } from '../django/modelIndex';
import { QuerysetEvaluator } from '../django/querysetEvaluator';
import { findRowLoops, type RowLoop } from '../django/rowLoops';
import type { DjangoSettingsFacts } from '../django/settingsFacts';
import type { SerializerDecl } from '../drf/serializerDecls';
import type { UrlViewRef } from '../django/urlFacts';
import type { ProfileReport } from '../profiles/types';
import type { FunctionIndex } from '../workspace/functionSummaries';
import type { ModuleTypeIndex } from '../workspace/moduleTypeIndex';
import { useWorkspaceTypes } from '../python/semantic/infer';
import type { CallerIndex } from '../workspace/callerIndex';

/** One file as the rules see it. */
export interface SourceFile {
  uri: string;
  text: string;
  tree: Tree;
  lineMap: LineMap;
}

/** What is known about the whole workspace, shared by every file's analysis. */
export interface WorkspaceFacts {
  models: ModelIndex;
  settings: DjangoSettingsFacts;
  /** Views referenced from URLconfs anywhere in the workspace (request-path facts). */
  urlViews?: readonly UrlViewRef[];
  /** DRF serializer classes of the workspace (DJP108). */
  serializers?: readonly SerializerDecl[];
  /** Module-level function summaries of the workspace (helpers called with a row; sync helpers reached from async code). */
  functions?: FunctionIndex;
  /** Library objects workspace modules export (`http = requests.Session()` in `clients.py`), for importers' types. */
  moduleTypes?: ModuleTypeIndex;
  /** The workspace's files for caller lookups (execution context of helpers through their callers in other modules). */
  callers?: CallerIndex;
  /**
   * Endpoint profiles and detected deployments of the whole workspace (DJP6xx), built lazily on first call and
   * memoised by the host (the CLI scan; the language server per index generation). Undefined: not available.
   */
  profiles?: () => ProfileReport | undefined;
}

export interface AnalysisSettings {
  /** `[major, minor]`; fixes never suggest an API this version lacks. */
  targetDjango: readonly [number, number];
}

/** Per-file analysis state computed once and shared by all rules (lazily: a rule that needs nothing pays nothing). */
export class RuleContext {
  private evaluatorCache?: QuerysetEvaluator;
  private rowLoopsCache?: RowLoop[];
  /** Per-file results shared by rules (see memo.ts for why they live here and not in WeakMaps). */
  readonly memos = new Memos();

  constructor(
    readonly file: SourceFile,
    readonly workspace: WorkspaceFacts,
    readonly settings: AnalysisSettings,
  ) {
    useWorkspaceTypes(file.tree, workspace.moduleTypes?.lookupFor(file.uri));
  }

  get evaluator(): QuerysetEvaluator {
    const { uri, text, tree } = this.file;
    // Callers of this file's helpers are resolved through the caller index (relPath: its test-module test).
    const home = { uri, text, root: tree.rootNode, relPath: this.workspace.callers?.relPathOf(uri) ?? uri };
    this.evaluatorCache ??= new QuerysetEvaluator(this.workspace.models, { home, index: this.workspace.callers, functions: this.workspace.functions });
    return this.evaluatorCache;
  }

  /** Every loop or comprehension in the file that iterates over model instances from a queryset. */
  rowLoops(): RowLoop[] {
    this.rowLoopsCache ??= findRowLoops(this.file.tree.rootNode, this.evaluator);
    return this.rowLoopsCache;
  }
}
