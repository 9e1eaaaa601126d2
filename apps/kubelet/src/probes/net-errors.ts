/** Go-style wording for socket errors, so probe events read like the upstream kubelet's. */

const SYSCALL_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  ECONNRESET: 'read: connection reset by peer',
  EPIPE: 'write: broken pipe',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
};

/** `host:port`, with brackets around an IPv6 address. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `dial tcp 10.0.0.5:80: connect: connection refused` for a failed connection to `address`. */
export function describeDialError(address: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${address.replace(/:\d+$/, '')}: no such host`;
  if (code && SYSCALL_TEXT[code]) return `dial tcp ${address}: ${SYSCALL_TEXT[code]}`;
  return `dial tcp ${address}: ${err instanceof Error ? err.message : String(err)}`;
}
