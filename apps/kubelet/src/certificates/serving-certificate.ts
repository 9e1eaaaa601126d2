/**
 * The kubelet's serving certificate through the certificates API, as upstream's
 * NewKubeletServerCertificateManager (--rotate-server-certificates): a CSR to
 * kubernetes.io/kubelet-serving (CN system:node:<name>, O system:nodes, SANs = the addresses the
 * Node reports, usages digital signature/key encipherment/server auth), the issued certificate
 * handed to the server (hot swapped, no restart) and kept as <root-dir>/pki/kubelet-server-current.pem
 * (certificate then key), renewed at a jittered 70–90% of its life. Until then the server keeps the
 * self-signed pair it started with, which an apiserver that verifies refuses.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { findResource, type CertificateSigningRequest, type Node } from '@skiff/api';
import { isNotFound, sleep, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';

const CSRS = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const CURRENT = 'kubelet-server-current.pem';
const POLL_MS = 2000;
const RETRY_MS = 10_000;

export interface ServingPair { cert: string; key: string }

export interface ServingCertificateManagerOptions {
  client: Pick<RestClient, 'create' | 'get'>;
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
export async function createServingRequest(nodeName: string, names: string[]): Promise<{ csr: string; key: string }> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ O: ['system:nodes'] }, { CN: [`system:node:${nodeName}`] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIP(n) ? 'ip' as const : 'dns' as const, value: n })))],
  });
  const key = x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  return { csr: csr.toString('pem'), key };
}

/** When to renew: a uniformly jittered 70–90% of the certificate's life, as upstream's nextRotationDeadline. */
export function rotationDeadline(certPem: string, random: () => number = Math.random): number {
  const cert = new X509Certificate(certPem);
  const from = Date.parse(cert.validFrom);
  const life = Date.parse(cert.validTo) - from;
  return from + life * (0.7 + 0.2 * random());
}

export class ServingCertificateManager {
  readonly #o: ServingCertificateManagerOptions;
  #current: ServingPair | undefined;

  constructor(opts: ServingCertificateManagerOptions) {
    this.#o = opts;
  }

  get current(): ServingPair | undefined {
    return this.#current;
  }

  /** Loads the stored certificate, then keeps one valid until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const stored = await this.#load();
    if (stored) this.#use(stored);
    while (!signal.aborted) {
      const wait = this.#current ? rotationDeadline(this.#current.cert, this.#o.random) - Date.now() : 0;
      if (wait > 0) await sleep(Math.min(wait, 2 ** 31 - 1), signal);
      if (signal.aborted) return;
      if (this.#current && rotationDeadline(this.#current.cert, this.#o.random) > Date.now()) continue;
      try {
        const pair = await this.#request(signal);
        if (!pair) continue;
        await this.#store(pair);
        this.#use(pair);
      } catch (err) {
        if (signal.aborted) return;
        this.#o.logger.warn({ err: (err as Error).message }, 'kubelet serving certificate not obtained; retrying');
        await sleep(RETRY_MS, signal);
      }
    }
  }

  #use(pair: ServingPair): void {
    this.#current = pair;
    const cert = new X509Certificate(pair.cert);
    this.#o.logger.info({ issuer: cert.issuer, notAfter: cert.validTo, names: cert.subjectAltName }, 'serving with the kubelet serving certificate');
    this.#o.onCertificate(pair);
  }

  async #load(): Promise<ServingPair | undefined> {
    const text = await readFile(join(this.#o.rootDir, 'pki', CURRENT), 'utf8').catch(() => undefined);
    const cert = text?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/)?.[0];
    const key = text?.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/)?.[0];
    if (!cert || !key) return undefined;
    try {
      return Date.parse(new X509Certificate(cert).validTo) > Date.now() ? { cert, key } : undefined;
    } catch {
      return undefined;
    }
  }

  async #store(pair: ServingPair): Promise<void> {
    const dir = join(this.#o.rootDir, 'pki');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, CURRENT);
    await writeFile(`${file}.tmp`, `${pair.cert.trimEnd()}\n${pair.key.trimEnd()}\n`, { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  /** One CSR, waited on until issued; undefined when it went away (a new one is made). */
  async #request(signal: AbortSignal): Promise<ServingPair | undefined> {
    let names = servingNames(this.#o.getNode());
    while (names.length === 0 && !signal.aborted) {
      await sleep(POLL_MS, signal);
      names = servingNames(this.#o.getNode());
    }
    if (signal.aborted) return undefined;
    const { csr, key } = await createServingRequest(this.#o.nodeName, names);
    const created = await this.#o.client.create<CertificateSigningRequest>(CSRS, {
      apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest',
      metadata: { generateName: 'csr-' },
      spec: {
        request: Buffer.from(csr).toString('base64'), signerName: KUBELET_SERVING_SIGNER,
        usages: ['digital signature', 'key encipherment', 'server auth'],
      },
    });
    const name = created.metadata?.name ?? '';
    this.#o.logger.info({ csr: name, names }, 'kubelet serving certificate requested; waiting for approval and signing');
    while (!signal.aborted) {
      let current: CertificateSigningRequest;
      try {
        current = await this.#o.client.get<CertificateSigningRequest>(CSRS, undefined, name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      const issued = current.status?.certificate;
      if (issued) {
        const cert = Buffer.from(issued, 'base64').toString('utf8');
        if (!new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))) throw new Error(`certificate request ${name} was issued for another key`);
        return { cert, key };
      }
      const verdict = current.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (verdict) throw new Error(`certificate request ${name} ${verdict.type.toLowerCase()}: ${verdict.message ?? verdict.reason ?? ''}`);
      await sleep(POLL_MS, signal);
    }
    return undefined;
  }
}
