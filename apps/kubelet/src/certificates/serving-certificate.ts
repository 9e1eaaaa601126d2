/**
 * The kubelet's serving certificate through the certificates API, as upstream's
 * NewKubeletServerCertificateManager (--rotate-server-certificates): a CSR to
 * kubernetes.io/kubelet-serving (CN system:node:<name>, O system:nodes, SANs = the addresses the
 * Node reports, usages digital signature/key encipherment/server auth), the issued certificate
 * handed to the server (hot swapped, no restart) and kept as <root-dir>/pki/kubelet-server-current.pem
 * (certificate then key), renewed at a jittered 70–90% of its life (certificate-manager.ts). Until
 * then the server keeps the self-signed pair it started with, which an apiserver that verifies refuses.
 */
import type { Node } from '@skiff/api';
import { sleep, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';
import { CertificateManager, createNodeRequest, type CertificatePair } from './certificate-manager.ts';

export { rotationDeadline } from './certificate-manager.ts';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const POLL_MS = 2000;

export type ServingPair = CertificatePair;

export interface ServingCertificateManagerOptions {
  client: Pick<RestClient, 'create' | 'get' | 'config'>;
  nodeName: string;
  rootDir: string;
  /** The Node as the kubelet last saw it: its status.addresses are the SANs asked for. */
  getNode: () => Node | undefined;
  /** A new certificate to serve. */
  onCertificate: (pair: ServingPair) => void;
  logger: Logger;
  random?: () => number;
}

/** The Node's addresses a serving certificate should name (InternalIP, ExternalIP, Hostname, DNS names). */
export function servingNames(node: Node | undefined): string[] {
  const wanted = new Set(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS']);
  return [...new Set((node?.status?.addresses ?? []).filter((a) => wanted.has(a.type) && a.address).map((a) => a.address))];
}

/** A P-256 key and a PKCS#10 request with the node's subject and subjectAltNames. */
export function createServingRequest(nodeName: string, names: string[]): Promise<{ csr: string; key: string }> {
  return createNodeRequest(nodeName, names);
}

export class ServingCertificateManager extends CertificateManager {
  constructor(o: ServingCertificateManagerOptions) {
    super({
      client: o.client,
      rootDir: o.rootDir,
      logger: o.logger,
      onCertificate: o.onCertificate,
      ...(o.random ? { random: o.random } : {}),
      what: 'kubelet serving certificate',
      signerName: KUBELET_SERVING_SIGNER,
      file: 'kubelet-server-current.pem',
      usages: ['digital signature', 'key encipherment', 'server auth'],
      // The Node's addresses are known once it registered and reported its status.
      newRequest: async (signal) => {
        let names = servingNames(o.getNode());
        while (names.length === 0 && !signal.aborted) {
          await sleep(POLL_MS, signal);
          names = servingNames(o.getNode());
        }
        return signal.aborted ? undefined : createNodeRequest(o.nodeName, names);
      },
    });
  }
}
