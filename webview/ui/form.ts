/**
 * The what-if inputs: load, code (N, per-query ms, cache hit ratio) and server knobs. Every control has a visible
 * <label for>, a hint linked by aria-describedby, and is a native input/select (keyboard operable as is). Empty
 * code inputs mean "as profiled" (each endpoint keeps its own default, useful for the URLconf mix).
 */
import { h } from './dom';
import { LIMITS, WORKER_CLASSES, type WhatIfInputs } from './scenarioBuilder';

type NumKey = 'users' | 'thinkMs' | 'rate' | 'durationS' | 'rows' | 'queryMs' | 'cacheHitRatio' | 'workers' | 'threads' | 'dbPool';

/** `slider`: a bounded knob shown as a range input with its value beside it (an optional one starts "as profiled"). */
interface NumField { key: NumKey; label: string; hint: string; min: number; max: number; step: string; optional?: boolean; percent?: boolean; slider?: { max: number } }

const LOAD: NumField[] = [
  { key: 'users', label: 'Users', hint: `concurrent users (closed loop), ≤ ${LIMITS.users.toLocaleString('en-US')}`, min: 1, max: LIMITS.users, step: '1' },
  { key: 'thinkMs', label: 'Think time (ms)', hint: 'mean pause between a user\'s requests', min: 0, max: LIMITS.thinkMs, step: '50' },
  { key: 'rate', label: 'Arrival rate (req/s)', hint: `open load (Poisson arrivals), ≤ ${LIMITS.rate.toLocaleString('en-US')}`, min: 0.1, max: LIMITS.rate, step: '1' },
  { key: 'durationS', label: 'Duration (s)', hint: `simulated time, ≤ ${LIMITS.durationS}; at most ${LIMITS.requests.toLocaleString('en-US')} requests are simulated`, min: 1, max: LIMITS.durationS, step: '10' },
];
const CODE: NumField[] = [
  { key: 'rows', label: 'N (rows)', hint: 'rows per loop: the N of 1 + N queries', min: 0, max: LIMITS.rows, step: '1', optional: true },
  { key: 'queryMs', label: 'Per-query time (ms)', hint: 'database time of one query', min: 0, max: LIMITS.queryMs, step: '0.1', optional: true },
  { key: 'cacheHitRatio', label: 'Cache hit ratio (%)', hint: 'share of cache reads that hit', min: 0, max: 100, step: '1', optional: true, percent: true, slider: { max: 100 } },
];
const SERVER: NumField[] = [
  { key: 'workers', label: 'Workers', hint: `worker processes, ≤ ${LIMITS.workers}`, min: 1, max: LIMITS.workers, step: '1', slider: { max: LIMITS.workers } },
  { key: 'threads', label: 'Threads per worker', hint: 'gthread and waitress only; ≤ 64 here', min: 1, max: LIMITS.threads, step: '1', slider: { max: 64 } },
  { key: 'dbPool', label: 'DB pool per worker', hint: 'connections per worker process; empty: one per thread', min: 1, max: LIMITS.dbPool, step: '1', optional: true },
];
const ALL = [...LOAD, ...CODE, ...SERVER];

export type FormRead = { ok: true; inputs: WhatIfInputs } | { ok: false; field: string; error: string };

export interface FormHandle {
  root: HTMLElement;
  read(): FormRead;
  write(i: WhatIfInputs, asProfiled: Partial<Record<'rows' | 'queryMs' | 'cacheHitRatio', string>>): void;
  /** Says under an input why it does not apply here (null: its usual hint) and disables it when it does not. */
  explain(key: NumKey, note: string | null, applies: boolean): void;
}

export function buildForm(onChange: () => void, onReset: () => void): FormHandle {
  const numbers = new Map<NumKey, HTMLInputElement>();
  const rows = new Map<NumKey, HTMLElement>();
  const hints = new Map<NumKey, HTMLElement>();
  const shown = new Map<NumKey, HTMLOutputElement>();
  /** What a slider's value reads as, beside it and for screen readers (aria-valuetext). */
  const showValue = (f: NumField, asProfiled?: string): void => {
    const input = numbers.get(f.key)!;
    const out = shown.get(f.key);
    if (!out) return;
    const text = input.dataset.unset === 'true' ? (asProfiled ?? out.dataset.profiled ?? 'as profiled') : `${input.value}${f.percent ? ' %' : ''}`;
    if (asProfiled !== undefined) out.dataset.profiled = asProfiled;
    out.textContent = text;
    input.setAttribute('aria-valuetext', text);
  };
  const field = (f: NumField): HTMLElement => {
    const id = `in-${f.key}`;
    const input = f.slider
      ? h('input', { id, name: f.key, type: 'range', min: f.min, max: f.slider.max, step: f.step, 'aria-describedby': `${id}-hint` })
      : h('input', { id, name: f.key, type: 'number', inputmode: 'decimal', min: f.min, max: f.max, step: f.step, 'aria-describedby': `${id}-hint` });
    input.addEventListener('input', () => { delete input.dataset.unset; showValue(f); onChange(); });
    numbers.set(f.key, input);
    let control: HTMLElement = input;
    if (f.slider) {
      const out = h('output', { for: id, id: `${id}-value`, class: 'slider-value', 'aria-hidden': 'true' });
      shown.set(f.key, out);
      control = h('div', { class: 'slider' }, input, out);
    }
    const hint = h('span', { id: `${id}-hint`, class: 'hint', text: f.hint });
    hints.set(f.key, hint);
    const row = h('div', { class: 'field' }, h('label', { for: id, text: f.label }), control, hint);
    rows.set(f.key, row);
    return row;
  };
  const loadMode = h('select', { id: 'in-loadMode', name: 'loadMode', 'aria-describedby': 'in-loadMode-hint' },
    h('option', { value: 'closed', text: 'users with think time (closed)' }), h('option', { value: 'open', text: 'arrival rate (open)' }));
  const workerClass = h('select', { id: 'in-workerClass', name: 'workerClass', 'aria-describedby': 'in-workerClass-hint' },
    ...WORKER_CLASSES.map((c) => h('option', { value: c, text: c })));
  const selectRow = (el: HTMLSelectElement, label: string, hint: string): HTMLElement =>
    h('div', { class: 'field' }, h('label', { for: el.id, text: label }), el, h('span', { id: `${el.id}-hint`, class: 'hint', text: hint }));
  const sync = (): void => {
    const open = loadMode.value === 'open';
    rows.get('users')!.hidden = open;
    rows.get('thinkMs')!.hidden = open;
    rows.get('rate')!.hidden = !open;
    groupsRow.hidden = open;
    rows.get('threads')!.hidden = !(workerClass.value === 'gthread' || workerClass.value === 'waitress');
  };
  const groups = h('textarea', { id: 'in-groups', name: 'groups', rows: 3, 'aria-describedby': 'in-groups-hint',
    placeholder: 'browsers | 40 | 1000 | list, detail\nbuyers | 5 | 3000 | checkout' });
  groups.addEventListener('input', () => onChange());
  const groupsRow = h('div', { class: 'field' }, h('label', { for: 'in-groups', text: 'User groups' }), groups,
    h('span', { id: 'in-groups-hint', class: 'hint', text: 'optional, one per line: name | users | think ms | endpoints (empty: the whole mix); replaces Users and Think time' }));
  for (const el of [loadMode, workerClass]) el.addEventListener('change', () => { sync(); onChange(); });
  const reset = h('button', { type: 'button', id: 'reset-inputs', class: 'secondary', text: 'Reset to detected values' });
  reset.addEventListener('click', onReset);

  const root = h('form', { id: 'whatif', class: 'whatif', 'aria-label': 'What-if inputs' },
    h('fieldset', {}, h('legend', { text: 'Load' }), selectRow(loadMode, 'Load model', 'closed: users wait for answers; open: requests arrive regardless'), ...LOAD.map(field), groupsRow),
    h('fieldset', {}, h('legend', { text: 'Code' }), ...CODE.map(field)),
    h('fieldset', {}, h('legend', { text: 'Server' }), selectRow(workerClass, 'Worker class', 'gunicorn worker class (uvicorn: ASGI)'), ...SERVER.map(field)),
    reset,
  );
  root.addEventListener('submit', (ev) => ev.preventDefault());

  return {
    root,
    read(): FormRead {
      const out: Partial<Record<NumKey, number | null>> = {};
      for (const f of ALL) {
        const input = numbers.get(f.key)!;
        const raw = input.dataset.unset === 'true' ? '' : input.value.trim();
        input.removeAttribute('aria-invalid');
        if (raw === '' && f.optional) { out[f.key] = null; continue; }
        const v = Number(raw);
        const hidden = rows.get(f.key)!.hidden;
        if (raw === '' || !Number.isFinite(v)) {
          if (hidden) { out[f.key] = f.min; continue; }
          input.setAttribute('aria-invalid', 'true');
          return { ok: false, field: f.label, error: `${f.label}: enter a number` };
        }
        out[f.key] = f.percent ? v / 100 : v;
      }
      const cls = WORKER_CLASSES.find((c) => c === workerClass.value) ?? 'sync';
      return {
        ok: true,
        inputs: {
          loadMode: loadMode.value === 'open' ? 'open' : 'closed',
          users: out.users!, thinkMs: out.thinkMs!, rate: out.rate!, durationS: out.durationS!,
          rows: out.rows ?? null, queryMs: out.queryMs ?? null, cacheHitRatio: out.cacheHitRatio ?? null,
          workerClass: cls, workers: out.workers!, threads: out.threads!, dbPool: out.dbPool ?? null,
          ...(groups.value.trim() !== '' ? { groups: groups.value } : {}),
        },
      };
    },
    write(i, asProfiled) {
      loadMode.value = i.loadMode;
      workerClass.value = i.workerClass;
      groups.value = i.groups ?? '';
      for (const f of ALL) {
        const v = i[f.key];
        const input = numbers.get(f.key)!;
        input.value = v === null ? '' : String(f.percent ? Math.round(v * 1000) / 10 : v);
        input.removeAttribute('aria-invalid');
        const profiled = f.key === 'rows' || f.key === 'queryMs' || f.key === 'cacheHitRatio' ? asProfiled[f.key] ?? 'as profiled' : undefined;
        if (f.key === 'dbPool') input.placeholder = 'one per thread';
        else if (profiled !== undefined && !f.slider) input.placeholder = profiled;
        // A slider cannot be empty: "as profiled" is a flag until the user moves it.
        if (f.slider) {
          if (v === null) input.dataset.unset = 'true'; else delete input.dataset.unset;
          showValue(f, profiled ?? '');
        }
      }
      sync();
    },
    explain(key, note, applies) {
      const f = ALL.find((x) => x.key === key)!;
      const hint = hints.get(key)!;
      hint.textContent = note ?? f.hint;
      hint.classList.toggle('not-applied', !applies);
      numbers.get(key)!.disabled = !applies;
    },
  };
}
