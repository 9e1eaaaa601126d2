/**
 * Certificates by SNI name for the TLS listener: the Ingresses' `spec.tls` secrets (kubernetes.io/tls,
 * tls.crt/tls.key), and a self-signed fallback for names no Ingress has a certificate for, as
 * ingress-nginx's "Fake Certificate" (the handshake succeeds; the browser warns).
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Secret } from '@skiff/api';
import { createCertificateAuthority, issueCertificate, type CertificatePair } from '@skiff/pki';
import type { Logger } from '@skiff/log';

export const FALLBACK_CERTIFICATE_CN = 'Skiff Ingress Controller Fake Certificate';

/** The fallback: a throwaway CA signing a serving certificate, both made at start and never stored. */
export async function createFallbackCertificate(): Promise<CertificatePair> {
  const ca = await createCertificateAuthority('skiff-ingress-fallback-ca', 3650);
  return issueCertificate(ca, { commonName: FALLBACK_CERTIFICATE_CN, hosts: ['ingress.local'], usage: 'server', validityDays: 3650 });
}

export class CertificateStore {
  readonly #fallback: SecureContext;
  readonly #logger: Logger;
  /** host (exact or `*.x`) → context; replaced whole on update, so a lookup never sees half a table. */
  #byHost = new Map<string, SecureContext>();
  /** `namespace/name@resourceVersion` → context, so an unchanged secret is not parsed again. */
  #parsed = new Map<string, SecureContext | undefined>();

  constructor(fallback: CertificatePair, logger: Logger) {
    this.#fallback = createSecureContext(fallback);
    this.#logger = logger;
  }

  /** `tlsSecrets`: host → `namespace/secretName`; `getSecret` reads the cache (undefined when absent). */
  update(tlsSecrets: ReadonlyMap<string, string>, getSecret: (key: string) => Secret | undefined): void {
    const byHost = new Map<string, SecureContext>();
    const parsed = new Map<string, SecureContext | undefined>();
    for (const [host, key] of tlsSecrets) {
      const secret = getSecret(key);
      if (!secret) continue;
      const id = `${key}@${secret.metadata?.resourceVersion}`;
      const ctx = parsed.has(id) ? parsed.get(id) : this.#parsed.has(id) ? this.#parsed.get(id) : this.#parse(key, secret);
      parsed.set(id, ctx);
      if (ctx) byHost.set(host, ctx);
    }
    this.#byHost = byHost;
    this.#parsed = parsed;
  }

  /** The context for an SNI name: exact, then `*.` one label up, else the fallback. */
  contextFor(servername: string | undefined): SecureContext {
    const name = (servername ?? '').toLowerCase();
    const exact = this.#byHost.get(name);
    if (exact) return exact;
    const dot = name.indexOf('.');
    return (dot > 0 ? this.#byHost.get(`*.${name.slice(dot + 1)}`) : undefined) ?? this.#fallback;
  }

  get fallback(): SecureContext {
    return this.#fallback;
  }

  #parse(key: string, secret: Secret): SecureContext | undefined {
    const crt = secret.data?.['tls.crt'];
    const tlsKey = secret.data?.['tls.key'];
    if (secret.type !== 'kubernetes.io/tls' || !crt || !tlsKey) {
      this.#logger.warn(
        { secret: key, type: secret.type },
        'TLS secret is not of type kubernetes.io/tls with tls.crt and tls.key; serving the fallback certificate',
      );
      return undefined;
    }
    try {
      return createSecureContext({ cert: Buffer.from(crt, 'base64'), key: Buffer.from(tlsKey, 'base64') });
    } catch (err) {
      this.#logger.warn({ secret: key, err }, 'TLS secret does not hold a usable certificate and key; serving the fallback certificate');
      return undefined;
    }
  }
}
