import type { RuleContext } from '../context';
import type { AsyncEnv } from '../../django/asyncContext';
import { queryEvaluations, type QueryEvaluation } from '../../django/evaluation';
import { importsOf, type ImportMap } from '../../python/imports';
import type { QuerysetEvaluator } from '../../django/querysetEvaluator';
import { requestPathOf, type RequestPathInfo } from '../../django/requestPath';
import type { Node } from '../../parsing/syntaxTree';
import { MemoKey, type Memos } from '../../memo';

/** Per-file facts shared by the lock and async rules, computed once per RuleContext. */
export interface SharedFacts extends AsyncEnv {
  /** The file analysis's memo slots, for results derived from these facts. */
  memos: Memos;
  evaluations: QueryEvaluation[];
  requestPath(fn: Node | null): RequestPathInfo | undefined;
}

const SHARED_FACTS = new MemoKey<SharedFacts>('shared lock and async facts');

/**
 * One file's shared facts. A class on purpose: as an object literal with a getter and closures over the context,
 * it made V8 promote every file's tree (about 400 MB over the generated corpus, measured; see memo.ts).
 */
class FileSharedFacts implements SharedFacts {
  readonly memos: Memos;
  readonly root: Node;
  readonly imports: ImportMap;
  private evals?: QueryEvaluation[];
  private readonly requestPaths = new Map<number, RequestPathInfo | null>();

  constructor(private readonly ctx: RuleContext) {
    this.memos = ctx.memos;
    this.root = ctx.file.tree.rootNode;
    this.imports = importsOf(this.root);
  }

  get evaluator(): QuerysetEvaluator {
    return this.ctx.evaluator;
  }

  get evaluations(): QueryEvaluation[] {
    this.evals ??= queryEvaluations(this.root, this.ctx.evaluator);
    return this.evals;
  }

  requestPath(fn: Node | null): RequestPathInfo | undefined {
    if (!fn) return undefined;
    if (!this.requestPaths.has(fn.id)) {
      this.requestPaths.set(fn.id, requestPathOf(fn, this.ctx.file.uri, this.ctx.workspace) ?? null);
    }
    return this.requestPaths.get(fn.id) ?? undefined;
  }
}

export function sharedFacts(ctx: RuleContext): SharedFacts {
  return ctx.memos.get(SHARED_FACTS, () => new FileSharedFacts(ctx));
}
