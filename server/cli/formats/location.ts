import type { Position } from '../../core/parsing/textDocument';

/** 1-based row and column, as ruff and most terminals print them. */
export interface RowColumn {
  row: number;
  column: number;
}

export function toRowColumn(p: Position): RowColumn {
  return { row: p.line + 1, column: p.character + 1 };
}
