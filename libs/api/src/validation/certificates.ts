/** CertificateSigningRequest validation (pkg/apis/certificates/validation), the parts Skiff's TLS bootstrap relies on. */
import { type FieldError, immutable, invalid, isObject, notSupported, required } from './field-error.ts';

/** certificates.k8s.io/v1 KeyUsage values. */
export const KEY_USAGES = [
  'signing',
  'digital signature',
  'content commitment',
  'key encipherment',
  'key agreement',
  'data encipherment',
  'cert sign',
  'crl sign',
  'encipher only',
  'decipher only',
  'any',
  'server auth',
  'client auth',
  'code signing',
  'email protection',
  's/mime',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'timestamping',
  'ocsp signing',
  'microsoft sgc',
  'netscape sgc',
] as const;

const CONDITION_TYPES = ['Approved', 'Denied', 'Failed'] as const;

/** `example.com/name`: a DNS subdomain, a slash, then a path (as IsQualifiedName + signer rules ask). */
const SIGNER_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

function decodedPem(request: unknown): string | undefined {
  if (typeof request !== 'string' || request === '') return undefined;
  return Buffer.from(request, 'base64').toString('latin1');
}

export function validateCertificateSigningRequest(csr: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec;
  if (!isObject(spec)) return [required('spec')];
  const pem = decodedPem(spec.request);
  if (pem === undefined) errs.push(required('spec.request'));
  else if (!/-----BEGIN (NEW )?CERTIFICATE REQUEST-----/.test(pem)) {
    errs.push(invalid('spec.request', '<binary>', 'PEM block type must be CERTIFICATE REQUEST'));
  }
  if (typeof spec.signerName !== 'string' || spec.signerName === '') errs.push(required('spec.signerName'));
  else if (!SIGNER_NAME.test(spec.signerName)) {
    errs.push(invalid('spec.signerName', spec.signerName, "must be a fully qualified domain and path of the form 'example.com/signer-name'"));
  }
  if (!Array.isArray(spec.usages) || spec.usages.length === 0) errs.push(required('spec.usages'));
  else
    spec.usages.forEach((u: unknown, i: number) => {
      if (!(KEY_USAGES as readonly unknown[]).includes(u)) errs.push(notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    });
  if (spec.expirationSeconds !== undefined && (typeof spec.expirationSeconds !== 'number' || spec.expirationSeconds < 600)) {
    errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  errs.push(...validateStatus(csr.status));
  return errs;
}

function validateStatus(status: unknown): FieldError[] {
  if (status === undefined || status === null) return [];
  if (!isObject(status)) return [invalid('status', status, 'must be an object')];
  const errs: FieldError[] = [];
  const conditions: unknown[] = Array.isArray(status.conditions) ? status.conditions : [];
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const type = isObject(c) ? c.type : undefined;
    if (typeof type !== 'string' || type === '') {
      errs.push(required(`status.conditions[${i}].type`));
      return;
    }
    if (!(CONDITION_TYPES as readonly string[]).includes(type)) errs.push(notSupported(`status.conditions[${i}].type`, type, CONDITION_TYPES));
    if (seen.has(type)) errs.push(invalid(`status.conditions[${i}].type`, type, 'duplicate condition type'));
    seen.add(type);
  });
  if (seen.has('Approved') && seen.has('Denied')) {
    errs.push(invalid('status.conditions', 'Approved,Denied', 'Approved and Denied conditions are mutually exclusive'));
  }
  if (typeof status.certificate === 'string' && status.certificate !== '') {
    if (!seen.has('Approved')) errs.push(invalid('status.certificate', '<binary>', 'certificate may only be set when the request is approved'));
    const pem = Buffer.from(status.certificate, 'base64').toString('latin1');
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) errs.push(invalid('status.certificate', '<binary>', 'must contain at least one CERTIFICATE PEM block'));
  }
  return errs;
}

/** The request is immutable once created; an issued certificate may not be replaced. */
export function validateCertificateSigningRequestUpdate(csr: any, old: any): FieldError[] {
  const errs = immutable('spec', csr.spec, old.spec);
  const oldCert = old.status?.certificate;
  if (typeof oldCert === 'string' && oldCert !== '' && csr.status?.certificate !== oldCert) {
    errs.push(invalid('status.certificate', '<binary>', 'updates may not modify existing certificate content'));
  }
  const wasDecided = (t: string) => (old.status?.conditions ?? []).some((c: any) => c?.type === t);
  const isDecided = (t: string) => (csr.status?.conditions ?? []).some((c: any) => c?.type === t);
  for (const t of ['Approved', 'Denied']) {
    if (wasDecided(t) && !isDecided(t)) errs.push(invalid('status.conditions', t, `the ${t} condition may not be removed`));
  }
  return errs;
}
