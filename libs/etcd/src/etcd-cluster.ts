import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { peerUrlOf, type EtcdMemberSpec, type EtcdMemberTls } from './etcd-command.ts';
import { EtcdMember } from './etcd-member.ts';

export interface EtcdClusterOptions {
  size: number;
  /** Member i keeps its data in dataRoot/etcd-i. */
  dataRoot: string;
  /** Member i listens for clients on basePort+2i and for peers on basePort+2i+1. */
  basePort: number;
  /** Member i logs to logDir/etcd-i.log (default: discarded). */
  logDir?: string;
  host?: string;
  startTimeoutMs?: number;
  /** Mutual TLS for every member (one certificate set: they all run on this host). */
  tls?: EtcdMemberTls;
}

export interface EtcdCluster {
  /** Client URLs of every member, in member order. */
  endpoints: string[];
  members: EtcdMember[];
  /** Stops every member (gracefully); data dirs stay (the caller owns dataRoot). */
  stop(): Promise<void>;
}

/** Starts a fresh etcd cluster of `size` members on one host and waits until all are healthy. */
export async function startEtcdCluster(opts: EtcdClusterOptions): Promise<EtcdCluster> {
  if (!Number.isInteger(opts.size) || opts.size < 1) {
    throw new Error(`etcd cluster size must be a positive integer, got ${opts.size}`);
  }
  const specs: EtcdMemberSpec[] = Array.from({ length: opts.size }, (_, i) => ({
    name: `etcd-${i}`,
    dataDir: join(opts.dataRoot, `etcd-${i}`),
    clientPort: opts.basePort + 2 * i,
    peerPort: opts.basePort + 2 * i + 1,
    host: opts.host,
    clusterState: 'new',
    // A token per base port keeps two test clusters on one host from ever merging.
    clusterToken: `skiff-${opts.basePort}`,
    ...(opts.tls ? { tls: opts.tls } : {}),
  }));
  const initialCluster = specs.map((spec) => `${spec.name}=${peerUrlOf(spec)}`).join(',');
  const members = specs.map((spec, i) => {
    // A fresh cluster must not find stale member data from an earlier run.
    rmSync(spec.dataDir, { recursive: true, force: true });
    return new EtcdMember(
      { ...spec, initialCluster },
      {
        logFile: opts.logDir ? join(opts.logDir, `etcd-${i}.log`) : undefined,
        startTimeoutMs: opts.startTimeoutMs,
      },
    );
  });
  const cluster: EtcdCluster = {
    endpoints: members.map((member) => member.clientUrl),
    members,
    async stop() {
      // One at a time: stopped together, a leader keeps trying to hand leadership to
      // peers that are themselves shutting down and takes seconds; in turn it is ~100 ms each.
      for (const member of members) await member.stop();
    },
  };
  // Members of a new cluster become healthy only once a quorum runs, so start them together.
  const started = await Promise.allSettled(members.map((member) => member.start()));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await Promise.all(members.map((member) => member.kill()));
    throw new Error('starting the etcd cluster failed', { cause: (failure as PromiseRejectedResult).reason });
  }
  return cluster;
}
