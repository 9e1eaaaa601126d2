/**
 * The kernel side of host-gw routing: reads our routes (proto 211) with `ip route show`,
 * writes a whole sync with one `ip -force -batch -` process, and flushes them on cleanup.
 * Runs in --ip-netns when given (`ip -n <ns>`, so no extra process per namespace).
 */
import { runCommand, type CommandResult } from '@skiff/netfilter';
import { parseRouteList, planRouteBatch, ROUTE_PROTO, type PodRoute } from './host-gw.ts';

export interface RouteTableOptions {
  ipNetns?: string;
  /** Replaces spawning `ip` (tests). */
  run?: (args: string[], stdin?: string) => Promise<CommandResult>;
}

export interface RouteSyncResult {
  /** The batch lines run (empty when already in step). */
  lines: string[];
  /** Lines the kernel refused (e.g. a gateway not on a connected network), with its message. */
  errors: string;
}

export class RouteTable {
  readonly #opts: RouteTableOptions;

  constructor(opts: RouteTableOptions = {}) {
    this.#opts = opts;
  }

  /** Our routes as the kernel has them now. */
  async list(): Promise<PodRoute[]> {
    const r = await this.#ip(['-4', 'route', 'show', 'proto', String(ROUTE_PROTO)]);
    if (r.code !== 0) throw new Error(`ip route show proto ${ROUTE_PROTO}: ${r.stderr.trim()}`);
    return parseRouteList(r.stdout);
  }

  /**
   * Brings our routes to `desired` in one process. `-force` keeps going past a refused line so
   * one unreachable node does not block the routes to the others; its error is returned.
   */
  async sync(desired: readonly PodRoute[]): Promise<RouteSyncResult> {
    const lines = planRouteBatch(await this.list(), desired);
    if (lines.length === 0) return { lines, errors: '' };
    const r = await this.#ip(['-force', '-batch', '-'], lines.join('\n') + '\n');
    return { lines, errors: r.code === 0 ? '' : r.stderr.trim() || `ip -batch exited ${r.code}` };
  }

  /** Deletes every route with our protocol number, and nothing else. */
  async flush(): Promise<void> {
    const r = await this.#ip(['-4', 'route', 'flush', 'proto', String(ROUTE_PROTO)]);
    if (r.code !== 0) throw new Error(`ip route flush proto ${ROUTE_PROTO}: ${r.stderr.trim()}`);
  }

  #ip(args: string[], stdin?: string): Promise<CommandResult> {
    const full = this.#opts.ipNetns ? ['-n', this.#opts.ipNetns, ...args] : args;
    return this.#opts.run ? this.#opts.run(full, stdin) : runCommand('ip', full, stdin);
  }
}

/**
 * Turns on IPv4 forwarding for the node's network namespace: /proc/sys/net belongs to the
 * namespace of the process that opens it, so with --ip-netns the write happens inside it.
 */
export async function enableIPForwarding(ipNetns?: string): Promise<void> {
  const path = '/proc/sys/net/ipv4/ip_forward';
  const r = ipNetns ? await runCommand('ip', ['netns', 'exec', ipNetns, 'sh', '-c', `echo 1 > ${path}`]) : await runCommand('sh', ['-c', `echo 1 > ${path}`]);
  if (r.code !== 0) throw new Error(`enable ip_forward${ipNetns ? ` in ${ipNetns}` : ''}: ${r.stderr.trim()}`);
}
