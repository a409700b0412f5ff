/** Reads inline expectations: `# expect: DJP101, DJP102` (must be reported on this line), `# ok: DJP101` (a trap). */
export interface LineExpectations {
  expect: Map<number, Set<string>>;
  ok: Map<number, Set<string>>;
}

const EXPECT = /#.*?\bexpect:\s*([A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)/;
const OK = /#.*?\bok:\s*([A-Z]+\d+(?:\s*,\s*[A-Z]+\d+)*)/;

export function readExpectations(text: string): LineExpectations {
  const expect = new Map<number, Set<string>>();
  const ok = new Map<number, Set<string>>();
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const e = EXPECT.exec(line);
    if (e) expect.set(i, new Set(e[1].split(',').map((s) => s.trim())));
    const o = OK.exec(line);
    if (o) ok.set(i, new Set(o[1].split(',').map((s) => s.trim())));
  });
  return { expect, ok };
}

export interface Mismatch {
  file: string;
  line: number;
  code: string;
  message?: string;
}

export interface Comparison {
  missing: Mismatch[];
  noisy: Mismatch[];
  pendingSeen: Set<string>;
}

/**
 * Compares reported (file, line, code) triples with the expectations of one file. Codes that are not
 * implemented yet must be declared pending; their expectations are skipped, not silently dropped.
 */
export function compare(
  file: string, text: string, reported: { line: number; code: string; message: string }[],
  implemented: ReadonlySet<string>, pending: ReadonlySet<string>,
): Comparison & { undeclared: Mismatch[] } {
  const { expect } = readExpectations(text);
  const missing: Mismatch[] = [];
  const noisy: Mismatch[] = [];
  const undeclared: Mismatch[] = [];
  const pendingSeen = new Set<string>();
  for (const [line, codes] of expect) {
    for (const code of codes) {
      if (!implemented.has(code)) {
        if (pending.has(code)) pendingSeen.add(code);
        else undeclared.push({ file, line: line + 1, code });
        continue;
      }
      if (!reported.some((r) => r.line === line && r.code === code)) missing.push({ file, line: line + 1, code });
    }
  }
  for (const r of reported) {
    if (!expect.get(r.line)?.has(r.code)) noisy.push({ file, line: r.line + 1, code: r.code, message: r.message });
  }
  return { missing, noisy, pendingSeen, undeclared };
}

export function describeMismatches(title: string, list: Mismatch[]): string {
  if (list.length === 0) return '';
  return `${title}:\n${list.map((m) => `  ${m.file}:${m.line} ${m.code}${m.message ? ` — ${m.message}` : ''}`).join('\n')}\n`;
}
