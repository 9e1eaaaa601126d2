import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateApiService } from './apiregistration.ts';
import { defaultApiService } from '../defaults/apiregistration.ts';

const apiService = (spec: Record<string, unknown>, name = 'v1beta1.metrics.k8s.io'): { metadata: { name: string }; spec: Record<string, unknown> } => ({
  metadata: { name },
  spec: { group: 'metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, ...spec },
});
const messages = (obj: unknown) => validateApiService(obj).map((e) => `${e.field}: ${e.message}`);

test('APIService validation: kube-aggregator rules and messages', () => {
  const cases: [string, unknown, string[]][] = [
    ['local', apiService({}), []],
    ['service', apiService({ service: { namespace: 'kube-system', name: 'metrics-server', port: 443 }, insecureSkipTLSVerify: true }), []],
    [
      'name must be version.group',
      apiService({}, 'metrics'),
      ['metadata.name: Invalid value: "metrics": must be `spec.version+"."+spec.group`: "v1beta1.metrics.k8s.io"'],
    ],
    [
      'empty group only for v1',
      apiService({ group: '', version: 'v2' }, 'v2.'),
      ['spec.group: Required value: only v1 may have an empty group and it better be legacy kube'],
    ],
    [
      'priorities',
      apiService({ groupPriorityMinimum: 20001, versionPriority: 0 }),
      [
        'spec.groupPriorityMinimum: Invalid value: 20001: must be positive and less than 20000',
        'spec.versionPriority: Invalid value: 0: must be positive and less than 1000',
      ],
    ],
    [
      'local with TLS settings',
      apiService({ caBundle: Buffer.from('abc').toString('base64'), insecureSkipTLSVerify: true }),
      [
        'spec.caBundle: Invalid value: "3 bytes": local APIServices may not have a caBundle',
        'spec.insecureSkipTLSVerify: Invalid value: true: local APIServices may not have insecureSkipTLSVerify',
      ],
    ],
    [
      'caBundle and insecure',
      apiService({ service: { namespace: 'a', name: 'b', port: 443 }, caBundle: 'YWJj', insecureSkipTLSVerify: true }),
      ['spec.insecureSkipTLSVerify: Invalid value: true: may not be true if caBundle is present'],
    ],
    [
      'service fields',
      apiService({ service: { port: 70000 } }),
      [
        'spec.service.namespace: Required value',
        'spec.service.name: Required value',
        'spec.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive',
      ],
    ],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(messages(obj), want, name);
});

test('APIService defaults: a service reference without a port means 443', () => {
  const obj = apiService({ service: { namespace: 'a', name: 'b' } });
  defaultApiService(obj);
  assert.equal((obj.spec.service as { port: number }).port, 443);
  const local = apiService({});
  defaultApiService(local);
  assert.equal('service' in local.spec, false);
});
