import { mkdir, readFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureClusterPki, writeKubeconfig } from '@skiff/pki';
import { getApiServerComponent, getApiServerUrl, getEtcdComponent, type ComponentSpec } from './components.ts';
import { resolveSkiffPaths, resolveSkiffPorts } from './paths.ts';
import { findRunningPid, isOurProcess, readLogTail, startDetached } from './processes.ts';

const ETCD_START_TIMEOUT_MS = 30_000;
const APISERVER_START_TIMEOUT_MS = 60_000;

const progress = (message: string): void => console.log(`==> ${message}`);

/** This host's non-loopback IPv4 addresses, in interface order: the apiserver is reachable on each. */
export function listHostAddresses(): string[] {
  const addresses: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) addresses.push(entry.address);
    }
  }
  return addresses;
}

/**
 * Waits for `component` to turn healthy, failing early when its process dies (a bad flag, a busy port),
 * with the end of its log in the error.
 */
async function waitUntilHealthy(component: ComponentSpec, pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await component.isHealthy())) {
    const died = !isOurProcess(pid, component.marker);
    if (died || Date.now() > deadline) {
      const why = died ? 'exited' : `was not healthy at ${component.healthUrl} within ${timeoutMs / 1000} s`;
      const tail = await readLogTail(component.logFile);
      throw new Error(`${component.name} ${why}; see ${component.logFile}${tail ? `:\n${tail}` : ''}`);
    }
    await sleep(200);
  }
}

/** Starts `component` unless it already runs; either way returns once it is healthy. */
async function ensureComponentRunning(component: ComponentSpec, timeoutMs: number): Promise<void> {
  const running = await findRunningPid(component);
  if (running !== undefined) {
    await waitUntilHealthy(component, running, timeoutMs);
    progress(`${component.name}: already running (pid ${running})`);
    return;
  }
  // Something healthy on our port that is not our process would make ours fail to bind: say so plainly.
  if (await component.isHealthy()) {
    throw new Error(`${component.name}: ${component.healthUrl} answers but not from a process Skiff started; stop it first`);
  }
  const pid = await startDetached(component.createStartOptions());
  progress(`${component.name}: started (pid ${pid}), waiting for ${component.healthUrl}`);
  await waitUntilHealthy(component, pid, timeoutMs);
  progress(`${component.name}: healthy`);
}

/** `skiff up`: a single-host control plane (etcd + apiserver) and an admin kubeconfig. */
export async function runUp(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error(`skiff up: unexpected arguments: ${args.join(' ')}`);
    return 2;
  }
  const paths = resolveSkiffPaths();
  const ports = resolveSkiffPorts();
  await mkdir(paths.home, { recursive: true, mode: 0o700 });

  const addresses = listHostAddresses();
  const hosts = ['localhost', '127.0.0.1', hostname(), ...addresses];
  progress(`pki: ${paths.pkiDir} (apiserver certificate for ${hosts.join(', ')})`);
  const pki = await ensureClusterPki(paths.pkiDir, { apiServerHosts: hosts });

  await ensureComponentRunning(getEtcdComponent(paths, ports), ETCD_START_TIMEOUT_MS);
  const apiServer = getApiServerComponent(paths, ports, {
    caCert: () => readFile(join(paths.pkiDir, 'ca.crt'), 'utf8'),
    advertiseAddress: addresses[0],
  });
  await ensureComponentRunning(apiServer, APISERVER_START_TIMEOUT_MS);

  const server = getApiServerUrl(ports);
  await writeKubeconfig(paths.kubeconfig, {
    server,
    caCert: pki.caCert,
    clientCert: pki.adminCert,
    clientKey: pki.adminKey,
  });
  console.log(`
Skiff is up: apiserver ${server}, etcd ${paths.etcdDataDir}.
Kubeconfig (admin): ${paths.kubeconfig}

Next:
  export KUBECONFIG=${paths.kubeconfig}
  kubectl get ns
or, without touching your environment:
  ./skiff kubectl get ns

Logs: ${paths.logDir}/<component>.log   Stop: ./skiff down`);
  return 0;
}
