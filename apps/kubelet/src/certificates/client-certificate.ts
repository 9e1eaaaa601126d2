/**
 * The kubelet's client certificate renewed through the certificates API, as upstream's
 * NewKubeletClientCertificateManager (--rotate-certificates): at a jittered 70–90% of the current
 * certificate's life the kubelet asks kubernetes.io/kube-apiserver-client-kubelet for a new one
 * (CN system:node:<name>, O system:nodes, usages digital signature and client auth — its key is
 * ECDSA, so no key encipherment), authenticated with its current certificate so the approver sees
 * a node renewing its own (selfnodeclient). The issued pair is kept as
 * <root-dir>/pki/kubelet-client-current.pem (certificate then key, 0600), which a kubeconfig may
 * name as client-certificate and client-key, as kubeadm writes it, and the RestClient presents it
 * to new requests at once: no restart.
 */
import type { RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { CertificateManager, createNodeRequest, parsePairPem } from './certificate-manager.ts';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_CLIENT_CURRENT = 'kubelet-client-current.pem';
export const KUBELET_CLIENT_USAGES = ['digital signature', 'client auth'];

export interface ClientCertificateManagerOptions {
  /** The kubelet's own client: it asks with, and then presents, the certificate. */
  client: Pick<RestClient, 'create' | 'get' | 'setClientCertificate' | 'config'>;
  nodeName: string;
  rootDir: string;
  logger: Logger;
  random?: () => number;
}

export class ClientCertificateManager extends CertificateManager {
  constructor(o: ClientCertificateManagerOptions) {
    const { clientCert, clientKey } = o.client.config;
    super({
      client: o.client,
      rootDir: o.rootDir,
      logger: o.logger,
      ...(o.random ? { random: o.random } : {}),
      what: 'kubelet client certificate',
      signerName: KUBELET_CLIENT_SIGNER,
      file: KUBELET_CLIENT_CURRENT,
      usages: KUBELET_CLIENT_USAGES,
      newRequest: () => createNodeRequest(o.nodeName),
      // The kubeconfig's files may hold both (kubelet-client-current.pem named twice, as kubeadm writes it).
      initial: () => (clientCert && clientKey ? parsePairPem(`${clientCert}\n${clientKey}`) : undefined),
      // The kubeconfig may name the kept file itself: then the client presents it already.
      onCertificate: (pair) => {
        if (pair.cert !== o.client.config.clientCert) o.client.setClientCertificate(pair.cert, pair.key);
      },
    });
  }
}

/** Whether the client authenticates with a certificate at all (a token-only kubeconfig has nothing to rotate). */
export function hasClientCertificate(client: Pick<RestClient, 'config'>): boolean {
  return Boolean(client.config.clientCert && client.config.clientKey);
}
