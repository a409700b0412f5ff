import { analyzeFile } from '../core/analyzer';
import { defaultConfig, type DjperfConfig } from '../core/config/config';
import { ParsedDocument } from '../core/parsing/textDocument';
import type { PythonParser } from '../core/parsing/pythonParser';
import { extractFileFacts } from '../core/workspace/fileFacts';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { toDiagnostic } from './diagnostics';

/**
 * Runs the editing path (incremental reparse, the reusing tree copy, the facts kept across versions, the rules, the
 * diagnostics) over a module of its own once the first workspace scan is done, so that V8 has compiled it before the
 * user's first keystrokes. Measured over a real stdio client (`bench/lsp.mjs`'s 2,000-line module), the first ~20
 * edits of a session took 25–35 ms against 15–20 ms afterwards, and a second module edited after them started at
 * the steady state: the cost is the code's, not the document's. Nothing here touches the session: its own document
 * (on the session's parser), its own workspace index, no diagnostics sent. It stops for good at the first real
 * edit, or does not start after one (typing warms the path up by itself), and runs one edit per turn of the event
 * loop, after whatever messages are waiting.
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

  /** Starts once per session; later calls (every rescan) do nothing. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    const started = performance.now();
    try {
      const config = defaultConfig();
      const index = new WorkspaceIndex();
      index.setFile(MODELS_URI, extractFileFacts(this.parser.parse(MODELS), MODELS_URI, MODELS));
      const { text, editLines, lineCount } = warmupViews(VIEW_BLOCKS);
      const doc = (this.doc = new ParsedDocument(this.parser, VIEWS_URI, text, 1));
      this.analyse(doc, index, config);
      const step = (n: number): void => {
        if (this.state !== 'running') return;
        try {
          // Typed, then taken back, on the same line: the module stays as it was between pairs.
          const line = editLines[(Math.floor(n / 2) * 7) % editLines.length];
          const character = 8;
          const change = n % 2 === 0
            ? { range: { start: { line, character }, end: { line, character } }, text: 'x' }
            : { range: { start: { line, character }, end: { line, character: character + 1 } }, text: '' };
          doc.applyChanges([change], n + 2);
          this.analyse(doc, index, config);
        } catch (e) {
          return this.stop(`editing path not warmed up: ${messageOf(e)}`);
        }
        if (n + 1 < this.edits) return this.defer(() => step(n + 1));
        const ms = Math.round(performance.now() - started);
        this.stop(`editing path warmed up: ${this.edits} edits of a ${lineCount}-line module in ${ms} ms`);
      };
      this.defer(() => step(0));
    } catch (e) {
      this.stop(`editing path not warmed up: ${messageOf(e)}`);
    }
  }

  /** A real edit came (or the session ends): the warm-up is over, whatever it reached, or never starts. */
  cancel(): void {
    if (this.state === 'running') this.stop();
    else this.state = 'done';
  }

  get finished(): boolean {
    return this.state === 'done';
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

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface WarmupOptions {
  /** How many edits (the session's: WARMUP_EDITS). */
  edits?: number;
  /** Where the next edit is scheduled (the session's: the next turn of the event loop; tests run them by hand). */
  defer?: (next: () => void) => void;
}

/** As many edits as it took `bench/lsp.mjs`'s module to reach its steady state, with some to spare. */
const WARMUP_EDITS = 30;
const VIEW_BLOCKS = 110;
// Never a file of any workspace: the index above is the warm-up's own, and nothing reads these from disk.
const MODELS_URI = 'file:///djperf-warmup/app/models.py';
const VIEWS_URI = 'file:///djperf-warmup/app/views.py';

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
 * and a thread hop in async views, a comprehension over a related manager), `blocks` times over, and the lines to
 * edit: each block's first body line (`rows = []`), edited at its 9th character as a user would type inside a name.
 */
export function warmupViews(blocks: number): { text: string; editLines: number[]; lineCount: number } {
  const lines = ['import requests', 'from asgiref.sync import sync_to_async', 'from django.db import transaction', 'from .models import Order', ''];
  const editLines: number[] = [];
  for (let i = 0; i < blocks; i++) {
    const block = [
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
    ];
    editLines.push(lines.length + 1);
    lines.push(...block);
  }
  return { text: `${lines.join('\n')}\n`, editLines, lineCount: lines.length };
}
