// Percentiles of the language-server benchmarks' samples, and the medians of the server's own phases.

/** The `p`th percentile of `values` (nearest rank). */
export function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** Medians of the server's phases over the last `n` analyses (djperf/debugDocumentStats), as `reparse / copy / facts / rules`. */
export function phaseMedians(stats, n) {
  return ['reparse', 'copy', 'facts', 'rules'].map((k) => pct(stats.serverPhases[k].slice(-n), 50).toFixed(1)).join(' / ');
}
