/** A one-line progress bar on stderr, only when stderr is a terminal (never in CI logs or pipes). */
export function progressBar(write: (s: string) => void, enabled: boolean, label: string): {
  update(done: number, total: number): void;
  finish(): void;
} {
  let last = -1;
  let shown = false;
  return {
    update(done, total) {
      if (!enabled || total < 20) return;
      const width = 30;
      const filled = Math.round((done / total) * width);
      if (filled === last && done !== total) return;
      last = filled;
      shown = true;
      write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
    },
    finish() {
      if (shown) write('\r\x1b[2K');
    },
  };
}
