import { rm } from 'node:fs/promises';
import { getApiServerComponent, getEtcdComponent } from './components.ts';
import { resolveSkiffPaths, resolveSkiffPorts } from './paths.ts';
import { stopProcess } from './processes.ts';

const STOP_TIMEOUT_MS = 10_000;

/** `skiff down [--purge]`: stops the apiserver, then etcd; `--purge` also deletes all cluster state. */
export async function runDown(args: string[]): Promise<number> {
  const purge = args.includes('--purge');
  const unknown = args.filter((a) => a !== '--purge');
  if (unknown.length > 0) {
    console.error(`skiff down: unknown arguments: ${unknown.join(' ')} (usage: skiff down [--purge])`);
    return 2;
  }
  const paths = resolveSkiffPaths();
  const ports = resolveSkiffPorts();
  // The apiserver first, so it never serves a request against a vanishing etcd.
  const components = [
    getApiServerComponent(paths, ports, { caCert: async () => '' }),
    getEtcdComponent(paths, ports),
  ];
  for (const component of components) {
    const result = await stopProcess(component, STOP_TIMEOUT_MS);
    const said = { 'not-running': 'not running', stopped: 'stopped', killed: `killed (no exit ${STOP_TIMEOUT_MS / 1000} s after SIGTERM)` };
    console.log(`==> ${component.name}: ${said[result]}`);
  }
  if (purge) {
    for (const path of [paths.etcdDataDir, paths.pkiDir, paths.kubeconfig, paths.logDir, paths.runDir]) {
      await rm(path, { recursive: true, force: true });
    }
    console.log(`==> purged etcd data, pki, kubeconfig, logs and pid files under ${paths.home}`);
  }
  return 0;
}
