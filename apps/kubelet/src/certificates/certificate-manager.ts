/**
 * One certificate manager for the kubelet's certificates from the certificates API, as
 * client-go's certificate manager serves both of upstream's (NewKubeletClientCertificateManager,
 * NewKubeletServerCertificateManager): it loads the pair kept at <root-dir>/pki/<file> (else the
 * one it was started with), and at a jittered 70–90% of the certificate's life asks for a new one
 * — a new key, a CSR to the signer, waited on until approved and issued, checked against the key —
 * stores it atomically (certificate then key, 0600) and hands it over; failures retry with an
 * exponential backoff. What differs between the two is the request (subject, names) and usages.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { findResource, type CertificateSigningRequest } from '@skiff/api';
import { isNotFound, sleep, type RestClient } from '@skiff/client';
import type { Logger } from '@skiff/log';

const CSRS = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const POLL_MS = 2000;
const RETRY_FIRST_MS = 2000;
const RETRY_MAX_MS = 60_000;

export interface CertificatePair {
  cert: string;
  key: string;
}

export interface CertificateManagerOptions {
  client: Pick<RestClient, 'create' | 'get' | 'config'>;
  /** For logs: "kubelet serving certificate", "kubelet client certificate". */
  what: string;
  signerName: string;
  usages: string[];
  rootDir: string;
  /** The file under <root-dir>/pki the current pair is kept in. */
  file: string;
  /** A new key and its PEM request; undefined when the signal aborted first. */
  newRequest: (signal: AbortSignal) => Promise<{ csr: string; key: string } | undefined>;
  /** The pair in use when no stored one is (the client certificate of the kubeconfig). */
  initial?: () => CertificatePair | undefined;
  /** A new certificate to use (not called for `initial`). */
  onCertificate: (pair: CertificatePair) => void;
  logger: Logger;
  random?: () => number;
}

/** A P-256 key and a PKCS#10 request for system:node:<name> in system:nodes, with `names` as subjectAltNames. */
export async function createNodeRequest(nodeName: string, names: string[] = []): Promise<{ csr: string; key: string }> {
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ O: ['system:nodes'] }, { CN: [`system:node:${nodeName}`] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions:
      names.length === 0
        ? []
        : [new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n })))],
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

/** The wait before retry number `failures` (1, 2, …): 2 s doubling, at most a minute. */
export function retryDelay(failures: number): number {
  return Math.min(RETRY_FIRST_MS * 2 ** Math.max(0, failures - 1), RETRY_MAX_MS);
}

/** The first certificate and the first private key of a PEM file (certificate then key, as kept). */
export function parsePairPem(text: string | undefined): CertificatePair | undefined {
  const cert = text?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/)?.[0];
  const key = text?.match(/-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:EC |RSA )?PRIVATE KEY-----\n?/)?.[0];
  return cert && key ? { cert, key } : undefined;
}

const expiry = (pair: CertificatePair): number => Date.parse(new X509Certificate(pair.cert).validTo);

export class CertificateManager {
  readonly #o: CertificateManagerOptions;
  #current: CertificatePair | undefined;
  /** The deadline of the current certificate, drawn once per certificate. */
  #deadline = 0;
  #loaded = false;

  constructor(opts: CertificateManagerOptions) {
    this.#o = opts;
  }

  get current(): CertificatePair | undefined {
    return this.#current;
  }

  get path(): string {
    return join(this.#o.rootDir, 'pki', this.#o.file);
  }

  /** Takes up the stored certificate (else the initial one); `run` does it first unless done. */
  async load(): Promise<void> {
    if (this.#loaded) return;
    this.#loaded = true;
    const stored = await this.#load();
    if (stored) this.#use(stored);
    else this.#adopt(this.#o.initial?.());
  }

  /** Loads, then keeps a valid certificate until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.load();
    for (let failures = 0; !signal.aborted; ) {
      const wait = this.#current ? this.#deadline - Date.now() : 0;
      if (wait > 0) await sleep(Math.min(wait, 2 ** 31 - 1), signal);
      if (signal.aborted) return;
      if (this.#current && this.#deadline > Date.now()) continue;
      this.#warnIfExpired();
      try {
        const pair = await this.#request(signal);
        if (!pair) continue;
        await this.#store(pair);
        this.#use(pair);
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        const delay = retryDelay(++failures);
        this.#o.logger.warn({ err: (err as Error).message, retryInMs: delay }, `${this.#o.what} not obtained; retrying`);
        await sleep(delay, signal);
      }
    }
  }

  #adopt(pair: CertificatePair | undefined): void {
    if (!pair) return;
    this.#current = pair;
    this.#deadline = rotationDeadline(pair.cert, this.#o.random);
    this.#o.logger.info(
      { notAfter: new X509Certificate(pair.cert).validTo, rotationDeadline: new Date(this.#deadline).toISOString() },
      `${this.#o.what} in use`,
    );
  }

  #use(pair: CertificatePair): void {
    this.#adopt(pair);
    this.#o.onCertificate(pair);
  }

  /** An expired certificate cannot authenticate anything: said loudly, at each attempt. */
  #warnIfExpired(): void {
    if (!this.#current || expiry(this.#current) > Date.now()) return;
    this.#o.logger.error(
      { notAfter: new X509Certificate(this.#current.cert).validTo },
      `the ${this.#o.what} has EXPIRED; requests with it are refused until a new one is issued`,
    );
  }

  async #load(): Promise<CertificatePair | undefined> {
    const pair = parsePairPem(await readFile(this.path, 'utf8').catch(() => undefined));
    try {
      // A kept pair from another cluster (its CA replaced since) would lock the kubelet out: only
      // one the cluster CA the kubelet trusts signed is taken up.
      const ca = this.#o.client.config.caCert;
      if (pair && ca && !new X509Certificate(pair.cert).verify(new X509Certificate(ca).publicKey)) return undefined;
      return pair && expiry(pair) > Date.now() ? pair : undefined;
    } catch {
      return undefined;
    }
  }

  async #store(pair: CertificatePair): Promise<void> {
    await mkdir(join(this.#o.rootDir, 'pki'), { recursive: true, mode: 0o700 });
    await writeFile(`${this.path}.tmp`, `${pair.cert.trimEnd()}\n${pair.key.trimEnd()}\n`, { mode: 0o600 });
    await rename(`${this.path}.tmp`, this.path);
  }

  /** One CSR, waited on until issued; undefined when it went away (a new one is made). */
  async #request(signal: AbortSignal): Promise<CertificatePair | undefined> {
    const request = await this.#o.newRequest(signal);
    if (!request || signal.aborted) return undefined;
    const { csr, key } = request;
    const created = await this.#o.client.create<CertificateSigningRequest>(CSRS, {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'csr-' },
      spec: { request: Buffer.from(csr).toString('base64'), signerName: this.#o.signerName, usages: this.#o.usages },
    });
    const name = created.metadata?.name ?? '';
    this.#o.logger.info({ csr: name, signer: this.#o.signerName }, `${this.#o.what} requested; waiting for approval and signing`);
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
