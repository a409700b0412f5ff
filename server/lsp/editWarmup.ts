import { analyzeFile } from '../core/analyzer';
import { defaultConfig, type DjperfConfig } from '../core/config/config';
import { ParsedDocument, type Position } from '../core/parsing/textDocument';
import type { PythonParser } from '../core/parsing/pythonParser';
import { extractFileFacts } from '../core/workspace/fileFacts';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { toDiagnostic } from './diagnostics';

/**
 * Runs the editing path (incremental reparse, the reusing tree copy, the facts kept across versions, the rules, the
 * diagnostics) over a module of its own once the first workspace scan is done, so that V8 has compiled it before the
 * user's first keystrokes. Measured over a real stdio client (`bench/lsp.mjs`'s 2,000-line module), the first ~20
 * edits of a session took 25–35 ms against 15–20 ms afterwards, and a second module edited after them started at
 * the steady state: the cost is the code's, not the document's. (A models module edited after it was tried: the
 * first edits of DefectDojo's models module were no faster; see docs/performance.md.) Nothing here touches the
 * session: its own document (on the session's parser), its own workspace index, no diagnostics sent. It stops for
 * good at the first real edit, or does not start after one (typing warms the path up by itself), and does one step
 * per turn of the event loop, after whatever messages are waiting: even the first analysis, the slowest (V8 runs
 * the rules in its interpreter), is of a small module that then grows by edits.
 */
export class EditWarmup {
  private state: 'idle' | 'running' | 'done' = 'idle';
  private doc?: ParsedDocument;
  /** Rule codes of the latest analysis and how many analyses ran: what the tests check the rules really ran on. */
  lastCodes: readonly string[] = [];
  analyses = 0;

  private readonly edits: number;
  private readonly defer: (next: () => void) => void;

  constructor(private readonly parser: PythonParser, private readonly log: (message: string) => void, options: WarmupOptions = {}) {
    this.edits = options.edits ?? WARMUP_EDITS;
    this.defer = options.defer ?? ((next) => setImmediate(next));
  }

  /** Starts once per session; later calls (every rescan) do nothing. Every step runs in a later turn of the event loop. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    const started = performance.now();
    const views = warmupViews(VIEW_BLOCKS);
    const steps = this.plan(views);
    const run = (k: number): void => {
      if (this.state !== 'running') return;
      try {
        steps[k]();
      } catch (e) {
        return this.stop(`editing path not warmed up: ${messageOf(e)}`);
      }
      if (k + 1 < steps.length) return this.defer(() => run(k + 1));
      const ms = Math.round(performance.now() - started);
      this.stop(`editing path warmed up: ${this.edits} edits of a ${views.lineCount}-line module in ${ms} ms`);
    };
    this.defer(() => run(0));
  }

  /** A real edit came (or the session ends): the warm-up is over, whatever it reached, or never starts. */
  cancel(): void {
    if (this.state === 'running') this.stop();
    else this.state = 'done';
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  /** The steps, one per turn of the event loop: open the module small, grow it, then edit it. */
  private plan(views: WarmupModule): (() => void)[] {
    const config = defaultConfig();
    const index = new WorkspaceIndex();
    let version = 1;
    const steps: (() => void)[] = [() => {
      index.setFile(MODELS_URI, extractFileFacts(this.parser.parse(MODELS), MODELS_URI, MODELS));
      this.doc = new ParsedDocument(this.parser, VIEWS_URI, views.textUpTo(START_BLOCKS), 1);
      this.analyse(this.doc, index, config);
    }];
    for (let from = START_BLOCKS; from < VIEW_BLOCKS; from += GROW_BLOCKS) {
      const to = Math.min(VIEW_BLOCKS, from + GROW_BLOCKS);
      steps.push(() => {
        const end = { line: views.blockStart(from), character: 0 };
        this.doc!.applyChanges([{ range: { start: end, end }, text: views.blocksText(from, to) }], ++version);
        this.analyse(this.doc!, index, config);
      });
    }
    for (let n = 0; n < this.edits; n++) {
      steps.push(() => {
        this.doc!.applyChanges([typedOrTakenBack(views.editPoints, n)], ++version);
        this.analyse(this.doc!, index, config);
      });
    }
    return steps;
  }

  private analyse(doc: ParsedDocument, index: WorkspaceIndex, config: DjperfConfig): void {
    const { text, tree, lineMap } = doc;
    index.setFile(VIEWS_URI, extractFileFacts(tree, VIEWS_URI, text, { analyseNext: true }));
    const { findings } = analyzeFile({ uri: VIEWS_URI, text, tree, lineMap }, index.facts(), config, { relPath: 'app/views.py' });
    this.lastCodes = findings.map((f) => toDiagnostic(f, VIEWS_URI).code as string);
    this.analyses++;
  }

  private stop(message?: string): void {
    this.state = 'done';
    this.doc?.dispose();
    this.doc = undefined;
    if (message) this.log(message);
  }
}

/**
 * The `n`th edit of the warm-up module: a character typed inside a name, then taken back on the same line, so the
 * module is as it was between pairs.
 */
function typedOrTakenBack(points: readonly Position[], n: number): { range: { start: Position; end: Position }; text: string } {
  const at = points[(Math.floor(n / 2) * 7) % points.length];
  return n % 2 === 0
    ? { range: { start: at, end: at }, text: 'x' }
    : { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface WarmupOptions {
  /** How many edits (the session's: WARMUP_EDITS). */
  edits?: number;
  /** Where the next step is scheduled (the session's: the next turn of the event loop; tests run them by hand). */
  defer?: (next: () => void) => void;
}

/** As many edits as it took `bench/lsp.mjs`'s module to reach its steady state, with some to spare. */
const WARMUP_EDITS = 30;
const VIEW_BLOCKS = 110;
/** The views module is opened with this many blocks, then grows by GROW_BLOCKS per step. */
const START_BLOCKS = 10;
const GROW_BLOCKS = 25;
// Never a file of any workspace: the index above is the warm-up's own, and nothing reads these from disk.
const MODELS_URI = 'file:///djperf-warmup/app/models.py';
const VIEWS_URI = 'file:///djperf-warmup/app/views.py';

/** The warm-up module: its line count, the text of its header and first blocks, where each block starts, where to edit. */
export interface WarmupModule {
  lineCount: number;
  /** The header and the first `blocks` blocks (all of them for Infinity). */
  textUpTo(blocks: number): string;
  /** The line block `i` starts at (the line past the module for the block past its last). */
  blockStart(i: number): number;
  /** The text of blocks `from` to `to` (excluded): what grows the module's first `from` blocks to its first `to`. */
  blocksText(from: number, to: number): string;
  editPoints: Position[];
}

const MODELS = `from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)


class Tag(models.Model):
    label = models.CharField(max_length=30)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    amount = models.IntegerField()
    tags = models.ManyToManyField(Tag)
`;

/**
 * A views module with what real ones hold (row loops over querysets, a lock held across a request, blocking calls
 * and a thread hop in async views, a comprehension over a related manager), `blocks` times over. Its edits are in
 * each block's first body line (`rows = []`), at its 9th character, as a user would type inside a name.
 */
export function warmupViews(blocks: number): WarmupModule {
  const header = ['import requests', 'from asgiref.sync import sync_to_async', 'from django.db import transaction', 'from .models import Order', ''];
  const body = Array.from({ length: blocks }, (_, i) => [
    `def view_${i}(request):`,
    '    rows = []',
    `    for order in Order.objects.filter(amount__gt=${i}):`,
    '        rows.append(order.customer.name)',
    '    return rows',
    '',
    `async def fetch_${i}(request):`,
    `    requests.get("https://example.com/${i}")`,
    '    return await sync_to_async(list)(Order.objects.all())',
    '',
    `def pay_${i}(request, pk):`,
    '    with transaction.atomic():',
    '        order = Order.objects.select_for_update().get(pk=pk)',
    `        order.amount += ${i}`,
    '        order.save()',
    '        requests.post("https://example.com/paid", data={"pk": pk})',
    '    return [t.label for t in order.tags.all()]',
    '',
    '',
  ]);
  const lines = [...header];
  const starts: number[] = [];
  for (const block of body) {
    starts.push(lines.length);
    lines.push(...block);
  }
  const blockStart = (i: number): number => (i < starts.length ? starts[i] : lines.length);
  const text = (from: number, to: number): string => lines.slice(from, to).map((l) => `${l}\n`).join('');
  return {
    lineCount: lines.length,
    textUpTo: (count) => text(0, blockStart(count)),
    blockStart,
    blocksText: (from, to) => text(blockStart(from), blockStart(to)),
    editPoints: starts.map((start) => ({ line: start + 1, character: 8 })),
  };
}
