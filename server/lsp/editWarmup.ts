import { analyzeFile } from '../core/analyzer';
import { defaultConfig, type DjperfConfig } from '../core/config/config';
import { ParsedDocument, type Position } from '../core/parsing/textDocument';
import type { PythonParser } from '../core/parsing/pythonParser';
import { extractFileFacts } from '../core/workspace/fileFacts';
import { WorkspaceIndex } from '../core/workspace/workspaceIndex';
import { toDiagnostic } from './diagnostics';

/**
 * Runs the editing path (incremental reparse, the reusing tree copy, the facts kept across versions, the rules, the
 * diagnostics) over modules of its own once the first workspace scan is done, so that V8 has compiled it before the
 * user's first keystrokes. Measured over a real stdio client (`bench/lsp.mjs`'s 2,000-line module), the first ~20
 * edits of a session took 25–35 ms against 15–20 ms afterwards, and a second module edited after them started at
 * the steady state: the cost is the code's, not the document's. A models module's edits take paths of their own
 * (a field renamed changes the workspace's model facts), so a models module is edited after the views one.
 * Nothing here touches the session: its own documents (on the session's parser), its own workspace index, no
 * diagnostics sent. It stops for good at the first real edit, or does not start after one (typing warms the path
 * up by itself), and does one step per turn of the event loop, after whatever messages are waiting: even the first
 * analysis, the slowest (V8 runs the rules in its interpreter), is of a small module that then grows by edits.
 */
export class EditWarmup {
  private state: 'idle' | 'running' | 'done' = 'idle';
  private readonly docs: ParsedDocument[] = [];
  /** Rule codes of the latest analysis and how many analyses ran: what the tests check the rules really ran on. */
  lastCodes: readonly string[] = [];
  analyses = 0;

  private readonly edits: number;
  private readonly modelEdits: number;
  private readonly defer: (next: () => void) => void;

  constructor(private readonly parser: PythonParser, private readonly log: (message: string) => void, options: WarmupOptions = {}) {
    this.edits = options.edits ?? WARMUP_EDITS;
    this.modelEdits = options.modelEdits ?? WARMUP_MODEL_EDITS;
    this.defer = options.defer ?? ((next) => setImmediate(next));
  }

  /** Starts once per session; later calls (every rescan) do nothing. Every step runs in a later turn of the event loop. */
  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    const started = performance.now();
    const views = warmupViews(VIEW_BLOCKS);
    const models = warmupModels(MODEL_CLASSES);
    const steps = this.plan(views, models);
    const run = (k: number): void => {
      if (this.state !== 'running') return;
      try {
        steps[k]();
      } catch (e) {
        return this.stop(`editing path not warmed up: ${messageOf(e)}`);
      }
      if (k + 1 < steps.length) return this.defer(() => run(k + 1));
      const ms = Math.round(performance.now() - started);
      this.stop(`editing path warmed up: ${this.edits} edits of a ${views.lineCount}-line views module and ${this.modelEdits} of a ${models.lineCount}-line models module in ${ms} ms`);
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

  /** The steps, one per turn of the event loop: open the views module small, grow it, edit it; then the models module. */
  private plan(views: WarmupModule, models: WarmupModule): (() => void)[] {
    const config = defaultConfig();
    const index = new WorkspaceIndex();
    let viewsDoc: ParsedDocument | undefined;
    let modelsDoc: ParsedDocument | undefined;
    let version = 1;
    const steps: (() => void)[] = [() => {
      index.setFile(BASE_MODELS_URI, extractFileFacts(this.parser.parse(BASE_MODELS), BASE_MODELS_URI, BASE_MODELS));
      viewsDoc = this.open(VIEWS_URI, views.textUpTo(START_BLOCKS));
      this.analyse(viewsDoc, index, config, 'app/views.py');
    }];
    for (let from = START_BLOCKS; from < VIEW_BLOCKS; from += GROW_BLOCKS) {
      const to = Math.min(VIEW_BLOCKS, from + GROW_BLOCKS);
      steps.push(() => {
        const end = { line: views.blockStart(from), character: 0 };
        viewsDoc!.applyChanges([{ range: { start: end, end }, text: views.blocksText(from, to) }], ++version);
        this.analyse(viewsDoc!, index, config, 'app/views.py');
      });
    }
    for (let n = 0; n < this.edits; n++) {
      steps.push(() => {
        viewsDoc!.applyChanges([typedOrTakenBack(views.editPoints, n)], ++version);
        this.analyse(viewsDoc!, index, config, 'app/views.py');
      });
    }
    if (this.modelEdits > 0) {
      steps.push(() => {
        modelsDoc = this.open(MODELS_URI, models.textUpTo(Infinity));
        this.analyse(modelsDoc, index, config, 'catalog/models.py');
      });
    }
    for (let n = 0; n < this.modelEdits; n++) {
      steps.push(() => {
        modelsDoc!.applyChanges([typedOrTakenBack(models.editPoints, n)], n + 2);
        this.analyse(modelsDoc!, index, config, 'catalog/models.py');
      });
    }
    return steps;
  }

  private open(uri: string, text: string): ParsedDocument {
    const doc = new ParsedDocument(this.parser, uri, text, 1);
    this.docs.push(doc);
    return doc;
  }

  private analyse(doc: ParsedDocument, index: WorkspaceIndex, config: DjperfConfig, relPath: string): void {
    const { uri, text, tree, lineMap } = doc;
    index.setFile(uri, extractFileFacts(tree, uri, text, { analyseNext: true }));
    const { findings } = analyzeFile({ uri, text, tree, lineMap }, index.facts(), config, { relPath });
    this.lastCodes = findings.map((f) => toDiagnostic(f, uri).code as string);
    this.analyses++;
  }

  private stop(message?: string): void {
    this.state = 'done';
    for (const doc of this.docs.splice(0)) doc.dispose();
    if (message) this.log(message);
  }
}

/**
 * The `n`th edit of a warm-up module: a character typed inside a name, then taken back on the same line, so the
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
  /** How many edits of the views module (the session's: WARMUP_EDITS). */
  edits?: number;
  /** How many edits of the models module (the session's: WARMUP_MODEL_EDITS; 0: the models module is not opened). */
  modelEdits?: number;
  /** Where the next step is scheduled (the session's: the next turn of the event loop; tests run them by hand). */
  defer?: (next: () => void) => void;
}

/** As many edits as it took `bench/lsp.mjs`'s module to reach its steady state, with some to spare. */
const WARMUP_EDITS = 30;
/** As many as it took DefectDojo's 1,700-line models module (`bench/lspRealProjects.mjs`) to reach its steady state. */
const WARMUP_MODEL_EDITS = 16;
const VIEW_BLOCKS = 110;
/** The views module is opened with this many blocks, then grows by GROW_BLOCKS per step. */
const START_BLOCKS = 10;
const GROW_BLOCKS = 25;
const MODEL_CLASSES = 30;
// Never a file of any workspace: the index above is the warm-up's own, and nothing reads these from disk.
const BASE_MODELS_URI = 'file:///djperf-warmup/app/models.py';
const MODELS_URI = 'file:///djperf-warmup/catalog/models.py';
const VIEWS_URI = 'file:///djperf-warmup/app/views.py';

/** A generated module: its lines, the text of its header and first blocks, where each block starts, where to edit. */
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

function generatedModule(header: readonly string[], blocks: readonly (readonly string[])[], editPoint: (blockStart: number) => Position): WarmupModule {
  const lines = [...header];
  const starts: number[] = [];
  for (const block of blocks) {
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
    editPoints: starts.map(editPoint),
  };
}

const BASE_MODELS = `from django.db import models


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
  return generatedModule(header, body, (start) => ({ line: start + 1, character: 8 }));
}

/**
 * A models module with what real ones hold (fields and relations, Meta, properties and methods that read related
 * rows, an overridden save), `classes` models over. Its edits are in each model's first field name, as a user
 * renaming a field would type: each one changes the workspace's model facts.
 */
export function warmupModels(classes: number): WarmupModule {
  const header = ['from django.db import models', 'from django.urls import reverse', '', '', 'class Label(models.Model):', '    text = models.CharField(max_length=30)', '', ''];
  const body = Array.from({ length: classes }, (_, i) => [
    `class Product${i}(models.Model):`,
    '    title = models.CharField(max_length=100)',
    `    owner = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="products_${i}")`,
    '    parent = models.ForeignKey("self", null=True, on_delete=models.SET_NULL, related_name="children")',
    `    labels = models.ManyToManyField(Label, related_name="products_${i}")`,
    '    price = models.IntegerField(default=0)',
    '    created = models.DateTimeField(auto_now_add=True)',
    '',
    '    class Meta:',
    '        ordering = ["-created"]',
    '',
    '    def __str__(self):',
    '        return self.title',
    '',
    '    def get_absolute_url(self):',
    `        return reverse("product-${i}", args=[self.pk])`,
    '',
    '    @property',
    '    def label_texts(self):',
    '        return [label.text for label in self.labels.all()]',
    '',
    '    def owners_of_siblings(self):',
    '        names = []',
    `        for sibling in Product${i}.objects.filter(parent=self.parent):`,
    '            names.append(sibling.owner.username)',
    '        return names',
    '',
    '    def save(self, *args, **kwargs):',
    '        self.price = max(self.price, 0)',
    '        super().save(*args, **kwargs)',
    '',
    '',
  ]);
  return generatedModule(header, body, (start) => ({ line: start + 1, character: 7 }));
}
