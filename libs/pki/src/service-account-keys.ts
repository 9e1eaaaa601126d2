/**
 * Service-account key files, read as kube-apiserver and kube-controller-manager read them:
 * PEM files holding RSA or ECDSA keys — private (PKCS#8, PKCS#1 or SEC1), public (SPKI or
 * PKCS#1) or certificates — possibly several blocks in one file. The signer and the verifier
 * agree on a key id without talking to each other: upstream's keyIDFromPublicKey, i.e.
 * base64url(sha256(DER of the SPKI public key)), so the `kid` of a token signed by the
 * controller-manager's copy of sa.key matches the apiserver's JWKS.
 */
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

export type ServiceAccountSigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'ES512';

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Every PEM block of `text` with its label (`PRIVATE KEY`, `PUBLIC KEY`, `CERTIFICATE`...). */
function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1]!, pem: m[0] }));
}

function isPrivateLabel(label: string): boolean {
  return label.endsWith('PRIVATE KEY');
}

/** The public keys a file holds (a private key counts as its public half), in file order. */
export function parseServiceAccountPublicKeys(text: string, source: string): KeyObject[] {
  const keys: KeyObject[] = [];
  for (const { label, pem } of pemBlocks(text)) {
    if (!isPrivateLabel(label) && !label.endsWith('PUBLIC KEY') && label !== 'CERTIFICATE') continue;
    try {
      keys.push(isPrivateLabel(label) ? createPublicKey(createPrivateKey(pem)) : createPublicKey(pem));
    } catch (err) {
      throw new Error(`${source}: cannot read ${label}`, { cause: err });
    }
  }
  if (keys.length === 0) throw new Error(`${source}: no public or private key found`);
  for (const key of keys) signingAlgorithmOf(key, source);
  return keys;
}

/** The first private key of a file. */
export function parseServiceAccountPrivateKey(text: string, source: string): KeyObject {
  const block = pemBlocks(text).find((b) => isPrivateLabel(b.label));
  if (!block) throw new Error(`${source}: no private key found`);
  let key: KeyObject;
  try {
    key = createPrivateKey(block.pem);
  } catch (err) {
    throw new Error(`${source}: cannot read ${block.label}`, { cause: err });
  }
  signingAlgorithmOf(key, source);
  return key;
}

/** Upstream's key id: base64url (no padding) of the SHA-256 of the public key's SPKI DER. */
export function serviceAccountKeyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('base64url');
}

/** RS256 for RSA, ES256/384/512 for the NIST curves, as upstream's signer picks them. */
export function signingAlgorithmOf(key: KeyObject, source = 'service-account key'): ServiceAccountSigningAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return 'ES256';
    if (curve === 'secp384r1' || curve === 'P-384') return 'ES384';
    if (curve === 'secp521r1' || curve === 'P-521') return 'ES512';
  }
  throw new Error(`${source}: unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (want RSA or ECDSA P-256/384/521)`);
}

/** `iss` of the tokens in legacy token Secrets (pkg/serviceaccount/legacy.go). */
export const LEGACY_SERVICE_ACCOUNT_ISSUER = 'kubernetes/serviceaccount';

/** The flat private claims of a legacy token, as upstream spells them. */
export const LEGACY_CLAIMS = {
  namespace: 'kubernetes.io/serviceaccount/namespace',
  secretName: 'kubernetes.io/serviceaccount/secret.name',
  name: 'kubernetes.io/serviceaccount/service-account.name',
  uid: 'kubernetes.io/serviceaccount/service-account.uid',
} as const;

/**
 * The claims of a legacy token Secret's token: signed by the controller-manager, checked by the
 * apiserver, and never expiring (it holds while the Secret holds it).
 */
export function legacyServiceAccountClaims(namespace: string, serviceAccount: { name: string; uid: string }, secretName: string): Record<string, string> {
  return {
    iss: LEGACY_SERVICE_ACCOUNT_ISSUER,
    [LEGACY_CLAIMS.namespace]: namespace,
    [LEGACY_CLAIMS.secretName]: secretName,
    [LEGACY_CLAIMS.name]: serviceAccount.name,
    [LEGACY_CLAIMS.uid]: serviceAccount.uid,
    sub: `system:serviceaccount:${namespace}:${serviceAccount.name}`,
  };
}
