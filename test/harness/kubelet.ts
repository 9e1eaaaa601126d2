/**
 * A Docker-mode kubelet as a child process against a test cluster, run as an operator runs it:
 * its own node client certificate (CN system:node:<name>, O system:nodes), a serving certificate
 * for its API signed by the cluster CA, the cluster CA as --client-ca-file, and its own node
 * name, bridge network and pod CIDR so several kubelets share the host's dockerd.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { findResourceByKind, type Node, type Pod } from '@skiff/api';
import { RestClient, isNotFound, loadKubeconfig } from '@skiff/client';
import { cleanupHostPorts } from '@skiff/kubelet';
import { issueCertificate, issueClientCertificate, writeKubeconfig } from '@skiff/pki';
import { ComponentProcess, isNodeReady, startControllerManager } from './components.ts';
import { eventually } from './eventually.ts';
import type { TestCluster } from './test-cluster.ts';
import { ensureTestImages } from './test-images.ts';

const NODES = findResourceByKind('v1', 'Node')!;
const PODS = findResourceByKind('v1', 'Pod')!;

export interface StartKubeletOptions {
  cluster: TestCluster;
  nodeName: string;
  podCidr: string;
  networkName: string;
  /** Kubelet API (HTTPS). */
  port: number;
  /** 127.0.0.1 /healthz and /metrics. */
  healthzPort: number;
  /** Default: <cluster.dir>/kubelet-<nodeName>. */
  rootDir?: string;
  dockerHost?: string;
  /** More flags, `--name=value`; they come last, so they win. */
  extraArgs?: string[];
  /** How long to wait for the Node to be Ready (default 90 s). */
  readyTimeoutMs?: number;
}

export interface KubeletProcess {
  nodeName: string;
  /** The current process's pid (0 when not running). */
  pid: number;
  rootDir: string;
  /** SIGTERM (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** SIGKILL, like a crash. */
  kill(): Promise<void>;
  /** Starts it again (after stop/kill); resolves once /healthz answers (or the process settled when healthzPort is 0). */
  start(): Promise<void>;
  logFile: string;
  /** The last log lines, for assertion messages. */
  logTail(lines?: number): string;
}

/** Starts the kubelet and resolves once its Node is Ready. */
const rootCaPublishers = new WeakMap<TestCluster, Promise<void>>();

/**
 * Every pod gets a kube-api-access volume whose ca.crt comes from the kube-root-ca.crt ConfigMap,
 * which the controller-manager publishes: a cluster whose suite runs kubelets without one gets a
 * controller-manager running only that publisher, stopped with the cluster.
 */
function ensureRootCaPublisher(cluster: TestCluster): Promise<void> {
  let started = rootCaPublishers.get(cluster);
  if (!started) {
    started = startControllerManager(cluster, { name: 'root-ca-publisher', args: ['--controllers=root-ca-cert-publisher'] }).then((proc) =>
      cluster.onStop(() => proc.stop()),
    );
    rootCaPublishers.set(cluster, started);
  }
  return started;
}

/**
 * A kubelet on the host's own network programs the hostPort chains (SKIFFHP-) into the host's nat
 * table and, like upstream's, leaves them at exit so a restart keeps them: the cluster removes them
 * once it stops, after every kubelet of the suite, as `./skiff down` does.
 */
const hostPortCleanups = new WeakSet<TestCluster>();
function cleanHostPortsWith(cluster: TestCluster): void {
  if (hostPortCleanups.has(cluster)) return;
  hostPortCleanups.add(cluster);
  cluster.onStop(() => cleanupHostPorts());
}

export async function startKubelet(opts: StartKubeletOptions): Promise<KubeletProcess> {
  const { cluster, nodeName } = opts;
  await ensureRootCaPublisher(cluster);
  if (!opts.dockerHost) cleanHostPortsWith(cluster);
  const rootDir = opts.rootDir ?? join(cluster.dir, `kubelet-${nodeName}`);
  const pkiDir = join(cluster.dir, `kubelet-${nodeName}-pki`);
  mkdirSync(rootDir, { recursive: true });
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  mkdirSync(join(cluster.dir, 'logs'), { recursive: true });

  const client = await issueClientCertificate(cluster.pki, `system:node:${nodeName}`, ['system:nodes']);
  const kubeconfig = join(pkiDir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: cluster.server, caCert: cluster.pki.caCert, clientCert: client.cert, clientKey: client.key });
  const serving = await issueCertificate(
    { cert: cluster.pki.caCert, key: cluster.pki.caKey },
    { commonName: nodeName, hosts: [nodeName, 'localhost', '127.0.0.1'], usage: 'server', validityDays: 30 },
  );
  writeFileSync(join(pkiDir, 'kubelet.crt'), serving.cert);
  writeFileSync(join(pkiDir, 'kubelet.key'), serving.key, { mode: 0o600 });
  writeFileSync(join(pkiDir, 'client-ca.crt'), cluster.pki.caCert);

  const args = [
    `--kubeconfig=${kubeconfig}`,
    `--node-name=${nodeName}`,
    `--root-dir=${rootDir}`,
    `--network-name=${opts.networkName}`,
    `--pod-cidr=${opts.podCidr}`,
    `--port=${opts.port}`,
    '--address=127.0.0.1',
    `--healthz-port=${opts.healthzPort}`,
    `--tls-cert-file=${join(pkiDir, 'kubelet.crt')}`,
    `--tls-private-key-file=${join(pkiDir, 'kubelet.key')}`,
    `--client-ca-file=${join(pkiDir, 'client-ca.crt')}`,
    '--node-ip=127.0.0.1',
    // Tests want to see heartbeats and status changes quickly.
    '--heartbeat-interval-ms=2000',
    '--node-status-update-frequency-ms=2000',
    // Its log is the first thing to read when a kubelet test fails (./skiff test defaults components to warn).
    '--log-level=info',
    ...(opts.dockerHost ? [`--docker-host=${opts.dockerHost}`] : []),
    ...(opts.extraArgs ?? []),
  ];
  // Tests' pods run skiff/busybox:test, which no registry has: build it (and pause) where `up` never ran.
  await ensureTestImages(dockerFor(opts.dockerHost));
  const logFile = join(cluster.dir, 'logs', `kubelet-${nodeName}.log`);
  const proc = new ComponentProcess({ name: `kubelet-${nodeName}`, component: 'kubelet', args, logFile, settleMs: 500 });

  const waitHealthy = async () => {
    if (opts.healthzPort <= 0) return;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (!proc.running) throw new Error(`kubelet ${nodeName} exited (${proc.exitInfo})${proc.logTail()}`);
      try {
        const res = await fetch(`http://127.0.0.1:${opts.healthzPort}/healthz`);
        if (res.ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`kubelet ${nodeName}: /healthz not ok after 60 s${proc.logTail()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  const handle: KubeletProcess = {
    nodeName,
    get pid() {
      return proc.pid ?? 0;
    },
    rootDir,
    logFile,
    stop: () => proc.stop(15_000),
    kill: () => proc.kill(),
    async start() {
      await proc.start();
      await waitHealthy();
    },
    logTail: (lines?: number) => proc.logTail(lines),
  };

  await proc.start();
  try {
    await waitForNodeReady(cluster, nodeName, opts.readyTimeoutMs ?? 90_000, proc);
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return handle;
}

async function waitForNodeReady(cluster: TestCluster, nodeName: string, timeoutMs: number, proc: ComponentProcess): Promise<void> {
  const api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!proc.running) throw new Error(`kubelet ${nodeName} exited (${proc.exitInfo})${proc.logTail()}`);
      try {
        const node = await api.get<Node>(NODES, undefined, nodeName);
        if (isNodeReady(node)) return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (Date.now() > deadline) throw new Error(`node ${nodeName} not Ready after ${timeoutMs} ms${proc.logTail()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    api.close();
  }
}

/** A dockerode client for `unix:///path` or `tcp://host:port` (default: the local socket). */
export function dockerFor(dockerHost?: string): Docker {
  if (!dockerHost) return new Docker();
  if (dockerHost.startsWith('unix://')) return new Docker({ socketPath: dockerHost.slice('unix://'.length) });
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port) });
}

/** Removes every container labelled skiff.node=<nodeName> and the node's bridge network(s). */
export async function cleanupNodeContainers(nodeName: string, dockerHost?: string): Promise<void> {
  const docker = dockerFor(dockerHost);
  const label = `skiff.node=${nodeName}`;
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await Promise.all(
    containers.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  for (const n of networks)
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
}

/** Deletes every pod of the namespace (grace 0) and waits (up to 60 s) until the kubelet confirmed them gone. */
export async function deletePodsAndWait(client: RestClient, namespace: string): Promise<void> {
  const pods = (await client.list<Pod>(PODS, namespace)).items;
  await Promise.all(pods.map((p) => client.delete(PODS, namespace, p.metadata!.name!, { gracePeriodSeconds: 0 }).catch(() => undefined)));
  await eventually(
    async () => {
      if ((await client.list<Pod>(PODS, namespace)).items.length > 0) throw new Error(`pods of ${namespace} still there`);
    },
    60_000,
    500,
  );
}

/** Resolves with the pod once it is Running and every container runs; a timeout names the states and the kubelet's last log lines. */
export function waitForPodRunning(
  client: RestClient,
  namespace: string,
  name: string,
  kubelet?: Pick<KubeletProcess, 'logTail'>,
  timeoutMs = 120_000,
): Promise<Pod> {
  return eventually(
    async () => {
      const p = await client.get<Pod>(PODS, namespace, name);
      if (p.status?.phase !== 'Running' || !p.status.containerStatuses?.every((c) => c.state?.running)) {
        throw new Error(
          `pod ${namespace}/${name} not running yet (${p.status?.phase}): ${JSON.stringify(p.status?.containerStatuses?.map((c) => c.state))}${kubelet?.logTail(15) ?? ''}`,
        );
      }
      return p;
    },
    timeoutMs,
    500,
  );
}
