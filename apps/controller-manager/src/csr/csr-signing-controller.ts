/**
 * csrsigning: issues certificates for approved requests to the kube-apiserver-client
 * signers and to kubernetes.io/kubelet-serving (server auth, the request's DNS/IP names) with the cluster CA (--cluster-signing-cert-file / --cluster-signing-key-file),
 * as kube-controller-manager's signer does. A request the signer cannot honour gets a
 * Failed condition so the requester stops waiting: a kubelet-client request that is not
 * exactly a node's client certificate, a kube-apiserver-client request with other than
 * client usages, and any kube-apiserver-client request for system:masters — admission
 * refuses those at create, and the signer would not sign one even if it got through (a
 * system:masters certificate bypasses authorization and cannot be revoked).
 * Without the flags the controller idles.
 */
import { readFile } from 'node:fs/promises';
import { namesMasters, type CertificateSigningRequest } from '@skiff/api';
import { isConflict, isNotFound, watch, type Informer, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { parseCertificateRequest, signClientCertificateRequest, type ParsedCertificateRequest } from '@skiff/pki';
import { keyedController, type Controller } from '../controller.ts';
import { csrResource } from './csr-approving-controller.ts';
import { KUBELET_SERVING_SIGNER, signServingRequest, whyNotKubeletServingRequest } from './kubelet-serving.ts';
import { condition, hasCondition, isIssued, KUBE_APISERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER, requestPem, whyNotNodeClientCert, csrEvents } from './util.ts';

export interface CsrSignerDeps {
  client: Pick<RestClient, 'update'>;
  csrs: Pick<Informer<CertificateSigningRequest>, 'get'>;
  ca: { cert: string; key: string };
  /** Longest certificate lifetime handed out (--cluster-signing-duration). */
  maxValiditySeconds: number;
  logger: Logger;
  now?: () => Date;
}

const SIGNERS = new Set([KUBELET_CLIENT_SIGNER, KUBE_APISERVER_CLIENT_SIGNER, KUBELET_SERVING_SIGNER]);
const CLIENT_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);

/** Why this signer will not issue the request, or undefined. */
export function whyNotSigned(csr: CertificateSigningRequest, parsed: ParsedCertificateRequest): string | undefined {
  if (csr.spec?.signerName === KUBELET_CLIENT_SIGNER) return whyNotNodeClientCert(csr, parsed);
  if (csr.spec?.signerName === KUBELET_SERVING_SIGNER) return whyNotKubeletServingRequest(csr, parsed);
  if (namesMasters(parsed)) return `${KUBE_APISERVER_CLIENT_SIGNER} never signs for the system:masters group`;
  const unsupported = (csr.spec?.usages ?? []).find((u) => !CLIENT_USAGES.has(u));
  if (unsupported) return `unsupported key usage: ${unsupported}`;
  return undefined;
}

export class CsrSigner {
  readonly #deps: CsrSignerDeps;

  constructor(deps: CsrSignerDeps) {
    this.#deps = deps;
  }

  async sync(name: string): Promise<void> {
    const cached = this.#deps.csrs.get(undefined, name);
    if (!cached || !SIGNERS.has(cached.spec?.signerName ?? '')) return;
    if (!hasCondition(cached, 'Approved') || hasCondition(cached, 'Denied') || hasCondition(cached, 'Failed') || isIssued(cached)) return;
    const csr = structuredClone(cached);
    const pem = requestPem(csr);
    let certificate: string | undefined;
    let failure: string | undefined;
    try {
      const parsed = await parseCertificateRequest(pem);
      failure = whyNotSigned(csr, parsed);
      if (!failure) {
        const asked = csr.spec?.expirationSeconds;
        const validity = asked !== undefined ? Math.min(asked, this.#deps.maxValiditySeconds) : this.#deps.maxValiditySeconds;
        const sign = csr.spec?.signerName === KUBELET_SERVING_SIGNER ? signServingRequest : signClientCertificateRequest;
        certificate = await sign(this.#deps.ca, pem, validity);
      }
    } catch (err) {
      failure = `invalid certificate request: ${(err as Error).message}`;
    }
    if (certificate) csr.status = { ...csr.status, certificate: Buffer.from(certificate).toString('base64') };
    else
      csr.status = {
        ...csr.status,
        conditions: [
          ...(csr.status?.conditions ?? []),
          condition('Failed', 'SignerValidationFailure', failure ?? 'not signed', this.#deps.now?.() ?? new Date()),
        ],
      };
    try {
      await this.#deps.client.update(csrResource, csr, { subresource: 'status' });
      if (certificate) this.#deps.logger.info({ csr: name, requester: csr.spec?.username }, 'certificate issued');
      else this.#deps.logger.warn({ csr: name, reason: failure }, 'certificate request failed');
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

export function newCsrSigningController(): Controller {
  return keyedController('csrsigning', 2, async (ctx) => {
    const { clusterSigningCertFile: certFile, clusterSigningKeyFile: keyFile } = ctx.config;
    if (!certFile || !keyFile) {
      ctx.logger.info('no --cluster-signing-cert-file/--cluster-signing-key-file: not signing certificate requests');
      return undefined;
    }
    const csrs = ctx.informers.informerFor<CertificateSigningRequest>(csrResource);
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const maxValiditySeconds = ctx.config.clusterSigningDurationSeconds ?? 365 * 24 * 3600;
    const controller = new CsrSigner({ client: ctx.client, csrs, ca: { cert, key }, maxValiditySeconds, logger: ctx.logger });
    return { watches: [watch(csrs, csrEvents())], sync: (key) => controller.sync(key) };
  });
}
