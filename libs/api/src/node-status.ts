/**
 * Two questions many components ask of a Node: is it Ready, and what is its address of a type.
 */
import type { Node } from './types.ts';

/** True when the Ready condition is True (absent or Unknown is not ready). */
export function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** The node's first address of `type` ('InternalIP', 'ExternalIP', 'Hostname'), if it reports one. */
export function nodeAddress(node: Node, type: string): string | undefined {
  return node.status?.addresses?.find((a) => a.type === type)?.address;
}
