/**
 * Go's text/tabwriter as kubectl describe and rollout history configure it (minwidth 0,
 * padding 2, flags 0): a cell is text ending in a tab; the cells of one column align
 * across each run of adjacent lines that have a cell in that column, so a line without
 * tabs ("Pod Template:", "  Containers:") starts a new alignment block. Worked example:
 *
 *   "Name:\tweb\nReplicas:\t3\nPod Template:\n  Labels:\tapp=web\n"
 *   → "Name:      web\nReplicas:  3\nPod Template:\n  Labels:  app=web\n"
 */
const PADDING = 2;

export function tabbed(text: string): string {
  const trailingNewline = text.endsWith('\n');
  const lines = (trailingNewline ? text.slice(0, -1) : text).split('\n').map((l) => l.split('\t'));
  const out: string[] = lines.map(() => '');
  format(lines, out, 0, lines.length, []);
  return out.join('\n') + (trailingNewline ? '\n' : '');
}

/** Lays out lines [from, to) whose first `widths.length` columns already have their widths. */
function format(lines: string[][], out: string[], from: number, to: number, widths: number[]): void {
  const column = widths.length;
  let blockStart = from;
  for (let i = from; i < to; i++) {
    if (column >= lines[i].length - 1) continue;
    emit(lines, out, blockStart, i, widths);
    let width = 0;
    let end = i;
    for (; end < to && column < lines[end].length - 1; end++) width = Math.max(width, lines[end][column].length + PADDING);
    format(lines, out, i, end, [...widths, width]);
    blockStart = end;
    i = end - 1;
  }
  emit(lines, out, blockStart, to, widths);
}

function emit(lines: string[][], out: string[], from: number, to: number, widths: number[]): void {
  for (let i = from; i < to; i++) {
    if (out[i] !== '') continue;
    const cells = lines[i];
    out[i] = cells.map((cell, j) => (j < cells.length - 1 ? cell.padEnd(widths[j] ?? cell.length) : cell)).join('');
  }
}
