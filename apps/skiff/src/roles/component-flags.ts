/**
 * The command-line flags of every component, for every way Skiff starts it: `up` on one host, the
 * lab's netns nodes, `join`ed machines, the systemd units and the test harness. Nothing else spells
 * out component flags: callers describe the cluster, these functions say how each component hears it.
 */
import { join } from 'node:path';

/** Where a cluster keeps its certificates: ca.crt, apiserver.crt/key, encryption.key, ... */
export type PkiFiles = (file: string) => string;

export function pkiFilesIn(dir: string): PkiFiles {
  return (file) => join(dir, file);
}

export type ApiServerFlagOptions = {
  etcdServers: string[];
  bindAddress: string;
  securePort: number;
  advertiseAddress?: string;
  pki: PkiFiles;
  /**
   * The apiserver's client identities, issued by the launcher with the cluster PKI: towards kubelets
   * (logs, exec) and, as the aggregation layer's front proxy, towards extension apiservers.
   */
  kubeletClient?: boolean;
  /** The default not-ready/unreachable tolerations of pods (fast failover in the lab). */
  tolerationSeconds?: number;
  /** etcd wants mutual TLS: the etcd CA (etcd/ca.crt) and the apiserver-etcd-client certificate. */
  etcdTls?: boolean;
  /** --audit-log-path (rotation at kube-apiserver's CIS values: 100 MB, 10 files, 30 days, the flags' defaults). */
  auditLogPath?: string;
};

export function apiServerFlags(o: ApiServerFlagOptions): string[] {
  return [
    `--etcd-servers=${o.etcdServers.join(',')}`,
    ...(o.etcdTls
      ? [
          `--etcd-cafile=${o.pki('etcd/ca.crt')}`,
          `--etcd-certfile=${o.pki('apiserver-etcd-client.crt')}`,
          `--etcd-keyfile=${o.pki('apiserver-etcd-client.key')}`,
        ]
      : []),
    `--bind-address=${o.bindAddress}`,
    `--secure-port=${o.securePort}`,
    ...(o.advertiseAddress ? [`--advertise-address=${o.advertiseAddress}`] : []),
    `--tls-cert-file=${o.pki('apiserver.crt')}`,
    `--tls-private-key-file=${o.pki('apiserver.key')}`,
    `--client-ca-file=${o.pki('ca.crt')}`,
    `--encryption-key-file=${o.pki('encryption.key')}`,
    `--service-account-key-file=${o.pki('sa.pub')}`,
    `--service-account-signing-key-file=${o.pki('sa.key')}`,
    ...(o.kubeletClient
      ? [`--kubelet-client-certificate=${o.pki('apiserver-kubelet-client.crt')}`, `--kubelet-client-key=${o.pki('apiserver-kubelet-client.key')}`]
      : []),
    // Kubelets serve certificates from the cluster CA (issued by the launcher, or through the CSR flow on joined nodes): verified.
    ...(o.kubeletClient ? [`--kubelet-certificate-authority=${o.pki('ca.crt')}`] : []),
    ...(o.kubeletClient
      ? [
          `--proxy-client-cert-file=${o.pki('front-proxy-client.crt')}`,
          `--proxy-client-key-file=${o.pki('front-proxy-client.key')}`,
          `--requestheader-client-ca-file=${o.pki('front-proxy-ca.crt')}`,
          '--requestheader-allowed-names=front-proxy-client',
        ]
      : []),
    ...(o.auditLogPath ? [`--audit-log-path=${o.auditLogPath}`] : []),
    ...(o.tolerationSeconds !== undefined
      ? [`--default-not-ready-toleration-seconds=${o.tolerationSeconds}`, `--default-unreachable-toleration-seconds=${o.tolerationSeconds}`]
      : []),
  ];
}

export type ControllerManagerFlagOptions = {
  kubeconfig: string;
  metricsPort: number;
  leaderElect: boolean;
  clusterCidr?: string;
  /** The CSR signer's CA (cert and key), for `skiff join`'s node certificates. */
  signingPki?: PkiFiles;
  nodeMonitorGracePeriodSeconds?: number;
};

export function controllerManagerFlags(o: ControllerManagerFlagOptions): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--metrics-port=${o.metricsPort}`,
    `--leader-elect=${o.leaderElect}`,
    // The node-ipam controller hands each node a /24 of it: the kubelet's pod network.
    ...(o.clusterCidr ? [`--cluster-cidr=${o.clusterCidr}`] : []),
    ...(o.signingPki ? [`--cluster-signing-cert-file=${o.signingPki('ca.crt')}`, `--cluster-signing-key-file=${o.signingPki('ca.key')}`] : []),
    ...(o.signingPki ? [`--root-ca-file=${o.signingPki('ca.crt')}`, `--service-account-private-key-file=${o.signingPki('sa.key')}`] : []),
    ...(o.nodeMonitorGracePeriodSeconds !== undefined ? [`--node-monitor-grace-period=${o.nodeMonitorGracePeriodSeconds}`] : []),
  ];
}

export function schedulerFlags(o: { kubeconfig: string; metricsPort: number; leaderElect: boolean }): string[] {
  return [`--kubeconfig=${o.kubeconfig}`, `--metrics-port=${o.metricsPort}`, `--leader-elect=${o.leaderElect}`];
}

export type KubeletFlagOptions = {
  kubeconfig: string;
  nodeName: string;
  nodeIp?: string;
  rootDir: string;
  networkName: string;
  clusterDns: string;
  clientCaFile: string;
  /** Its serving certificate; without one the kubelet makes a self-signed pair. */
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  dockerHost?: string;
  port?: number;
  healthzPort?: number;
  nodeLabels?: string;
  /** Heartbeat and status interval (fast failover in the lab). */
  heartbeatMs?: number;
};

export function kubeletFlags(o: KubeletFlagOptions): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--node-name=${o.nodeName}`,
    ...(o.nodeIp ? [`--node-ip=${o.nodeIp}`] : []),
    `--root-dir=${o.rootDir}`,
    `--network-name=${o.networkName}`,
    `--cluster-dns=${o.clusterDns}`,
    ...(o.dockerHost ? [`--docker-host=${o.dockerHost}`] : []),
    ...(o.port !== undefined ? [`--port=${o.port}`] : []),
    ...(o.healthzPort !== undefined ? [`--healthz-port=${o.healthzPort}`] : []),
    ...(o.tlsCertFile ? [`--tls-cert-file=${o.tlsCertFile}`] : []),
    ...(o.tlsPrivateKeyFile ? [`--tls-private-key-file=${o.tlsPrivateKeyFile}`] : []),
    // Without a serving certificate file the kubelet asks the certificates API for one (kubernetes.io/kubelet-serving).
    ...(o.tlsCertFile ? [] : ['--rotate-server-certificates=true']),
    `--client-ca-file=${o.clientCaFile}`,
    ...(o.nodeLabels ? [`--node-labels=${o.nodeLabels}`] : []),
    ...(o.heartbeatMs !== undefined ? [`--heartbeat-interval-ms=${o.heartbeatMs}`, `--node-status-update-frequency-ms=${o.heartbeatMs}`] : []),
  ];
}

export function kubeProxyFlags(o: { kubeconfig: string; nodeName: string; clusterCidr: string; metricsPort?: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--node-name=${o.nodeName}`,
    `--cluster-cidr=${o.clusterCidr}`,
    ...(o.metricsPort !== undefined ? [`--metrics-port=${o.metricsPort}`] : []),
  ];
}

export function dnsFlags(o: { kubeconfig: string; bind: string; metricsPort?: number; upstream?: string }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--bind=${o.bind}`,
    '--port=53',
    ...(o.metricsPort !== undefined ? [`--metrics-port=${o.metricsPort}`] : []),
    ...(o.upstream ? [`--upstream=${o.upstream}`] : []),
  ];
}

/** The local-path provisioner's node half: the node it serves and where its volumes' directories go (one root per node). */
export function localPathFlags(o: { kubeconfig: string; nodeName: string; storageRoot: string; metricsPort?: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--node-name=${o.nodeName}`,
    `--storage-root=${o.storageRoot}`,
    ...(o.metricsPort !== undefined ? [`--metrics-port=${o.metricsPort}`] : []),
  ];
}

/** The built-in ingress controller: :80 and :443 on every address of the node unless told otherwise. */
export function ingressFlags(o: { kubeconfig: string; nodeName: string; metricsPort?: number; httpPort?: number; httpsPort?: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--node-name=${o.nodeName}`,
    ...(o.httpPort !== undefined ? [`--http-port=${o.httpPort}`] : []),
    ...(o.httpsPort !== undefined ? [`--https-port=${o.httpsPort}`] : []),
    ...(o.metricsPort !== undefined ? [`--metrics-port=${o.metricsPort}`] : []),
  ];
}

/** NetworkPolicy enforcement for the pods of this node (iptables in the node's own network namespace). */
export function networkPolicyFlags(o: { kubeconfig: string; nodeName: string; clusterCidr: string; metricsPort?: number }): string[] {
  return [
    `--kubeconfig=${o.kubeconfig}`,
    `--node-name=${o.nodeName}`,
    `--cluster-cidr=${o.clusterCidr}`,
    ...(o.metricsPort !== undefined ? [`--metrics-port=${o.metricsPort}`] : []),
  ];
}

export function hollowKubeletFlags(o: { kubeconfig: string; metricsPort: number; hollowNodes: number }): string[] {
  return [`--kubeconfig=${o.kubeconfig}`, `--metrics-port=${o.metricsPort}`, `--hollow-nodes=${o.hollowNodes}`];
}
