export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * kube's FitError message: "0/3 nodes are available: 1 node(s) didn't match Pod's node
 * affinity/selector, 2 Insufficient cpu." — one "<count> <reason>" per reason, sorted as
 * strings (so "10 x" sorts before "2 y", exactly like kube's sort.Strings).
 */
export function formatFitError(numAllNodes: number, reasons: ReadonlyMap<string, number>): string {
  if (numAllNodes === 0) return NO_NODES_AVAILABLE;
  const parts: string[] = [];
  for (const [reason, count] of reasons) parts.push(`${count} ${reason}`);
  parts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `0/${numAllNodes} nodes are available: ${parts.join(', ')}.`;
}
