import { findResourceByKind, type Namespace, type ResourceInfo, type ServiceAccount } from '@skiff/api';
import { isAlreadyExists, runWorkers, WorkQueue, type Informer, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import type { Controller, ControllerContext } from '../controller.ts';

export const namespacesResource: ResourceInfo = findResourceByKind('v1', 'Namespace')!;
export const serviceAccountsResource: ResourceInfo = findResourceByKind('v1', 'ServiceAccount')!;

/** The accounts every namespace gets; pods without spec.serviceAccountName run as `default`. */
export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

export interface ServiceAccountControllerDeps {
  client: Pick<RestClient, 'create'>;
  namespaces: Pick<Informer<Namespace>, 'get'>;
  serviceAccounts: Pick<Informer<ServiceAccount>, 'get'>;
  logger?: Logger;
}

/**
 * kube's serviceaccounts controller: every active namespace has a `default`
 * ServiceAccount, created when the namespace appears and recreated when someone deletes
 * it. Keys are namespace names. Terminating namespaces are left alone: the namespace
 * controller is emptying them, and the apiserver would refuse the create anyway.
 */
export class ServiceAccountController {
  readonly queue = new WorkQueue<string>();
  readonly #deps: ServiceAccountControllerDeps;

  constructor(deps: ServiceAccountControllerDeps) {
    this.#deps = deps;
  }

  registerHandlers(namespaces: Informer<Namespace>, serviceAccounts: Informer<ServiceAccount>): void {
    namespaces.onAdd((ns) => this.queue.add(ns.metadata?.name ?? ''));
    namespaces.onUpdate((oldNs, ns) => {
      if (oldNs.metadata?.resourceVersion !== ns.metadata?.resourceVersion) this.queue.add(ns.metadata?.name ?? '');
    });
    serviceAccounts.onDelete((sa) => {
      if (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata?.name ?? '') && sa.metadata?.namespace) this.queue.add(sa.metadata.namespace);
    });
  }

  async sync(namespace: string): Promise<void> {
    const ns = this.#deps.namespaces.get(undefined, namespace);
    if (!ns || ns.metadata?.deletionTimestamp || ns.status?.phase === 'Terminating') return;
    for (const name of DEFAULT_SERVICE_ACCOUNTS) {
      if (this.#deps.serviceAccounts.get(namespace, name)) continue;
      const sa: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
      try {
        await this.#deps.client.create(serviceAccountsResource, sa);
        this.#deps.logger?.debug({ serviceAccount: `${namespace}/${name}` }, 'service account created');
      } catch (err) {
        // Our cache was behind: it exists, which is all we want.
        if (isAlreadyExists(err)) continue;
        throw new Error(`serviceaccount ${namespace}/${name}: create failed`, { cause: err });
      }
    }
  }
}

export function newServiceAccountController(): Controller {
  return {
    name: 'serviceaccount',
    async run(ctx: ControllerContext, signal: AbortSignal): Promise<void> {
      // Informers first, synchronously: the manager starts the shared factory afterwards.
      const namespaces = ctx.informers.informerFor<Namespace>(namespacesResource);
      const serviceAccounts = ctx.informers.informerFor<ServiceAccount>(serviceAccountsResource);
      const logger = ctx.logger.child({ controller: 'serviceaccount' });
      const controller = new ServiceAccountController({ client: ctx.client, namespaces, serviceAccounts, logger });
      controller.registerHandlers(namespaces, serviceAccounts);
      if (!(await ctx.informers.waitForSync(signal))) return;
      await runWorkers({
        queue: controller.queue,
        sync: (key) => controller.sync(key),
        workers: ctx.config.workers?.serviceaccount ?? 5,
        signal,
        logger,
        name: 'serviceaccount',
      });
    },
  };
}
