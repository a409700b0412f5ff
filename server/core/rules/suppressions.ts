/**
 * Line-level suppressions, as ruff and flake8 users write them:
 * `# noqa` (everything), `# noqa: DJP101, DJP102`, `# djperf: ignore` and `# djperf: ignore[DJP101, DJP102]`.
 */
const NOQA = /#\s*noqa(?::\s*([A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?/i;
const DJPERF = /#\s*djperf:\s*ignore(?:\[([^\]]*)\])?/i;

export function isSuppressed(lineText: string, code: string): boolean {
  if (!lineText.includes('#')) return false;
  const d = DJPERF.exec(lineText);
  if (d) {
    if (d[1] === undefined) return true;
    if (d[1].split(/[\s,]+/).some((c) => c.trim().toUpperCase() === code)) return true;
  }
  const n = NOQA.exec(lineText);
  if (n) {
    if (n[1] === undefined) return true;
    if (n[1].split(/[\s,]+/).some((c) => c.trim().toUpperCase() === code)) return true;
  }
  return false;
}

/** The comment a "disable for this line" action appends (merging into an existing djperf ignore). */
export function suppressionEdit(lineText: string, code: string): { column: number; text: string; replaceTo?: number } {
  const d = DJPERF.exec(lineText);
  if (d && d[1] !== undefined && d.index !== undefined) {
    const start = d.index;
    const end = start + d[0].length;
    const codes = [...d[1].split(/[\s,]+/).filter(Boolean), code];
    return { column: start, replaceTo: end, text: `# djperf: ignore[${codes.join(', ')}]` };
  }
  const trimmed = lineText.replace(/\s+$/, '');
  return { column: trimmed.length, text: `  # djperf: ignore[${code}]` };
}
