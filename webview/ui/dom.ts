/**
 * Tiny DOM builder. Text goes through `textContent` only (profile data is not trusted HTML), and no inline `style`
 * attributes are written: the view's CSP has no 'unsafe-inline' for styles.
 */
type Child = Node | string | null | undefined | false;
type Props = Record<string, string | number | boolean | undefined | null>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'style') throw new Error('inline styles are blocked by the CSP; use a class');
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`djperf simulator: #${id} is missing`);
  return el as T;
}

/** 3 significant-ish digits: 0.42 ms, 4.2 ms, 42 ms, 420 ms, 4,200 ms. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v < 1) return `${v.toFixed(2)} ms`;
  if (v < 10) return `${v.toFixed(1)} ms`;
  return `${Math.round(v).toLocaleString('en-US')} ms`;
}

export function rate(v: number): string {
  return `${v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} req/s`;
}

export function pct(v: number): string {
  return `${(v * 100).toFixed(v < 0.01 && v > 0 ? 2 : 1)} %`;
}

/** Signed relative change, "−83 %" / "+40 %". */
export function change(before: number, after: number): string {
  if (!(before > 0)) return '';
  const d = (after - before) / before;
  const sign = d < 0 ? '−' : '+';
  return `${sign}${Math.abs(Math.round(d * 100))} %`;
}
