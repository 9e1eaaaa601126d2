import { findEtcdBinary } from './find-etcd-binary.ts';

export interface EtcdMemberSpec {
  /** Member name, unique in the cluster (also the key in initialCluster). */
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** Address both URLs listen on and advertise; default 127.0.0.1. */
  host?: string;
  /** 'a=http://127.0.0.1:2380,b=...'; default: this member alone. */
  initialCluster?: string;
  /** 'new' bootstraps; 'existing' joins. Ignored by etcd once dataDir holds a member. */
  clusterState?: 'new' | 'existing';
  /** Token separating clusters that share hosts; default 'skiff'. */
  clusterToken?: string;
}

export function clientUrlOf(spec: EtcdMemberSpec): string {
  return `http://${formatHost(spec.host ?? '127.0.0.1')}:${spec.clientPort}`;
}

export function peerUrlOf(spec: EtcdMemberSpec): string {
  return `http://${formatHost(spec.host ?? '127.0.0.1')}:${spec.peerPort}`;
}

/** The command line for one etcd v3.4 member (no TLS: members bind loopback or a private lab network). */
export function etcdCommand(spec: EtcdMemberSpec): { bin: string; args: string[] } {
  const clientUrl = clientUrlOf(spec);
  const peerUrl = peerUrlOf(spec);
  const args = [
    `--name=${spec.name}`,
    `--data-dir=${spec.dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${spec.initialCluster ?? `${spec.name}=${peerUrl}`}`,
    `--initial-cluster-state=${spec.clusterState ?? 'new'}`,
    `--initial-cluster-token=${spec.clusterToken ?? 'skiff'}`,
    // zap is the non-deprecated logger in 3.4; stderr ends up in the member's log file.
    '--logger=zap',
    '--log-outputs=stderr',
  ];
  return { bin: findEtcdBinary(), args };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
