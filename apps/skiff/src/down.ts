import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { getEtcdComponent, getHollowKubelet, getServerRole } from './components.ts';
import { cleanupNodeRules, getAgentRole, kubeletRootDir, removeDnsInterface, removePodContainers } from './node-components.ts';
import { resolveSkiffPaths, resolveSkiffPorts } from './paths.ts';
import { unmountUnder } from './lab/run-command.ts';
import { stopProcess } from './processes.ts';
import { parseFlags } from './usage.ts';

const STOP_TIMEOUT_MS = 10_000;

/**
 * `skiff down [--purge]`: stops the agent, the hollow kubelet, the server, then etcd (reverse start
 * order); `--purge` also deletes all cluster state.
 */
export async function runDown(args: string[]): Promise<number> {
  const purge = parseFlags(args, { booleans: ['purge'] }).flags.purge === true;
  const paths = resolveSkiffPaths();
  const ports = resolveSkiffPorts();
  // Clients before the server (they would only log connection errors), the server before etcd
  // (so the apiserver never serves a request against a vanishing etcd).
  const components = [
    getAgentRole(paths, ports),
    getHollowKubelet(paths, ports),
    getServerRole(paths, ports, { caCert: async () => '' }),
    getEtcdComponent(paths, ports),
  ];
  for (const component of components) {
    const result = await stopProcess(component, STOP_TIMEOUT_MS);
    const said = { 'not-running': 'not running', stopped: 'stopped', killed: `killed (no exit ${STOP_TIMEOUT_MS / 1000} s after SIGTERM)` };
    console.log(`==> ${component.name}: ${said[result]}`);
  }
  if (process.getuid?.() === 0) {
    // What the node left on the host: its pods' containers and network, its Service rules, the DNS address.
    try {
      const removed = await removePodContainers();
      console.log(`==> pods: removed ${removed} containers of this node and the skiff0 network`);
    } catch (err) {
      console.log(`==> pods: Docker not reachable (${(err as Error).message}); containers left as they are`);
    }
    await cleanupNodeRules();
    await removeDnsInterface();
    console.log('==> Service, network policy and hostPort rules and the dns address removed');
  }
  if (purge) {
    // Pods' tmpfs volumes (secrets, service-account tokens) stay mounted after the kubelet stops.
    if (process.getuid?.() === 0) await unmountUnder([kubeletRootDir(paths)]);
    for (const path of [
      kubeletRootDir(paths),
      paths.etcdDataDir,
      paths.pkiDir,
      paths.kubeconfig,
      paths.kubeconfigDir,
      paths.logDir,
      paths.runDir,
      join(paths.home, 'roles'),
    ]) {
      await rm(path, { recursive: true, force: true });
    }
    console.log(`==> purged etcd data, pki, kubeconfigs, logs and pid files under ${paths.home}`);
  }
  return 0;
}
