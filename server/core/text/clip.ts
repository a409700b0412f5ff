/**
 * Shortening text for messages without cutting a word or a token in half: prose is cut after a whole word, code
 * after a whole argument, with its brackets closed again, so a clipped `filter(a=1, b=Status.PENDING)` reads
 * `filter(a=1, …)` and never `filter(a=1, b=Status.PENDI`.
 */

/** At most `max` characters, cut after a whole word with an ellipsis (never mid-word, never ".."). */
export function clipWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s.,;:(]+$/, '')}…`;
}

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * One line of code in at most `max` characters (whitespace collapsed). Longer code is cut at the last argument or
 * opening bracket boundary outside a string that fits, then `…` and the closing brackets still open are added.
 */
export function clipCode(code: string, max: number): string {
  const text = code.replace(/\s+/g, ' ').trim();
  if (text.length <= max) return text;
  const stack: string[] = [];
  let quote: string | null = null;
  let best: { end: number; closers: string; afterComma: boolean } | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") { quote = c; continue; }
    if (c in CLOSER) stack.push(CLOSER[c]);
    else if (c === ')' || c === ']' || c === '}') stack.pop();
    if (c in CLOSER || c === ',') {
      const closers = [...stack].reverse().join('');
      const afterComma = c === ',';
      // prefix + (", " before the ellipsis after a comma) + "…" + closers
      if (i + 1 + (afterComma ? 1 : 0) + 1 + closers.length <= max) best = { end: i + 1, closers, afterComma };
      else break;
    }
  }
  if (!best) {
    // No boundary fits (one long name): keep whole dotted words.
    const words = text.slice(0, max - 1).replace(/[^.\s]*$/, '').replace(/[.\s]+$/, '');
    return words ? `${words}…` : `${text.slice(0, max - 1)}…`;
  }
  return `${text.slice(0, best.end)}${best.afterComma ? ' ' : ''}…${best.closers}`;
}
