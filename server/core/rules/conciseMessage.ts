/**
 * The one-line message of a finding (Problems panel, CLI text, annotations), built in one place from what every
 * rule already gives: its full message and its structured cost. Like Ruff's and ESLint's messages it says the gist
 * and the cost in at most MAX_MESSAGE characters; the full message stays the finding's detail (hover, JSON, SARIF).
 *
 * The gist is the full message's first sentence, or as much of it as fits with the cost: whole clauses, else whole
 * words and an ellipsis, cut only outside code, brackets and quotes (so no word, code or bracket is cut in half).
 * When not even that fits, the rule's own summary is used the same way.
 */
import { clipWords } from '../text/clip';
import { formatQueryCost, type Cost, type RuleMeta } from './types';

export const MAX_MESSAGE = 120;

/** Two significant digits, as the hover says it. */
function roughly(ms: number): string {
  if (ms < 10) return String(Math.round(ms * 10) / 10);
  const unit = 10 ** (Math.floor(Math.log10(ms)) - 1);
  return String(Math.round(ms / unit) * unit);
}

/** The cost in a few words: `1 + 2N queries`, `lock held ≈ 310 ms`, `blocks ≈ 300 ms`, `3 thread hops`. */
export function costLabel(cost: Cost | undefined): string {
  if (!cost) return '';
  switch (cost.kind) {
    case 'queries': return formatQueryCost(cost);
    case 'lock':
      if (cost.taken === false) return 'no row lock taken';
      return cost.estimatedHoldMs !== undefined ? `row lock held ≈ ${roughly(cost.estimatedHoldMs)} ms` : '';
    case 'blocking':
      if (cost.threadHops) return `${cost.threadHops} thread hop${cost.threadHops === 1 ? '' : 's'} per call`;
      return cost.estimatedMs !== undefined ? `blocks ≈ ${roughly(cost.estimatedMs)} ms` : '';
  }
}

type Boundary = { at: number; kind: 'sentence' | 'clause' | 'word' };

/**
 * Where the text may be cut, outside code, brackets and quotes: `sentence` at ". " and "; " (the remedy usually
 * follows), `clause` at ": " and " — ", `word` at any other space. `at` is where the separator starts.
 */
function boundaries(text: string, limit: number): Boundary[] {
  const out: Boundary[] = [];
  // Only cuts within `limit` can be used: a message may hold thousands of characters (deeply nested loops).
  const end = Math.min(text.length, limit + 1);
  let depth = 0;
  let code = false;
  let quote: string | null = null;
  for (let i = 0; i < end; i++) {
    const c = text[i];
    if (code) { if (c === '`') code = false; continue; }
    if (quote) { if (c === quote) quote = null; continue; }
    if (c === '`') { code = true; continue; }
    // A double quote opens a quotation only at a word start.
    if (c === '"' && (i === 0 || /[\s(=]/.test(text[i - 1]))) { quote = c; continue; }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    if (depth > 0) continue;
    const next = text[i + 1];
    if ((c === '.' || c === ';') && next === ' ') out.push({ at: i, kind: 'sentence' });
    else if (c === ':' && next === ' ') out.push({ at: i, kind: 'clause' });
    else if (c === ' ' && text.startsWith(' — ', i)) out.push({ at: i, kind: 'clause' });
    else if (c === ' ') out.push({ at: i, kind: 'word' });
  }
  return out;
}

const tidy = (s: string): string => s.trim().replace(/[\s.,;:—]+$/, '');

/**
 * The gist of `text` in at most `max` characters, from its first sentence: whole clauses when they say enough,
 * else whole words and an ellipsis; '' when not even a few words fit.
 */
function leadingGist(text: string, max: number): string {
  const cuts = boundaries(text, max);
  const sentenceEnd = cuts.find((b) => b.kind === 'sentence')?.at ?? text.length;
  const sentence = sentenceEnd <= max + 2 ? tidy(text.slice(0, sentenceEnd)) : '';
  if (sentence && sentence.length <= max) return sentence;
  let clauses = '';
  let words = '';
  for (const b of cuts) {
    if (b.at >= sentenceEnd) break;
    const head = tidy(text.slice(0, b.at));
    if (head.length <= max && b.kind === 'clause') clauses = head;
    if (head.length <= max - 1) words = head;
  }
  if (clauses && clauses.length >= 0.6 * words.length) return clauses;
  return words.length >= 20 ? `${words}…` : clauses;
}

/** A finding's one-line message: its gist and its cost, at most `max` characters. */
export function conciseMessage(full: string, cost: Cost | undefined, meta: Pick<RuleMeta, 'summary'>, max = MAX_MESSAGE): string {
  const line = full.replace(/\s+/g, ' ').trim();
  const label = costLabel(cost);
  const states = (s: string): boolean => label === '' || s.includes(label) ||
    (cost?.kind === 'queries' && /\d \+ \d*[NMKL]/.test(s)) || (cost?.kind === 'blocking' && (cost.threadHops ? /\bhops?\b/ : /≈ [\d.]+ m?s\b/).test(s));
  if (line.length <= max && states(line)) return line;
  const withCost = (gist: string): string => (states(gist) ? gist : `${gist} (${label})`);
  const room = max - (label ? label.length + 3 : 0);
  for (const source of [line, meta.summary]) {
    const own = leadingGist(source, max);
    if (own && states(own)) return own;
    const gist = leadingGist(source, room);
    if (gist) return withCost(gist);
  }
  return withCost(clipWords(tidy(meta.summary), room));
}

/**
 * `message` (one line) and `detail` (the full text, when longer) of a reported finding; `where` says where
 * off-request code runs ("a Celery task"), kept in both when it fits.
 */
export function reportedText(
  full: string, cost: Cost | undefined, meta: Pick<RuleMeta, 'summary'>, where?: string, shortWhere?: string,
): { message: string; detail?: string } {
  const suffix = where ? ` (runs in ${where})` : '';
  const detail = `${full}${suffix}`;
  // A long place (`code called from a management command (Command) in app/management/…`) goes whole in the detail only.
  const shortSuffix = where ? ` (runs in ${where.length <= 40 || !shortWhere ? where : shortWhere})` : '';
  const message = `${conciseMessage(full, cost, meta, MAX_MESSAGE - shortSuffix.length)}${shortSuffix}`;
  return message === detail ? { message } : { message, detail };
}
