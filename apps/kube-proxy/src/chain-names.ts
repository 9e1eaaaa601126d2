import { chainHash } from '@skiff/netfilter';

/** Kubernetes' chain prefixes with our name; iptables allows 28 characters per chain. */
export const CHAIN_PREFIX = 'SKIFF-';

export { encodeBase32 } from '@skiff/netfilter';

/** First 16 characters of base32(sha256(text)): 80 bits, collisions are not a concern. */
function hashChainSuffix(text: string): string {
  return chainHash(text, 'base32', 16);
}

/** 'default/web:http' + 'TCP' → 'SKIFF-SVC-XXXXXXXXXXXXXXXX'. */
export function serviceChainName(portKey: string, protocol: string): string {
  return `${CHAIN_PREFIX}SVC-${hashChainSuffix(portKey + protocol)}`;
}

/** External (NodePort/externalIP) entry for externalTrafficPolicy: Cluster. */
export function externalChainName(portKey: string, protocol: string): string {
  return `${CHAIN_PREFIX}EXT-${hashChainSuffix(portKey + protocol)}`;
}

/** External entry for externalTrafficPolicy: Local (only this node's endpoints). */
export function localChainName(portKey: string, protocol: string): string {
  return `${CHAIN_PREFIX}XLB-${hashChainSuffix(portKey + protocol)}`;
}

/** One chain per endpoint of a service port: the hash covers the endpoint 'ip:port' too. */
export function endpointChainName(portKey: string, protocol: string, endpoint: string): string {
  return `${CHAIN_PREFIX}SEP-${hashChainSuffix(portKey + protocol + endpoint)}`;
}
