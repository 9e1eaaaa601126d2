/**
 * csrapproving: approves node client certificate requests (signer
 * kubernetes.io/kube-apiserver-client-kubelet) as kube's sarApprover does — the request must be
 * exactly a node's client certificate (CN system:node:<name>, O [system:nodes], client usages;
 * so never system:masters), and a SubjectAccessReview must allow its requester
 * `create certificatesigningrequests/selfnodeclient` (a node renewing its own certificate:
 * requester == CN) or `.../nodeclient` (a bootstrapper asking for a new node). RBAC grants
 * those (system:certificates.k8s.io:certificatesigningrequests:{nodeclient,selfnodeclient}).
 * Serving certificates (kubernetes.io/kubelet-serving), which upstream leaves to an external
 * approver, are approved here when a node asks for itself and names only the addresses its Node
 * reports (kubelet-serving.ts); the rest stays pending, re-examined as the Node's addresses settle.
 * Everything else is left for a human (`kubectl certificate approve`).
 *
 * A bootstrap token cannot say which node it is for: whoever holds one may ask for a client
 * certificate for any `system:node:<name>` and it is approved — exactly as in kubeadm. The
 * token's short TTL and the Node authorizer (that name sees only its own pods' objects) bound it.
 */
import { findResource, type CertificateSigningRequest, type Node, type ResourceInfo } from '@skiff/api';
import { isConflict, isNotFound, watch, type Informer, type RestClient, type SyncResult } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { parseCertificateRequest, type ParsedCertificateRequest } from '@skiff/pki';
import { keyedController, type Controller } from '../controller.ts';
import { KUBELET_SERVING_SIGNER, whyNotApprovedServing } from './kubelet-serving.ts';
import { requesterMay } from './subject-access-review.ts';
import { condition, csrEvents, isDecided, isIssued, requestPem, whyNotNodeClientCert } from './util.ts';

export const csrResource: ResourceInfo = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const nodesResource: ResourceInfo = findResource('', 'v1', 'nodes')!;

/** A requester without the permission (yet) or an apiserver without the review API: look again later. */
const RECHECK_MS = 30_000;

interface Recognizer {
  recognize(csr: CertificateSigningRequest, req: ParsedCertificateRequest): boolean;
  subresource: 'selfnodeclient' | 'nodeclient';
  message: string;
}

const recognizers: Recognizer[] = [
  {
    recognize: (csr, req) => csr.spec?.username === req.commonName && !whyNotNodeClientCert(csr, req),
    subresource: 'selfnodeclient',
    message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  },
  {
    recognize: (csr, req) => !whyNotNodeClientCert(csr, req),
    subresource: 'nodeclient',
    message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  },
];

export interface CsrApproverDeps {
  client: Pick<RestClient, 'update' | 'request'>;
  csrs: Pick<Informer<CertificateSigningRequest>, 'get'>;
  /** The Nodes whose addresses serving requests must name; absent: serving requests stay pending. */
  nodes?: Pick<Informer<Node>, 'get'>;
  logger: Logger;
  now?: () => Date;
}

export class CsrApprover {
  readonly #deps: CsrApproverDeps;

  constructor(deps: CsrApproverDeps) {
    this.#deps = deps;
  }

  async sync(name: string): Promise<SyncResult> {
    const cached = this.#deps.csrs.get(undefined, name);
    if (!cached || isDecided(cached) || isIssued(cached)) return;
    let parsed: ParsedCertificateRequest;
    try {
      parsed = await parseCertificateRequest(requestPem(cached));
    } catch (err) {
      // The signer marks it Failed; nothing to approve.
      this.#deps.logger.debug({ csr: name, err: (err as Error).message }, 'unparseable request; not approving');
      return;
    }
    if (cached.spec?.signerName === KUBELET_SERVING_SIGNER) return this.#syncServing(cached, parsed);
    const tried: string[] = [];
    for (const recognizer of recognizers) {
      if (!recognizer.recognize(cached, parsed)) continue;
      tried.push(recognizer.subresource);
      const answer = await requesterMay(this.#deps.client, cached, {
        group: 'certificates.k8s.io',
        resource: 'certificatesigningrequests',
        subresource: recognizer.subresource,
        verb: 'create',
      });
      if (answer === 'allowed') return this.#approve(cached, recognizer.message, parsed);
      if (answer === 'unserved') {
        this.#deps.logger.warn({ csr: name }, 'the apiserver serves no SubjectAccessReview API: not approving');
        return { requeueAfter: RECHECK_MS };
      }
    }
    if (tried.length > 0) {
      this.#deps.logger.info(
        { csr: name, requester: cached.spec?.username, tried },
        'recognized a node client certificate request, but the SubjectAccessReview did not allow it',
      );
      return { requeueAfter: RECHECK_MS };
    }
  }

  #syncServing(cached: CertificateSigningRequest, parsed: ParsedCertificateRequest): Promise<void> | SyncResult {
    const nodeName = parsed.commonName.replace(/^system:node:/, '');
    const why = whyNotApprovedServing(cached, parsed, this.#deps.nodes?.get(undefined, nodeName));
    if (!why) return this.#approve(cached, 'Auto approving kubelet serving certificate: the node asks for its own addresses.', parsed);
    this.#deps.logger.info({ csr: cached.metadata?.name, requester: cached.spec?.username, why }, 'kubelet serving certificate request left pending');
    return { requeueAfter: RECHECK_MS };
  }

  async #approve(cached: CertificateSigningRequest, message: string, parsed: ParsedCertificateRequest): Promise<void> {
    const name = cached.metadata?.name ?? '';
    const csr = structuredClone(cached);
    csr.status = {
      ...csr.status,
      conditions: [...(csr.status?.conditions ?? []), condition('Approved', 'AutoApproved', message, this.#deps.now?.() ?? new Date())],
    };
    try {
      await this.#deps.client.update(csrResource, csr, { subresource: 'approval' });
      this.#deps.logger.info({ csr: name, requester: cached.spec?.username, node: parsed.commonName }, 'node certificate request approved');
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
    const nodes = ctx.informers.informerFor<Node>(nodesResource);
    const controller = new CsrApprover({ client: ctx.client, csrs, nodes, logger: ctx.logger });
    return { watches: [watch(csrs, csrEvents())], sync: (key) => controller.sync(key) };
  });
}
