import { chainHash } from '@skiff/netfilter';

/**
 * Our chains' prefix. Not `SKIFF-`: kube-proxy --cleanup deletes every `SKIFF-` chain, and ours
 * must outlive a kube-proxy restart. iptables allows 28 characters per chain name.
 */
export const CHAIN_PREFIX = 'SKIFFNP-';
/** Jumped to first from filter FORWARD: pod-to-pod and pod-to-outside traffic. */
export const FORWARD_CHAIN = `${CHAIN_PREFIX}FORWARD`;
/** Jumped to first from filter INPUT: pod-to-node traffic (egress policy only). */
export const INPUT_CHAIN = `${CHAIN_PREFIX}INPUT`;

/** One chain per isolated pod and direction, one per policy's rules as resolved for a pod. */
export type ChainKind = 'I' | 'E' | 'P';

/**
 * 'I' + 'default/echo' → 'SKIFFNP-I-' + 16 hex digits of sha256 (64 bits: collisions among a
 * node's few thousand chains are not a concern). 26 characters.
 */
export function chainName(kind: ChainKind, key: string): string {
  return `${CHAIN_PREFIX}${kind}-${chainHash(key, 'hex', 16)}`;
}
