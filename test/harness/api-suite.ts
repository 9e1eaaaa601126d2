/**
 * What the "API objects through real kubectl" suites (networking, RBAC) share: a control plane
 * without nodes or scheduler for the whole describe block, and readers of `kubectl get` tables.
 */
import { after, before } from 'node:test';
import { startControlPlane, type ControlPlane } from './components.ts';
import type { TestCluster } from './test-cluster.ts';

export interface ApiSuite {
  /** The running cluster; read it inside hooks and tests, once `before` has run. */
  readonly cluster: TestCluster;
}

/**
 * Registers `before`/`after` in the calling describe block: etcd at basePort, the apiserver at
 * basePort+50, one controller-manager (ClusterRole aggregation is its work), no kubelets and no
 * scheduler; all stopped in `after`, even after a failed start.
 */
export function useApiControlPlane(basePort: number): ApiSuite {
  let cp: ControlPlane | undefined;
  before(async () => {
    cp = await startControlPlane({ basePort, apiServerPort: basePort + 50, kubeletProcesses: 0, scheduler: false });
  });
  after(() => cp?.stop());
  return {
    get cluster() {
      if (!cp) throw new Error('the control plane is not started: read cluster inside a hook or a test');
      return cp.cluster;
    },
  };
}

/** The header line of `kubectl get`, words separated by single spaces. */
export const tableHeader = (out: string): string =>
  (out.split('\n')[0] ?? '')
    .trim()
    .split(/\s{2,}/)
    .join(' ');

/** The row of `kubectl get` for `name`, cells separated by single spaces ('' when there is none). */
export const tableRow = (out: string, name: string): string =>
  (out.split('\n').find((l) => l.startsWith(`${name} `)) ?? '')
    .trim()
    .split(/\s{2,}/)
    .join(' ');
