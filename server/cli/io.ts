/** What a CLI command may touch of the outside world; tests pass a fake one. */
export interface CliIO {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): string;
  isTTY: boolean;
  cwd: string;
}
