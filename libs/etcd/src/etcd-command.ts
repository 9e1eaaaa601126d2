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
  /** Mutual TLS on both ports (https:// URLs); without it the member speaks plain HTTP. */
  tls?: EtcdMemberTls;
}

/**
 * A member's certificates, as kubeadm lays them out under pki/etcd/: the etcd CA verifies every
 * client and peer (--client-cert-auth, --peer-client-cert-auth), so only holders of an etcd-CA
 * certificate get in — not the cluster CA's users, not anyone without a certificate.
 */
export interface EtcdMemberTls {
  /** The etcd CA (ca.crt): trusted for clients and peers alike. */
  caFile: string;
  /** Serving certificate of the client port (server.crt/key). */
  certFile: string;
  keyFile: string;
  /** Certificate of the peer port, server and client at once (peer.crt/key). */
  peerCertFile: string;
  peerKeyFile: string;
}

function schemeOf(spec: EtcdMemberSpec): string {
  return spec.tls ? 'https' : 'http';
}

export function clientUrlOf(spec: EtcdMemberSpec): string {
  return `${schemeOf(spec)}://${formatHost(spec.host ?? '127.0.0.1')}:${spec.clientPort}`;
}

export function peerUrlOf(spec: EtcdMemberSpec): string {
  return `${schemeOf(spec)}://${formatHost(spec.host ?? '127.0.0.1')}:${spec.peerPort}`;
}

/** The command line for one etcd v3.4 member; with `tls`, clients and peers must show an etcd-CA certificate. */
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
    ...(spec.tls ? tlsArgs(spec.tls) : []),
  ];
  return { bin: findEtcdBinary(), args };
}

function tlsArgs(tls: EtcdMemberTls): string[] {
  return [
    '--client-cert-auth',
    `--trusted-ca-file=${tls.caFile}`,
    `--cert-file=${tls.certFile}`,
    `--key-file=${tls.keyFile}`,
    '--peer-client-cert-auth',
    `--peer-trusted-ca-file=${tls.caFile}`,
    `--peer-cert-file=${tls.peerCertFile}`,
    `--peer-key-file=${tls.peerKeyFile}`,
  ];
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
