/**
 * The custom-resource half of `./skiff bench api`: a CRD shaped like a certificate request
 * (23 leaf fields with types, required fields, enums, patterns, formats, bounds, item limits and
 * maps — no CEL), and one object of it per write, beside a ConfigMap carrying the same spec
 * JSON as its data. The ConfigMap is the comparable built-in: same bytes on the wire and
 * in etcd, next to no validation, so the gap between the two is what schema validation,
 * defaulting and pruning cost.
 */
import { sleep } from '@skiff/client';
import { apiRequest, type ApiTarget } from '@skiff/test/harness';

const GROUP = 'bench.skiff.dev';
export const WIDGETS_PATH = `/apis/${GROUP}/v1/namespaces/bench/certrequests`;
export const CONFIGMAPS_PATH = '/api/v1/namespaces/bench/configmaps';

const str = (extra: Record<string, unknown> = {}) => ({ type: 'string', ...extra });
const strings = (items: Record<string, unknown> = {}, maxItems = 50) => ({ type: 'array', maxItems, items: str(items) });
const dnsName = { pattern: '^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', maxLength: 253 };

const specSchema = {
  type: 'object',
  required: ['secretName', 'issuerRef', 'dnsNames'],
  properties: {
    secretName: str({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 253 }),
    commonName: str({ maxLength: 64 }),
    dnsNames: { ...strings(dnsName, 100), minItems: 1 },
    ipAddresses: strings({ format: 'ipv4' }),
    emailAddresses: strings({ format: 'email' }),
    uris: strings({ format: 'uri' }),
    duration: str({ pattern: '^[0-9]+(h|m|s)$' }),
    renewBefore: str({ pattern: '^[0-9]+(h|m|s)$' }),
    isCA: { type: 'boolean' },
    usages: strings({ enum: ['digital signature', 'key encipherment', 'server auth', 'client auth', 'cert sign'] }, 10),
    revisionHistoryLimit: { type: 'integer', minimum: 1, maximum: 100 },
    issuerRef: {
      type: 'object',
      required: ['name'],
      properties: {
        name: str({ minLength: 1 }),
        kind: str({ enum: ['Issuer', 'ClusterIssuer'], default: 'Issuer' }),
        group: str({ default: 'cert-manager.io' }),
      },
    },
    privateKey: {
      type: 'object',
      properties: {
        algorithm: str({ enum: ['RSA', 'ECDSA', 'Ed25519'] }),
        size: { type: 'integer', minimum: 256, maximum: 8192 },
        encoding: str({ enum: ['PKCS1', 'PKCS8'] }),
        rotationPolicy: str({ enum: ['Never', 'Always'], default: 'Never' }),
      },
    },
    subject: {
      type: 'object',
      properties: { organizations: strings(), countries: strings({ minLength: 2, maxLength: 2 }), localities: strings() },
    },
    secretTemplate: {
      type: 'object',
      properties: { labels: { type: 'object', additionalProperties: str() }, annotations: { type: 'object', additionalProperties: str() } },
    },
  },
};

export const certRequestCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `certrequests.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'certrequests', singular: 'certrequest', kind: 'CertRequest', listKind: 'CertRequestList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: { type: 'object', properties: { spec: specSchema, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } },
        },
      },
    ],
  },
};

function specFor(name: string): Record<string, unknown> {
  return {
    secretName: `${name}-tls`,
    commonName: `${name}.bench.example.com`,
    dnsNames: [`${name}.bench.example.com`, `www.${name}.bench.example.com`, `*.apps.bench.example.com`],
    ipAddresses: ['10.0.0.17', '192.168.1.20'],
    emailAddresses: ['ops@example.com'],
    uris: ['spiffe://cluster.local/ns/bench/sa/web'],
    duration: '2160h',
    renewBefore: '360h',
    isCA: false,
    usages: ['digital signature', 'key encipherment', 'server auth'],
    revisionHistoryLimit: 3,
    issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer' },
    privateKey: { algorithm: 'ECDSA', size: 256, encoding: 'PKCS8' },
    subject: { organizations: ['Skiff'], countries: ['NL'], localities: ['Amsterdam'] },
    secretTemplate: { labels: { app: 'web', tier: 'edge' }, annotations: { 'bench.skiff.dev/owner': 'bench' } },
  };
}

export const certRequestFor = (name: string) => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'CertRequest',
  metadata: { name, namespace: 'bench', labels: { app: 'bench' } },
  spec: specFor(name),
});

export const configMapFor = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'bench', labels: { app: 'bench' } },
  data: { 'spec.json': JSON.stringify(specFor(name)) },
});

/**
 * Creates the CRD and waits until its objects can be written (Established, served): a
 * dry-run create answering 201 proves it end to end without leaving an object behind.
 * A dry-run of a bad object must then be refused (422), or the ratio would measure a
 * server that does not validate.
 */
export async function installCertRequestCrd(target: ApiTarget, timeoutMs = 30_000): Promise<void> {
  const created = await apiRequest(target, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', { body: certRequestCrd });
  if (created.status !== 201) throw new Error(`creating CRD ${certRequestCrd.metadata.name}: HTTP ${created.status}: ${created.body.slice(0, 300)}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probe = await apiRequest(target, 'POST', `${WIDGETS_PATH}?dryRun=All`, { body: certRequestFor('probe') });
    if (probe.status === 201) break;
    if (Date.now() > deadline)
      throw new Error(`CRD ${certRequestCrd.metadata.name} not served after ${timeoutMs} ms: HTTP ${probe.status}: ${probe.body.slice(0, 300)}`);
    await sleep(200);
  }
  const bad = certRequestFor('bad');
  bad.spec.privateKey = { algorithm: 'DSA', size: 64, encoding: 'PKCS8' };
  const refused = await apiRequest(target, 'POST', `${WIDGETS_PATH}?dryRun=All`, { body: bad });
  if (refused.status !== 422)
    throw new Error(`an invalid ${certRequestCrd.spec.names.kind} was not refused: HTTP ${refused.status}: ${refused.body.slice(0, 300)}`);
}
