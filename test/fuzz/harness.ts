/**
 * Shared machinery of the fuzz suites: the real fixture files, the workspace each one belongs to, and one checked
 * analysis that asserts the robustness properties of issue 8 (no exception, no rule-failure notice, a bounded
 * analysis time, and fixes that never make a file less parseable).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tree } from '../../server/core/parsing/syntaxTree';
import { PythonParser } from '../../server/core/parsing/pythonParser';
import { LineMap } from '../../server/core/parsing/textDocument';
import { WorkspaceIndex } from '../../server/core/workspace/workspaceIndex';
import { extractFileFacts, mayHaveFacts, type FileFacts } from '../../server/core/workspace/fileFacts';
import { analyzeFile, type FileNotice, type ReportedFinding } from '../../server/core/analyzer';
import { defaultConfig, type DjperfConfig } from '../../server/core/config/config';
import { buildProfileReport } from '../../server/core/profiles/build';
import type { ProfileReport } from '../../server/core/profiles/types';
import type { WorkspaceFacts } from '../../server/core/rules/context';
import type { Fix } from '../../server/core/rules/types';
import { REPO_ROOT } from '../harness/paths';
import { parser as sharedParser } from '../harness/applyFixes';

/**
 * A runaway guard, not a speed target: speed is measured by `npm run bench` (bench/hostile.mjs holds these inputs to
 * the 1 s analysis budget of issue 8). Timed assertions fail on a loaded machine; a walk that never ends does not pass this.
 */
export const RUNAWAY_GUARD_MS = 30_000;
/** The analysis budget of issue 8 (a file that takes a second to analyse is a bug), checked by bench/hostile.mjs. */
export const ANALYSE_BUDGET_MS = 1000;
/** Deep-nesting inputs are big; their parse gets more than the default budget so that the analysis is what is tested. */
export const BIG_PARSE_BUDGET_MS = 60_000;

export function parser(): Promise<PythonParser> {
  return sharedParser();
}

export interface Fixture {
  /** Absolute path. */
  file: string;
  /** The project the file belongs to (its workspace). */
  root: string;
  text: string;
}

function listPy(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listPy(full));
    else if (e.isFile() && e.name.endsWith('.py')) out.push(full);
  }
  return out.sort();
}

/** `test/fixtures/<kind>/<name>/…` and `examples/shop/…`: the folder a fixture's workspace is made of. */
function projectRootOf(file: string): string {
  const rel = path.relative(REPO_ROOT, file).split(path.sep);
  if (rel[0] === 'examples') return path.join(REPO_ROOT, rel[0], rel[1]);
  return path.join(REPO_ROOT, ...rel.slice(0, 4));
}

let fixtureCache: Fixture[] | undefined;
/** Every `.py` under test/fixtures/** and examples/shop/**, in a stable order. */
export function fixtures(): Fixture[] {
  fixtureCache ??= [...listPy(path.join(REPO_ROOT, 'test', 'fixtures')), ...listPy(path.join(REPO_ROOT, 'examples', 'shop'))].map((file) => ({
    file,
    root: projectRootOf(file),
    text: fs.readFileSync(file, 'utf8'),
  }));
  return fixtureCache;
}

interface Project {
  files: { path: string; text: string }[];
  facts: Map<string, FileFacts>;
}
const projects = new Map<string, Project>();

async function project(root: string): Promise<Project> {
  let p = projects.get(root);
  if (!p) {
    const ps = await parser();
    const files = fixtures().filter((f) => f.root === root).map((f) => ({ path: f.file, text: f.text }));
    const facts = new Map<string, FileFacts>();
    for (const f of files) {
      if (!mayHaveFacts(f.path, f.text)) continue;
      const tree = ps.parse(f.text);
      facts.set(f.path, extractFileFacts(tree, f.path, f.text));
    }
    p = { files, facts };
    projects.set(root, p);
  }
  return p;
}

export interface AnalyseOptions {
  /** The project whose models, settings and URLconfs form the workspace (default: the file's own folder, no facts). */
  root?: string;
  /** Also build endpoint profiles (DJP6xx) over the project with this file in it: slow, so opt-in. */
  profiles?: boolean;
  parseBudgetMs?: number;
  config?: DjperfConfig;
}

export interface CheckedAnalysis {
  findings: ReportedFinding[];
  notices: FileNotice[];
  /** ERROR and MISSING nodes of the analysed text. */
  errors: number;
  /** Their offsets: tree-sitter's error recovery is not monotone, so a fix inside one is not held to the count. */
  errorSpans: [number, number][];
  analyseMs: number;
  /** Time to index the file into its workspace (ms); 0 when the parse was abandoned. */
  indexMs: number;
  /** Undefined: the parse was abandoned (ParseTimeoutError), which is the budgeted outcome. */
  parsed: boolean;
}

/** ERROR and MISSING nodes of a tree (iterative: the trees here can be 10,000 levels deep). */
export function errorNodes(tree: Tree, spans?: [number, number][]): number {
  let count = 0;
  const stack = [tree.rootNode];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.isError || node.isMissing) {
      count++;
      spans?.push([node.startIndex, node.endIndex]);
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
  return count;
}

function describeInput(text: string): string {
  const head = text.length > 300 ? `${JSON.stringify(text.slice(0, 300))}… (${text.length} chars)` : JSON.stringify(text);
  return head;
}

/**
 * Parses `text` as file `uri`, indexes it into its project's workspace and runs every rule. Asserts: no exception,
 * no rule turned into a failure notice, the analysis (parse excluded) ends (RUNAWAY_GUARD_MS); its time is returned.
 */
export async function analyseChecked(uri: string, text: string, options: AnalyseOptions = {}): Promise<CheckedAnalysis> {
  const ps = await parser();
  const root = options.root ?? path.dirname(uri);
  const proj = await project(root);
  let tree: Tree;
  try {
    tree = ps.parse(text, options.parseBudgetMs);
  } catch (e) {
    if (e instanceof Error && e.name === 'ParseTimeoutError') return { findings: [], notices: [], errors: 0, errorSpans: [], analyseMs: 0, indexMs: 0, parsed: false };
    throw e;
  }
  const tIndex = performance.now();
  const index = new WorkspaceIndex();
  for (const [f, facts] of proj.facts) if (f !== uri) index.setFile(f, facts);
  if (mayHaveFacts(uri, text)) index.setFile(uri, extractFileFacts(tree, uri, text));
  const base = index.facts();
  const indexMs = performance.now() - tIndex;
  assert.ok(text.length > defaultConfig().maxFileSize || indexMs < RUNAWAY_GUARD_MS, `indexing ${path.basename(uri)} took ${indexMs.toFixed(0)} ms (runaway guard ${RUNAWAY_GUARD_MS} ms)\ninput: ${describeInput(text)}`);
  const config = options.config ?? defaultConfig();
  let report: ProfileReport | undefined;
  let profileParseMs = 0; // parse time is budgeted separately (ParseTimeoutError), not part of the analysis budget
  const workspace: WorkspaceFacts = options.profiles
    ? {
      ...base,
      profiles: () => (report ??= buildProfileReport({
        files: [...proj.files.filter((f) => f.path !== uri), { path: uri, text }],
        parse: (t) => {
          const p0 = performance.now();
          const pt = ps.parse(t, options.parseBudgetMs);
          profileParseMs += performance.now() - p0;
          return pt;
        },
        workspace: base,
        config,
        root,
      })),
    }
    : base;
  let result;
  const t0 = performance.now();
  try {
    result = analyzeFile({ uri, text, tree, lineMap: new LineMap(text) }, workspace, config, { relPath: path.relative(root, uri).split(path.sep).join('/') });
  } catch (e) {
    assert.fail(`analyzeFile threw ${e instanceof Error ? e.stack : String(e)}\ninput: ${describeInput(text)}`);
  }
  const analyseMs = performance.now() - t0 - profileParseMs;
  const failures = result.notices.filter((n) => n.level === 'error' || / failed: /.test(n.message));
  assert.deepEqual(failures.map((n) => n.message), [], `a rule failed on ${path.basename(uri)}\ninput: ${describeInput(text)}`);
  // The guard holds for what a host can hand over: files within the default max-file-size (2 MB). The
  // 10,000-level indented inputs are 50 MB; for them the property is no exception, no overflow, no rule failure.
  assert.ok(text.length > defaultConfig().maxFileSize || analyseMs < RUNAWAY_GUARD_MS, `analysing ${path.basename(uri)} took ${analyseMs.toFixed(0)} ms (runaway guard ${RUNAWAY_GUARD_MS} ms)\ninput: ${describeInput(text)}`);
  const errorSpans: [number, number][] = [];
  const errors = errorNodes(tree, errorSpans);
  return { findings: result.findings, notices: result.notices, errors, errorSpans, analyseMs, indexMs, parsed: true };
}

/** Applies one fix's edits (back to front); overlapping edits inside one fix are a bug of the fix. */
export function applyFix(text: string, fix: Fix): string {
  const map = new LineMap(text);
  const edits = fix.edits
    .map((e) => ({ start: map.offsetAt(e.range.start), end: map.offsetAt(e.range.end), newText: e.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  for (let i = 1; i < edits.length; i++) {
    const later = edits[i - 1];
    const earlier = edits[i];
    assert.ok(earlier.end <= later.start || (earlier.start === later.start && earlier.end === later.end && earlier.newText === later.newText) ||
      (earlier.start === earlier.end && later.start === later.end),
    `fix "${fix.message}" has overlapping edits`);
  }
  let out = text;
  let prev: { start: number; end: number; newText: string } | undefined;
  for (const e of edits) {
    if (prev && prev.start === e.start && prev.end === e.end && prev.newText === e.newText && e.start !== e.end) continue;
    out = out.slice(0, e.start) + e.newText + out.slice(e.end);
    prev = e;
  }
  return out;
}

/** ERROR/MISSING nodes of `text` (parse within the given budget). */
export async function errorsOf(text: string, budgetMs?: number): Promise<number> {
  const ps = await parser();
  const tree = ps.parse(text, budgetMs);
  return errorNodes(tree);
}

/**
 * Every fix of every finding, applied alone: a file that parsed cleanly must still parse cleanly, and on a broken
 * file a fix whose edits stay clear of the existing ERROR regions must not add syntax errors (an edit inside one
 * re-runs tree-sitter's error recovery, whose node count is not monotone). Returns how many fixes were checked.
 */
export async function checkEveryFix(uri: string, text: string, analysis: CheckedAnalysis, budgetMs?: number): Promise<number> {
  let checked = 0;
  const map = new LineMap(text);
  for (const f of analysis.findings) {
    for (const fix of f.fixes ?? []) {
      if (fix.edits.length === 0) continue;
      const fixed = applyFix(text, fix);
      const touchesError = fix.edits.some((e) => {
        const start = map.offsetAt(e.range.start);
        const end = map.offsetAt(e.range.end);
        return analysis.errorSpans.some(([s, t]) => start <= t && end >= s);
      });
      if (touchesError) {
        applyFix(text, fix);
        checked++;
        continue;
      }
      const after = await errorsOf(fixed, budgetMs);
      assert.ok(after <= analysis.errors,
        `${f.code} fix "${fix.message}" at ${f.range.start.line + 1}:${f.range.start.character + 1} of ${path.basename(uri)} ` +
        `left ${after} syntax errors (had ${analysis.errors})\nbefore: ${describeInput(text)}\nafter: ${describeInput(fixed)}`);
      checked++;
    }
  }
  return checked;
}
