/**
 * etcd's own PKI, apart from the cluster CA as kubeadm keeps it: pki/etcd/ca.{crt,key} signs the
 * members' serving (server.crt) and peer (peer.crt) certificates and the few clients etcd lets in —
 * the apiserver (pki/apiserver-etcd-client.crt) and the operator's tools (etcd/healthcheck-client.crt,
 * for `skiff etcd snapshot` and health checks). A client certificate of the cluster CA (every
 * kubelet, every user) is worthless against etcd, which trusts the etcd CA only.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, isCertificateUsable, issueCertificate } from './certificates.ts';
import { CA_VALIDITY_DAYS, ensurePair, LEAF_VALIDITY_DAYS, RENEW_BEFORE_DAYS } from './cluster-pki.ts';

/** Paths of the etcd PKI under a cluster's pki dir. */
export type EtcdPkiFiles = {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  peerCert: string;
  peerKey: string;
  /** The apiserver's client certificate (CN kube-apiserver-etcd-client, O system:masters, as kubeadm). */
  apiServerClientCert: string;
  apiServerClientKey: string;
  /** The operator's client certificate (CN kube-etcd-healthcheck-client): health checks, snapshots. */
  healthcheckClientCert: string;
  healthcheckClientKey: string;
};

export function etcdPkiFiles(pkiDir: string): EtcdPkiFiles {
  const etcd = join(pkiDir, 'etcd');
  return {
    caCert: join(etcd, 'ca.crt'),
    caKey: join(etcd, 'ca.key'),
    serverCert: join(etcd, 'server.crt'),
    serverKey: join(etcd, 'server.key'),
    peerCert: join(etcd, 'peer.crt'),
    peerKey: join(etcd, 'peer.key'),
    apiServerClientCert: join(pkiDir, 'apiserver-etcd-client.crt'),
    apiServerClientKey: join(pkiDir, 'apiserver-etcd-client.key'),
    healthcheckClientCert: join(etcd, 'healthcheck-client.crt'),
    healthcheckClientKey: join(etcd, 'healthcheck-client.key'),
  };
}

/** Names every member certificate carries besides the host's own: members and clients on this host. */
export const ETCD_LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '::1'];

/**
 * Makes `pkiDir/etcd` hold the etcd CA and this host's member and client certificates; existing
 * ones are kept unless near expiry, not signed by the etcd CA, or (server, peer) missing one of
 * `hosts` — the member's host names and IPs, loopback always added. Idempotent, like ensureClusterPki.
 */
export async function ensureEtcdPki(pkiDir: string, opts: { hosts: string[] }): Promise<EtcdPkiFiles> {
  const files = etcdPkiFiles(pkiDir);
  const dir = join(pkiDir, 'etcd');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await ensurePair(
    dir,
    'ca',
    () => true,
    () => createCertificateAuthority('etcd-ca', CA_VALIDITY_DAYS),
  );
  const hosts = [...new Set([...ETCD_LOOPBACK_HOSTS, ...opts.hosts])];
  const usable = (withHosts: boolean) => (pair: { cert: string }) =>
    isCertificateUsable(pair.cert, ca.cert, { minRemainingDays: RENEW_BEFORE_DAYS, ...(withHosts ? { hosts } : {}) });
  // kubeadm's server and peer certificates are both server-and-client: members dial each other with them.
  const member = (commonName: string) => () => issueCertificate(ca, { commonName, hosts, usage: 'server-and-client', validityDays: LEAF_VALIDITY_DAYS });
  const client = (commonName: string, organizations: string[]) => () =>
    issueCertificate(ca, { commonName, organizations, usage: 'client', validityDays: LEAF_VALIDITY_DAYS });
  await ensurePair(dir, 'server', usable(true), member(hosts.find((h) => !ETCD_LOOPBACK_HOSTS.includes(h)) ?? 'localhost'));
  await ensurePair(dir, 'peer', usable(true), member(hosts.find((h) => !ETCD_LOOPBACK_HOSTS.includes(h)) ?? 'localhost'));
  await ensurePair(pkiDir, 'apiserver-etcd-client', usable(false), client('kube-apiserver-etcd-client', ['system:masters']));
  await ensurePair(dir, 'healthcheck-client', usable(false), client('kube-etcd-healthcheck-client', []));
  return files;
}
