import { createHash } from 'node:crypto';

/** Kubernetes' chain prefixes with our name; iptables allows 28 characters per chain. */
export const CHAIN_PREFIX = 'SKIFF-';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (standard alphabet, no padding). */
export function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** First 16 characters of base32(sha256(text)): 80 bits, collisions are not a concern. */
export function hashChainSuffix(text: string): string {
  return encodeBase32(createHash('sha256').update(text).digest()).slice(0, 16);
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
