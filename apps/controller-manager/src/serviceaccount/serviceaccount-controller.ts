import { findResourceByKind, type Namespace, type ResourceInfo, type ServiceAccount } from '@skiff/api';
import { enqueueObject, isAlreadyExists, watch, type Informer, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { keyedController, type Controller } from '../controller.ts';

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
  readonly #deps: ServiceAccountControllerDeps;

  constructor(deps: ServiceAccountControllerDeps) {
    this.#deps = deps;
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
  return keyedController('serviceaccount', 5, (ctx) => {
    const namespaces = ctx.informers.informerFor<Namespace>(namespacesResource);
    const serviceAccounts = ctx.informers.informerFor<ServiceAccount>(serviceAccountsResource);
    const controller = new ServiceAccountController({ client: ctx.client, namespaces, serviceAccounts, logger: ctx.logger });
    const { add, update } = enqueueObject<Namespace>();
    return {
      watches: [
        watch(namespaces, { add, update }),
        // Someone deleted a default account: put it back.
        watch(serviceAccounts, { delete: (sa) => (DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata?.name ?? '') ? sa.metadata?.namespace : undefined) }),
      ],
      sync: (key) => controller.sync(key),
    };
  });
}
