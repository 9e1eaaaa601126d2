/** Schemas of well-known CRDs, trimmed to what the tests exercise. */
import type { JsonSchema } from './index.ts';

/** The CronTab of the Kubernetes docs (custom-resource-definitions task), with a CEL rule added. */
export const cronTabSchema: JsonSchema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
        image: { type: 'string' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        minReplicas: { type: 'integer' },
        maxReplicas: { type: 'integer' },
      },
      'x-kubernetes-validations': [
        {
          rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
          message: 'minReplicas cannot be larger than maxReplicas',
        },
      ],
    },
  },
};

/** A cert-manager Certificate-like schema: required fields, enums, formats, list types, nesting. */
export const certificateSchema: JsonSchema = {
  type: 'object',
  required: ['spec'],
  properties: {
    spec: {
      type: 'object',
      required: ['secretName', 'issuerRef'],
      properties: {
        secretName: { type: 'string', minLength: 1, maxLength: 253 },
        commonName: { type: 'string', maxLength: 64 },
        dnsNames: { type: 'array', items: { type: 'string', format: 'hostname' }, 'x-kubernetes-list-type': 'set', maxItems: 3 },
        ipAddresses: { type: 'array', items: { type: 'string', format: 'ipv4' } },
        emailAddresses: { type: 'array', items: { type: 'string', format: 'email' } },
        duration: { type: 'string', format: 'duration' },
        renewBefore: { type: 'string', format: 'duration' },
        revisionHistoryLimit: { type: 'integer', format: 'int32', minimum: 1 },
        isCA: { type: 'boolean' },
        usages: { type: 'array', items: { type: 'string', enum: ['digital signature', 'key encipherment', 'server auth', 'client auth'] } },
        privateKey: {
          type: 'object',
          nullable: true,
          properties: {
            algorithm: { type: 'string', enum: ['RSA', 'ECDSA', 'Ed25519'], default: 'RSA' },
            size: { type: 'integer' },
            rotationPolicy: { type: 'string', enum: ['Never', 'Always'] },
          },
          'x-kubernetes-validations': [
            {
              rule: "self.algorithm != 'Ed25519' || !has(self.size)",
              message: 'size is not used with Ed25519',
              fieldPath: '.size',
              reason: 'FieldValueForbidden',
            },
          ],
        },
        issuerRef: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' }, kind: { type: 'string', default: 'Issuer' }, group: { type: 'string' } },
        },
        secretTemplate: {
          type: 'object',
          properties: {
            annotations: { type: 'object', additionalProperties: { type: 'string' } },
            labels: { type: 'object', additionalProperties: { type: 'string', maxLength: 63 } },
          },
        },
        keystores: {
          type: 'object',
          properties: {
            pkcs12: { type: 'object', properties: { create: { type: 'boolean' } }, 'x-kubernetes-preserve-unknown-fields': true },
          },
        },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['port', 'protocol'],
          items: {
            type: 'object',
            required: ['port'],
            properties: {
              port: { type: 'integer' },
              protocol: { type: 'string', default: 'TCP' },
              name: { type: 'string' },
              targetPort: { 'x-kubernetes-int-or-string': true },
            },
          },
        },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        podRef: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
      },
    },
    status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  },
};
