/**
 * csrapproving: approves node client certificate requests (signer
 * kubernetes.io/kube-apiserver-client-kubelet) from bootstrappers and from nodes renewing
 * their own certificate. Everything else is left for a human (`kubectl certificate approve`).
 */
import { findResource, type CertificateSigningRequest, type ResourceInfo } from '@skiff/api';
import { isConflict, isNotFound, watch, type Informer, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { parseCertificateRequest } from '@skiff/pki';
import { keyedController, type Controller } from '../controller.ts';
import { condition, isDecided, isIssued, mayAutoApprove, requestPem, whyNotNodeClientCert, csrEvents } from './util.ts';

export const csrResource: ResourceInfo = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;

export interface CsrApproverDeps {
  client: Pick<RestClient, 'update'>;
  csrs: Pick<Informer<CertificateSigningRequest>, 'get'>;
  logger: Logger;
  now?: () => Date;
}

export class CsrApprover {
  readonly #deps: CsrApproverDeps;

  constructor(deps: CsrApproverDeps) {
    this.#deps = deps;
  }

  async sync(name: string): Promise<void> {
    const cached = this.#deps.csrs.get(undefined, name);
    if (!cached || isDecided(cached) || isIssued(cached)) return;
    let parsed;
    try {
      parsed = await parseCertificateRequest(requestPem(cached));
    } catch (err) {
      // The signer marks it Failed; nothing to approve.
      this.#deps.logger.debug({ csr: name, err: (err as Error).message }, 'unparseable request; not approving');
      return;
    }
    const notNode = whyNotNodeClientCert(cached, parsed);
    if (notNode || !mayAutoApprove(cached, parsed)) return;
    const csr = structuredClone(cached);
    csr.status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []),
      condition('Approved', 'AutoApproved', 'Auto approving kubelet client certificate after SubjectAccessReview.', this.#deps.now?.() ?? new Date())] };
    try {
      await this.#deps.client.update(csrResource, csr, { subresource: 'approval' });
      this.#deps.logger.info({ csr: name, requester: cached.spec?.username, node: parsed.commonName }, 'node client certificate request approved');
    } catch (err) {
      // Deleted meanwhile, or changed: the next event brings the new state.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

export function newCsrApprovingController(): Controller {
  return keyedController('csrapproving', 2, (ctx) => {
    const csrs = ctx.informers.informerFor<CertificateSigningRequest>(csrResource);
    const controller = new CsrApprover({ client: ctx.client, csrs, logger: ctx.logger });
    return { watches: [watch(csrs, csrEvents())], sync: (key) => controller.sync(key) };
  });
}
