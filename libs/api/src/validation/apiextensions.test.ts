import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from './apiextensions.ts';
import { defaultCustomResourceDefinition } from '../defaults/apiextensions.ts';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      properties: {
        color: { type: 'string', enum: ['red', 'blue'] },
        size: { type: 'integer' },
        round: { type: 'boolean' },
        ratio: { type: 'number' },
        port: { 'x-kubernetes-int-or-string': true },
        tags: { type: 'array', items: { type: 'string' } },
      },
    },
  },
};

type Version = Record<string, unknown>;
const version = (extra: Version = {}): Version => ({ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema }, ...extra });
const crd = (versions: Version[], spec: Record<string, unknown> = {}) => ({
  metadata: { name: 'shirts.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'shirts', singular: 'shirt', kind: 'Shirt', listKind: 'ShirtList' },
    versions,
    ...spec,
  },
});
const messages = (errs: { field: string; message: string }[]) => errs.map((e) => `${e.field}: ${e.message}`);
const selectable = (...paths: string[]) => version({ selectableFields: paths.map((jsonPath) => ({ jsonPath })) });

test('CRD validation: a valid CRD has no causes', () => {
  assert.deepEqual(messages(validateCustomResourceDefinition(crd([selectable('.spec.color', '.spec.size', '.spec.round')]))), []);
});

test('CRD validation: version-level rules in apiextensions-apiserver words', () => {
  const cases: [string, Version[], string[]][] = [
    [
      'no storage version',
      [version({ storage: false })],
      [
        'spec.versions: Invalid value: [{"name":"v1","served":true,"storage":false,"schema":{"openAPIV3Schema":' +
          JSON.stringify(schema) +
          '}}]: must have exactly one version marked as storage version',
      ],
    ],
    [
      'two storage versions, duplicate names',
      [version(), version()],
      [
        `spec.versions: Invalid value: ${JSON.stringify([version(), version()])}: must contain unique version names`,
        `spec.versions: Invalid value: ${JSON.stringify([version(), version()])}: must have exactly one version marked as storage version`,
      ],
    ],
    [
      'version name not a DNS-1035 label',
      [version({ name: 'V1' })],
      [
        "spec.versions[0].name: Invalid value: \"V1\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      ],
    ],
    ['no schema', [version({ schema: undefined })], ['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']],
    [
      'deprecationWarning without deprecated',
      [version({ deprecationWarning: 'old' })],
      ['spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions'],
    ],
    [
      'printer column',
      [version({ additionalPrinterColumns: [{ name: 'C', type: 'color', jsonPath: 'spec' }, { type: 'string' }] })],
      [
        'spec.versions[0].additionalPrinterColumns[0].type: Invalid value: "color": must be one of boolean,date,integer,number,string',
        'spec.versions[0].additionalPrinterColumns[0].JSONPath: Invalid value: "spec": must be a simple json path starting with .',
        'spec.versions[0].additionalPrinterColumns[1].name: Required value',
        'spec.versions[0].additionalPrinterColumns[1].JSONPath: Required value',
      ],
    ],
    [
      'scale paths',
      [version({ subresources: { scale: { specReplicasPath: '.status.r', statusReplicasPath: 'status.r' } } })],
      [
        'spec.versions[0].subresources.scale.specReplicasPath: Invalid value: ".status.r": should be a json path under .spec',
        'spec.versions[0].subresources.scale.statusReplicasPath: Invalid value: "status.r": must be a simple json path starting with .',
      ],
    ],
  ];
  for (const [name, versions, want] of cases) assert.deepEqual(messages(validateCustomResourceDefinition(crd(versions))), want, name);
});

test('CRD validation: selectableFields', () => {
  const cases: [string, Version, string[]][] = [
    [
      'unknown field',
      selectable('.spec.shape'),
      ['spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".spec.shape": is an invalid path: does not refer to a valid field'],
    ],
    [
      'not a path',
      selectable('spec.color'),
      ['spec.versions[0].selectableFields[0].jsonPath: Invalid value: "spec.color": is an invalid path: does not refer to a valid field'],
    ],
    ['empty', version({ selectableFields: [{}] }), ['spec.versions[0].selectableFields[0].jsonPath: Required value']],
    [
      'not a scalar of the allowed types',
      selectable('.spec.ratio', '.spec.tags', '.spec.port'),
      [0, 1, 2].map((i) => {
        const path = ['.spec.ratio', '.spec.tags', '.spec.port'][i];
        return `spec.versions[0].selectableFields[${i}].jsonPath: Invalid value: "${path}": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.`;
      }),
    ],
    [
      'metadata',
      selectable('.metadata.name'),
      ['spec.versions[0].selectableFields[0].jsonPath: Invalid value: ".metadata.name": must not point to fields in metadata'],
    ],
    ['duplicate', selectable('.spec.color', '.spec.color'), ['spec.versions[0].selectableFields[1].jsonPath: Duplicate value: ".spec.color"']],
    [
      'no schema',
      version({ schema: undefined, selectableFields: [{ jsonPath: '.spec.color' }] }),
      [
        'spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required',
        'spec.versions[0].selectableFields: Invalid value: "": selectableFields may only be set when version.schema.openAPIV3Schema is not included',
      ],
    ],
  ];
  for (const [name, v, want] of cases) assert.deepEqual(messages(validateCustomResourceDefinition(crd([v]))), want, name);

  const many = {
    type: 'object',
    properties: { spec: { type: 'object', properties: Object.fromEntries([...Array(9).keys()].map((i) => [`f${i}`, { type: 'string' }])) } },
  };
  const nine = version({ schema: { openAPIV3Schema: many }, selectableFields: [...Array(9).keys()].map((i) => ({ jsonPath: `.spec.f${i}` })) });
  assert.deepEqual(messages(validateCustomResourceDefinition(crd([nine]))), ['spec.versions[0].selectableFields: Too many: 9: must have at most 8 items']);
});

test('CRD update: immutable fields and status.storedVersions', () => {
  const old = { ...crd([version()]), status: { storedVersions: ['v1'], conditions: [{ type: 'Established', status: 'True' }] } };
  const changed = { ...crd([version({ name: 'v2' })], { scope: 'Cluster', group: 'other.example.com' }), status: { storedVersions: ['v1'] } };
  changed.spec.names = { ...changed.spec.names, plural: 'tees', kind: 'Tee' };
  assert.deepEqual(messages(validateCustomResourceDefinitionUpdate(changed, old)), [
    'spec.scope: Invalid value: "Cluster": field is immutable',
    'spec.names.kind: Invalid value: "Tee": field is immutable',
    'spec.group: Invalid value: "other.example.com": field is immutable',
    'spec.names.plural: Invalid value: "tees": field is immutable',
    'status.storedVersions: Invalid value: ["v1"]: must have the storage version v2',
    'status.storedVersions[0]: Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions',
  ]);
  const emptied = { ...crd([version()]), status: { storedVersions: [] } };
  assert.deepEqual(messages(validateCustomResourceDefinitionUpdate(emptied, old)), [
    'status.storedVersions: Invalid value: []: must have at least one stored version',
  ]);
});

test('CRD defaults: singular, listKind, conversion None, a webhook Service on 443', () => {
  const obj: any = { spec: { names: { plural: 'shirts', kind: 'Shirt' } } };
  defaultCustomResourceDefinition(obj);
  assert.deepEqual(obj.spec, { names: { plural: 'shirts', kind: 'Shirt', singular: 'shirt', listKind: 'ShirtList' }, conversion: { strategy: 'None' } });
  const webhook: any = {
    spec: {
      names: { plural: 'shirts', kind: 'Shirt', singular: 'tee', listKind: 'Tees' },
      conversion: { strategy: 'Webhook', webhook: { clientConfig: { service: { namespace: 'a', name: 'b' } } } },
    },
  };
  defaultCustomResourceDefinition(webhook);
  assert.deepEqual([webhook.spec.names.singular, webhook.spec.names.listKind, webhook.spec.conversion.webhook.clientConfig.service.port], ['tee', 'Tees', 443]);
});
