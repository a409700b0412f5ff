/**
 * Drives the VS Code workbench of a code-server page the way a user does (keyboard, mouse) and reads back what a
 * user sees (Problems panel rows, squiggles, hovers, notifications, the language status). Waits are generous
 * polls; nothing asserts on elapsed time.
 */
import type { Frame, Locator, Page } from 'playwright-core';

export interface ProblemRow {
  severity: string;
  message: string;
  source: string;
  code: string;
  href: string | null;
  line: number;
  column: number;
}

export interface Squiggle {
  kind: string;
  /** The text under the squiggle. */
  text: string;
  startColumn: number;
}

/** Thrown by a probe to stop polling at once (a definite failure, not a "not yet"). */
export class PollAbort extends Error {}

/** Polls `probe` until it returns a value other than undefined/false; throws `what` (and the last value) on timeout. */
export async function poll<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (e) {
      if (e instanceof PollAbort) throw e;
      last = e instanceof Error ? e.message : e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last !== undefined && last !== false ? ` (last: ${String(last).slice(0, 500)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export class Workbench {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await this.page.waitForSelector('.monaco-workbench', { timeout: 90_000 });
    await this.page.waitForSelector('.part.statusbar', { timeout: 60_000 });
    await this.page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout: 60_000 });
  }

  // ---- commands, files, navigation --------------------------------------------------------------------------

  private async quickInput(prefix: string, text: string, pick: (row: { label: string; aria: string }) => boolean, what: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await poll(`the quick input for ${what}`, async () => {
      if (!(await input.isVisible())) {
        await this.page.keyboard.press(prefix === '>' ? 'Control+Shift+P' : 'Control+P');
        await this.page.waitForTimeout(300);
      }
      return input.isVisible();
    }, 20_000, 300);
    await input.fill(prefix + text);
    const rows = this.page.locator('.quick-input-widget .quick-input-list .monaco-list-row');
    // Results arrive in waves (history, then file search): wait until the pick is there and stays put.
    let previous = '';
    const id = await poll(`"${what}" in the quick input`, async () => {
      const labels = await rows.evaluateAll((els) => els.map((e) => ({
        label: (e.querySelector('.label-name')?.textContent ?? '').replace(/\u00a0/g, ' ').trim(),
        aria: e.getAttribute('aria-label') ?? e.textContent ?? '',
        id: e.id,
        focused: e.classList.contains('focused'),
      })));
      const hit = labels.find((l) => pick(l));
      const key = JSON.stringify(labels);
      const stable = key === previous;
      previous = key;
      return hit && stable ? { id: hit.id, focused: hit.focused } : undefined;
    }, 20_000, 250);
    if (id.focused) await this.page.keyboard.press('Enter');
    else await this.page.locator(`.quick-input-widget [id="${id.id}"]`).click();
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
  }

  /** Runs a command from the command palette by its full title ("djperf: Restart Server", "Fix All"). */
  async command(title: string): Promise<void> {
    await this.quickInput('>', title, (r) => r.label.toLowerCase() === title.toLowerCase(), title);
  }

  /** Opens a workspace file with Quick Open (Ctrl+P) and waits until its editor is active (breadcrumbs = its path). */
  async openFile(rel: string): Promise<void> {
    const parts = rel.split('/');
    const base = parts[parts.length - 1];
    const folder = parts.slice(0, -1).join('/');
    const active = async (): Promise<boolean> => {
      const crumbs = await this.page.locator('.editor-group-container.active .breadcrumbs-control .monaco-breadcrumb-item')
        .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim())).catch(() => [] as string[]);
      return crumbs.join('/').endsWith(rel) || (parts.length === 1 && crumbs[crumbs.length - 1] === base);
    };
    for (let attempt = 1; !(await active()); attempt++) {
      if (attempt > 3) throw new Error(`could not open ${rel} with Quick Open`);
      await this.focusEditor();
      await this.quickInput('', rel, (r) => r.label === base && r.aria.includes(folder), rel);
      await poll(`the editor of ${rel}`, active, 15_000).catch(() => undefined);
    }
    await this.editor().locator('.view-lines').waitFor({ timeout: 30_000 });
    await this.focusEditor();
  }

  async focusEditor(): Promise<void> {
    await this.page.keyboard.press('Control+1');
    await this.page.waitForTimeout(150);
  }

  /** Ctrl+G line:column (1-based), cursor there, editor focused. */
  async goTo(line: number, column = 1): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+G');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(`:${line}:${column}`);
    await this.page.waitForTimeout(150);
    await this.page.keyboard.press('Enter');
    await this.page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    await poll(`the cursor at ${line}:${column}`, async () => {
      const t = await this.page.locator('#status\\.editor\\.selection').textContent().catch(() => '');
      return (t ?? '').includes(`Ln ${line}, Col ${column}`);
    }, 10_000);
  }

  async save(): Promise<void> {
    await this.focusEditor();
    await this.page.keyboard.press('Control+S');
    await poll('the active tab to be saved', async () => !(await this.page.locator('.tabs-container .tab.active.dirty').count()), 15_000);
  }

  /** Types text key by key (the user settings switch off auto-indent, auto-closing and suggestions). */
  async type(text: string): Promise<void> {
    await this.page.keyboard.type(text, { delay: 15 });
  }

  // ---- Problems panel ------------------------------------------------------------------------------------------

  async showProblems(): Promise<void> {
    if (!(await this.page.locator('.markers-panel').isVisible().catch(() => false))) {
      await this.command('Problems: Focus on Problems View');
    }
    await this.page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 15_000 });
  }

  /** Sets the Problems filter (a glob like `** /catalog/views.py` or text); empty clears it. */
  async filterProblems(filter: string): Promise<void> {
    await this.showProblems();
    const input = this.page.locator('.markers-panel-action-filter input, .viewpane-filter input').first();
    await input.fill(filter);
    await this.page.waitForTimeout(400);
  }

  /** Marker rows currently shown (with the filter applied); related-information rows are left out. */
  async problemRows(): Promise<ProblemRow[]> {
    return this.page.locator('.markers-panel .monaco-list-row').evaluateAll((rows) => rows.flatMap((row) => {
      const message = row.querySelector('.marker-message');
      if (!message) return [];
      const link = row.querySelector<HTMLAnchorElement>('a.monaco-link');
      const code = row.querySelector('.marker-code')?.textContent ?? '';
      const lc = /Ln (\d+), Col (\d+)/.exec(row.querySelector('.marker-line')?.textContent ?? '');
      const icon = row.querySelector('.marker-icon');
      return [{
        severity: icon ? Array.from(icon.classList).filter((c) => c !== 'marker-icon').join(' ') : '',
        message: message.textContent ?? '',
        source: row.querySelector('.marker-source')?.textContent ?? '',
        code,
        href: link?.getAttribute('href') ?? null,
        line: lc ? Number(lc[1]) : -1,
        column: lc ? Number(lc[2]) : -1,
      }];
    }));
  }

  /** Problems of one file (`catalog/views.py`): filters the panel to it and reads the rows. */
  async problemsOf(rel: string): Promise<ProblemRow[]> {
    const filter = `**/${rel}`;
    const input = this.page.locator('.markers-panel-action-filter input, .viewpane-filter input').first();
    if (!(await this.page.locator('.markers-panel').isVisible().catch(() => false)) || (await input.inputValue().catch(() => '')) !== filter) {
      await this.filterProblems(filter);
    }
    return this.problemRows();
  }

  /**
   * Polls the Problems panel of `rel` until `ok` holds on two reads in a row that show the same rows; returns them.
   * One read can catch the panel's list half re-rendered (seen under CI load: a row twice), so one is not enough.
   */
  async waitForProblems(rel: string, what: string, ok: (rows: ProblemRow[]) => boolean, timeoutMs = 30_000): Promise<ProblemRow[]> {
    let last: ProblemRow[] = [];
    let previous = '';
    try {
      return await poll(what, async () => {
        last = await this.problemsOf(rel);
        const seen = JSON.stringify(last);
        const stable = seen === previous;
        previous = seen;
        return stable && ok(last) ? last : undefined;
      }, timeoutMs, 250);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nProblems of ${rel} at the end: ${JSON.stringify(last.map((r) => `${r.code}@${r.line}:${r.column}`))}`);
    }
  }

  /** "N problems in file X of folder Y" of every file group (the panel's groups collapsed, filter cleared). */
  async problemCountsPerFile(): Promise<Record<string, number>> {
    await this.filterProblems('');
    await this.page.locator('.part.panel .markers-panel').waitFor({ state: 'visible', timeout: 10_000 }).catch(() => undefined);
    await this.page.locator('.part.panel a.action-label[aria-label="Collapse All"]').filter({ visible: true }).first().click();
    await this.page.waitForTimeout(300);
    const labels = await this.page.locator('.markers-panel .monaco-list-row[aria-level="1"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
    const out: Record<string, number> = {};
    for (const l of labels) {
      const m = /^(\d+) problems? in file (.+?)(?: of folder (.+))?$/.exec(l);
      if (m) out[m[3] ? `${m[3]}/${m[2]}` : m[2]] = Number(m[1]);
    }
    return out;
  }

  // ---- the editor: squiggles, hover, quick fix -----------------------------------------------------------------

  /** The text editor of the active editor group (hidden editors of other tabs stay in the DOM). */
  editor(): Locator {
    return this.page.locator('.editor-group-container.active .editor-instance .monaco-editor').filter({ visible: true }).first();
  }

  /** Squiggles on a (visible) line, with the text under each; reveals the line first. */
  async squigglesOn(line: number): Promise<Squiggle[]> {
    return this.editor().evaluate((ed, lineNo) => {
      const margin = Array.from(ed.querySelectorAll<HTMLElement>('.margin-view-overlays > div')).find((d) => d.querySelector('.line-numbers')?.textContent?.trim() === String(lineNo));
      if (!margin) throw new Error(`line ${lineNo} is not rendered`);
      const top = margin.style.top;
      const viewLine = Array.from(ed.querySelectorAll<HTMLElement>('.view-lines .view-line')).find((d) => d.style.top === top);
      const overlay = Array.from(ed.querySelectorAll<HTMLElement>('.view-overlays > div')).find((d) => d.style.top === top);
      if (!viewLine || !overlay) return [];
      const text = (viewLine.textContent ?? '').replace(/\u00a0/g, ' ');
      const span = viewLine.firstElementChild as HTMLElement;
      const charWidth = span.getBoundingClientRect().width / Math.max(1, text.length);
      return Array.from(overlay.querySelectorAll<HTMLElement>('[class*="squiggly-"]')).map((s) => {
        const left = parseFloat(s.style.left);
        const width = parseFloat(s.style.width);
        const start = Math.round(left / charWidth);
        const end = Math.round((left + width) / charWidth);
        return { kind: Array.from(s.classList).find((c) => c.startsWith('squiggly-')) ?? '', text: text.slice(start, end), startColumn: start + 1 };
      });
    }, line);
  }

  /** The text of a rendered line (1-based). */
  async lineText(line: number): Promise<string> {
    return this.editor().evaluate((ed, lineNo) => {
      const margin = Array.from(ed.querySelectorAll<HTMLElement>('.margin-view-overlays > div')).find((d) => d.querySelector('.line-numbers')?.textContent?.trim() === String(lineNo));
      if (!margin) throw new Error(`line ${lineNo} is not rendered`);
      const viewLine = Array.from(ed.querySelectorAll<HTMLElement>('.view-lines .view-line')).find((d) => d.style.top === margin.style.top);
      return (viewLine?.textContent ?? '').replace(/\u00a0/g, ' ');
    }, line);
  }

  /** Moves the mouse over the first squiggle of `line` and returns the hover's text once it shows `expect`. */
  async hoverSquiggle(line: number, expect: RegExp): Promise<{ text: string; hover: Locator }> {
    const box = await this.editor().evaluate((ed, lineNo) => {
      const margin = Array.from(ed.querySelectorAll<HTMLElement>('.margin-view-overlays > div')).find((d) => d.querySelector('.line-numbers')?.textContent?.trim() === String(lineNo));
      const overlay = margin && Array.from(ed.querySelectorAll<HTMLElement>('.view-overlays > div')).find((d) => d.style.top === margin.style.top);
      const s = overlay?.querySelector<HTMLElement>('[class*="squiggly-"]');
      if (!s) return null;
      const r = s.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 - 6 };
    }, line);
    if (!box) throw new Error(`no squiggle on line ${line} to hover`);
    const hover = this.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: expect }).first();
    const text = await poll(`a hover matching ${expect} over line ${line}`, async () => {
      await this.page.mouse.move(box.x - 3, box.y);
      await this.page.mouse.move(box.x, box.y, { steps: 3 });
      await hover.waitFor({ state: 'visible', timeout: 3000 }).catch(() => undefined);
      return (await hover.isVisible()) ? await hover.innerText() : undefined;
    }, 30_000, 500);
    return { text, hover };
  }

  /**
   * Clicks the CodeLens link (text matching `re`) shown directly above `line` of the active editor, once it is there;
   * returns its text and title. Finding and clicking are retried together: the server refreshes CodeLens when the
   * background scan ends, and Monaco then renders new links with new ids, so a link found earlier may be gone.
   */
  async clickCodeLensAbove(line: number, re: RegExp, timeoutMs = 60_000): Promise<{ text: string; title: string }> {
    return poll(`a CodeLens matching ${re} directly above line ${line}, clicked`, async () => {
      const found = await this.editor().evaluate((ed, [lineNo, source, flags]) => {
        const pattern = new RegExp(source as string, flags as string);
        const margin = Array.from(ed.querySelectorAll<HTMLElement>('.margin-view-overlays > div')).find((d) => d.querySelector('.line-numbers')?.textContent?.trim() === String(lineNo));
        if (!margin) return undefined;
        const top = margin.getBoundingClientRect().top;
        const lens = Array.from(ed.querySelectorAll<HTMLAnchorElement>('.codelens-decoration a')).find((a) => {
          const r = a.getBoundingClientRect();
          return r.height > 0 && pattern.test(a.textContent ?? '') && r.bottom <= top + 2 && top - r.bottom < 40;
        });
        return lens?.id ? { id: lens.id, text: lens.textContent ?? '', title: lens.getAttribute('title') ?? '' } : undefined;
      }, [line, re.source, re.flags] as const);
      if (!found) return undefined;
      const clicked = await this.editor().locator(`[id="${found.id}"]`).click({ timeout: 3000 }).then(() => true, () => false);
      return clicked ? { text: found.text, title: found.title } : undefined;
    }, timeoutMs, 500);
  }

  /** Ctrl+. at the cursor: the titles of the quick fix menu. */
  async quickFixMenu(): Promise<string[]> {
    const rows = this.page.locator('.action-widget .monaco-list-row.action');
    return poll('the quick fix menu (Ctrl+.)', async () => {
      if (!(await rows.first().isVisible().catch(() => false))) {
        await this.page.keyboard.press('Control+.');
        await this.page.waitForTimeout(800);
      }
      const titles = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.textContent || ''));
      return titles.length > 0 ? titles : undefined;
    }, 20_000, 300);
  }

  /** Opens the quick fix menu and applies the first fix whose title matches, with the keyboard (arrows, Enter). */
  async pickQuickFix(title: (t: string) => boolean): Promise<string> {
    const titles = await this.quickFixMenu();
    if (!titles.some(title)) throw new Error(`no matching quick fix among: ${titles.join(' | ')}`);
    const focused = this.page.locator('.action-widget .monaco-list-row.action.focused');
    for (let i = 0; i <= titles.length + 2; i++) {
      const label = (await focused.getAttribute('aria-label').catch(() => null)) ?? '';
      if (title(label)) {
        await this.page.keyboard.press('Enter');
        await this.page.locator('.action-widget').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
        return label;
      }
      await this.page.keyboard.press('ArrowDown');
      await this.page.waitForTimeout(100);
    }
    throw new Error(`could not focus a matching quick fix among: ${titles.join(' | ')}`);
  }

  // ---- status, notifications -----------------------------------------------------------------------------------

  /** The language status entry's accessible label ("Editor Language Status: djperf, ready"). */
  async languageStatus(): Promise<string> {
    return (await this.page.locator('[id="status.languageStatus"]').getAttribute('aria-label').catch(() => null)) ?? '';
  }

  /** Text of the visible notification toasts (and of the notification center when open). */
  async notifications(): Promise<string[]> {
    return this.page.locator('.notification-list-item').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') || e.textContent || ''));
  }

  /** Every frame (webview iframes included) in which `selector` matches. */
  async framesWith(selector: string): Promise<Frame[]> {
    const out: Frame[] = [];
    for (const f of this.page.frames()) {
      if (await f.locator(selector).count().catch(() => 0)) out.push(f);
    }
    return out;
  }
}
