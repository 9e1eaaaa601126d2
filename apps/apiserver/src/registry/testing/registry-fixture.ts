/** Test fixture: a real etcd member, helper B's etcd store, and a registry over them. */
import { findResource, type ResourceInfo } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { ApiError } from '../../errors.ts';
import { createEtcdStore, type EtcdStore } from '../../storage/etcd-store.ts';
import { startTestEtcd, type TestEtcdCluster } from '../../storage/testing/etcd-process.ts';
import type { WriteOptions } from '../handlers.ts';
import { createRegistry, type Registry } from '../registry.ts';

export interface RegistryFixture {
  etcd: TestEtcdCluster;
  store: EtcdStore;
  registry: Registry;
  close(): Promise<void>;
}

/** Starts etcd with client port basePort+1 and peer port basePort+2 (see the brief's port range). */
export async function startRegistryFixture(
  basePort: number,
  opts: { serviceClusterIpRange?: string; serviceNodePortRange?: string } = {},
): Promise<RegistryFixture> {
  const etcd = await startTestEtcd(1, basePort);
  const store = createEtcdStore({ endpoints: etcd.endpoints, compactionIntervalMs: 0 });
  const registry = createRegistry({ store, ...opts, logger: createLogger('registry-test', 'silent') });
  return {
    etcd,
    store,
    registry,
    async close() {
      registry.close();
      await store.close();
      await etcd.stop();
    },
  };
}

export function resource(group: string, resourceName: string): ResourceInfo {
  const res = findResource(group, 'v1', resourceName);
  if (!res) throw new Error(`test fixture: no resource ${group}/v1/${resourceName} in @skiff/api`);
  return res;
}

export const admin: WriteOptions = { user: { username: 'admin', groups: ['system:masters'] } };

/** The ApiError a promise rejects with (fails the test when it resolves). */
export async function apiErrorOf(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError, the call succeeded');
}
