/**
 * Admission webhooks against a real etcd and apiserver, with webhooks served by this test over
 * HTTPS (a CA of its own, given to the apiserver as caBundle) and driven by real kubectl:
 * a refusal with the webhook's message and code, namespaceSelector and objectSelector, a JSON
 * patch visible on the stored object, warnings kubectl prints, a webhook that times out
 * (failurePolicy Fail: 500; Ignore: the write goes through), a webhook reached through a
 * Service whose EndpointSlice points at 127.0.0.1, and the configurations' own validation and
 * table, webhook matchConditions, reinvocation re-running the built-in mutating plugins, and
 * ValidatingAdmissionPolicies in CEL (params by name, by selector and of a custom resource kind,
 * parameterNotFoundAction, matchConditions, Deny and Warn bindings, compile errors).
 * The apiserver reads configurations from a watch, so each one is awaited with dry-run
 * probes before it is relied on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import { createCertificateAuthority, issueCertificate } from '@skiff/pki';
import { apiRequest, eventually, kubectl, kubectlBinaries, tableHeader, tableRow, useApiControlPlane, type ApiResponse } from '../harness/index.ts';

// Ports 25700 (etcd), 25750 (apiserver) and 25790 (the webhooks) belong to this file (range 25700-25799).
const BASE_PORT = 25700;
const HOOK_PORT = 25790;
const HOOK_URL = `https://127.0.0.1:${HOOK_PORT}`;
const ADM = '/apis/admissionregistration.k8s.io/v1';
const binaries = await kubectlBinaries();

interface Review {
  request: any;
}
const received: Review[] = [];
const callsByName = new Map<string, number>();

/** The webhooks: each path answers an AdmissionReview its own way. */
function answer(path: string, review: Review): unknown {
  const { request } = review;
  const name = request.object?.metadata?.name ?? request.name;
  const response: Record<string, unknown> = { uid: request.uid, allowed: true };
  if (path === '/deny') {
    Object.assign(response, { allowed: false, status: { code: 403, reason: 'Forbidden', message: `configmap ${name} is not welcome here` } });
  } else if (path === '/mutate') {
    const ops = [
      ...(request.object.metadata.labels ? [] : [{ op: 'add', path: '/metadata/labels', value: {} }]),
      { op: 'add', path: '/metadata/labels/mutated-by', value: 'skiff-test' },
      ...(request.kind.kind === 'ConfigMap' ? [{ op: 'add', path: '/data', value: { injected: 'true' } }] : []),
    ];
    Object.assign(response, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') });
  } else if (path === '/count') {
    // Counts its calls per object in an annotation: a reinvoked webhook writes 2.
    const calls = (callsByName.get(name) ?? 0) + 1;
    callsByName.set(name, calls);
    const ops = [
      ...(request.object.metadata.annotations ? [] : [{ op: 'add', path: '/metadata/annotations', value: {} }]),
      { op: 'add', path: '/metadata/annotations/calls', value: String(calls) },
    ];
    Object.assign(response, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') });
  } else if (path === '/sidecar') {
    // Adds a second container (no volume mounts): only a re-run of the ServiceAccount plugin mounts the token in it.
    const ops = request.object.spec.containers.length > 1 ? [] : [{ op: 'add', path: '/spec/containers/-', value: { name: 'sidecar', image: 'busybox' } }];
    Object.assign(response, { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(ops)).toString('base64') });
  } else if (path === '/warn') {
    response.warnings = [`configmap ${name} is deprecated here`];
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

async function startWebhooks(): Promise<{ server: Server; caBundle: string }> {
  const ca = await createCertificateAuthority('admission-webhooks-test-ca', 1);
  const serving = await issueCertificate(ca, { commonName: 'hooks', hosts: ['127.0.0.1', 'hooks.hooks-system.svc'], usage: 'server', validityDays: 1 });
  const server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
      const path = new URL(req.url ?? '/', HOOK_URL).pathname;
      received.push(review);
      const reply = () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(answer(path, review)));
      };
      if (path === '/slow') setTimeout(reply, 3000);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(HOOK_PORT, '127.0.0.1', resolve));
  return { server, caBundle: Buffer.from(ca.cert).toString('base64') };
}

/** A webhook for configmaps carrying `label` (objectSelector), in namespaces labelled hooks=on. */
function hook(name: string, label: string, clientConfig: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    clientConfig,
    rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
    namespaceSelector: { matchLabels: { hooks: 'on' } },
    objectSelector: { matchExpressions: [{ key: label, operator: 'Exists' }] },
    sideEffects: 'None',
    admissionReviewVersions: ['v1'],
    ...extra,
  };
}

const configMap = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels } });

describe('admission webhooks', { timeout: 600_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);
  let webhooks: { server: Server; caBundle: string };
  const post = (path: string, body: unknown) => apiRequest(api.cluster.admin, 'POST', path, { body });
  const get = (path: string) => apiRequest(api.cluster.admin, 'GET', path);
  const createConfigMap = (ns: string, name: string, labels: Record<string, string>, dryRun = false): Promise<ApiResponse> =>
    post(`/api/v1/namespaces/${ns}/configmaps${dryRun ? '?dryRun=All' : ''}`, configMap(name, labels));
  /** Waits until the apiserver's watch has the configuration: a dry-run create answers `status`. */
  const effective = (labels: Record<string, string>, status: number) =>
    eventually(async () => {
      assert.equal((await createConfigMap('hooks-on', 'probe', labels, true)).status, status);
    });

  before(async () => {
    webhooks = await startWebhooks();
    const url = (path: string) => ({ url: `${HOOK_URL}${path}`, caBundle: webhooks.caBundle });
    for (const [name, labels] of [
      ['hooks-on', { hooks: 'on' }],
      ['hooks-off', {}],
      ['hooks-system', {}],
    ] as const) {
      assert.equal((await post('/api/v1/namespaces', { metadata: { name, labels } })).status, 201);
    }
    // The Service clientConfig: port 443 of `hooks`, whose only endpoint is this test's server.
    assert.equal(
      (
        await post('/api/v1/namespaces/hooks-system/services', {
          metadata: { name: 'hooks' },
          spec: { ports: [{ name: 'https', port: 443, targetPort: HOOK_PORT }] },
        })
      ).status,
      201,
    );
    assert.equal(
      (
        await post('/apis/discovery.k8s.io/v1/namespaces/hooks-system/endpointslices', {
          metadata: { name: 'hooks-manual', labels: { 'kubernetes.io/service-name': 'hooks' } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }],
          ports: [{ name: 'https', port: HOOK_PORT, protocol: 'TCP' }],
        })
      ).status,
      201,
    );
    const validating = await post(`${ADM}/validatingwebhookconfigurations`, {
      metadata: { name: 'test-validating' },
      webhooks: [
        hook('deny.skiff.test', 'deny', url('/deny')),
        hook('warn.skiff.test', 'warn', url('/warn')),
        hook('slow-fail.skiff.test', 'slow-fail', url('/slow'), { timeoutSeconds: 1 }),
        hook('slow-ignore.skiff.test', 'slow-ignore', url('/slow'), { timeoutSeconds: 1, failurePolicy: 'Ignore' }),
        hook('service.skiff.test', 'via-service', { service: { namespace: 'hooks-system', name: 'hooks', path: '/deny' }, caBundle: webhooks.caBundle }),
      ],
    });
    assert.equal(validating.status, 201, validating.body);
    const mutating = await post(`${ADM}/mutatingwebhookconfigurations`, {
      metadata: { name: 'test-mutating' },
      webhooks: [
        hook('count.skiff.test', 'reinvoke', url('/count'), { reinvocationPolicy: 'IfNeeded' }),
        hook('mutate.skiff.test', 'mutate', url('/mutate')),
        hook('events.skiff.test', 'mutate', url('/mutate'), {
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['events'] }],
        }),
      ],
    });
    assert.equal(mutating.status, 201, mutating.body);
    await effective({ deny: 'yes' }, 403);
  });
  after(() => new Promise<void>((resolve) => webhooks?.server.close(() => resolve())));

  it('defaults every webhook as upstream: Fail, Equivalent, 10s, scope *, Never, service port 443', async () => {
    const config = (await get(`${ADM}/validatingwebhookconfigurations/test-validating`)).json;
    const deny = config.webhooks[0];
    assert.equal(deny.failurePolicy, 'Fail');
    assert.equal(deny.matchPolicy, 'Equivalent');
    assert.equal(deny.timeoutSeconds, 10);
    assert.equal(deny.rules[0].scope, '*');
    assert.equal(config.webhooks[4].clientConfig.service.port, 443);
    const mutating = (await get(`${ADM}/mutatingwebhookconfigurations/test-mutating`)).json;
    assert.equal(mutating.webhooks[1].reinvocationPolicy, 'Never');
  });

  binaries.forEach((bin) => {
    describe(bin.name, () => {
      const run = (args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: api.cluster.kubeconfigPath, stdin });
      const suffix = bin.name.replace(/[^a-z0-9]/gi, '').toLowerCase();

      it('a refusing webhook: kubectl shows its message, nothing is stored; selectors decide who is asked', async () => {
        const name = `bad-${suffix}`;
        const res = await run(['-n', 'hooks-on', 'create', '-f', '-'], JSON.stringify(configMap(name, { deny: 'yes' })));
        assert.notEqual(res.code, 0, res.stdout);
        assert.match(res.stderr, new RegExp(`admission webhook "deny.skiff.test" denied the request: configmap ${name} is not welcome here`));
        assert.equal((await get(`/api/v1/namespaces/hooks-on/configmaps/${name}`)).status, 404);
        // The namespace is not labelled hooks=on, or the object lacks the `deny` label: the webhook is not asked.
        assert.equal((await run(['-n', 'hooks-off', 'create', '-f', '-'], JSON.stringify(configMap(name, { deny: 'yes' })))).code, 0);
        assert.equal((await run(['-n', 'hooks-on', 'create', '-f', '-'], JSON.stringify(configMap(name, {})))).code, 0);
        // An update that adds the label is refused too (UPDATE is in the rules).
        const labelled = await run(['-n', 'hooks-on', 'label', 'configmap', name, 'deny=now']);
        assert.match(labelled.stderr, /denied the request: configmap .* is not welcome here/);
      });

      it('warnings from a webhook are printed by kubectl', async () => {
        const res = await run(['-n', 'hooks-on', 'create', '-f', '-'], JSON.stringify(configMap(`warned-${suffix}`, { warn: 'yes' })));
        assert.equal(res.code, 0, res.stderr);
        assert.match(res.stderr, new RegExp(`Warning: configmap warned-${suffix} is deprecated here`));
      });
    });
  });

  it('the refusal carries the webhook status code and reason', async () => {
    const res = await createConfigMap('hooks-on', 'refused', { deny: 'yes' });
    assert.equal(res.status, 403);
    assert.equal(res.json.reason, 'Forbidden');
    assert.equal(res.json.message, 'admission webhook "deny.skiff.test" denied the request: configmap refused is not welcome here');
  });

  it('a mutating webhook: its JSON patch is on the stored object; the review names the request', async () => {
    received.length = 0;
    assert.equal((await createConfigMap('hooks-on', 'patched', { mutate: 'yes' })).status, 201);
    const stored = (await get('/api/v1/namespaces/hooks-on/configmaps/patched')).json;
    assert.equal(stored.metadata.labels['mutated-by'], 'skiff-test');
    assert.deepEqual(stored.data, { injected: 'true' });
    const review = received.find((r) => r.request.name === 'patched')!.request;
    assert.deepEqual(review.kind, { group: '', version: 'v1', kind: 'ConfigMap' });
    assert.deepEqual(review.resource, { group: '', version: 'v1', resource: 'configmaps' });
    assert.equal(review.operation, 'CREATE');
    assert.equal(review.namespace, 'hooks-on');
    assert.equal(review.userInfo.username, 'admin');
    assert.equal(review.object.metadata.labels.mutate, 'yes');
    assert.equal(review.oldObject, null);
    assert.equal(review.options.kind, 'CreateOptions');
    assert.match(review.uid, /^[0-9a-f-]{36}$/);
  });

  it('reinvocationPolicy IfNeeded: a webhook is called again once a later webhook changed the object', async () => {
    assert.equal((await createConfigMap('hooks-on', 'twice', { reinvoke: 'yes', mutate: 'yes' })).status, 201);
    const stored = (await get('/api/v1/namespaces/hooks-on/configmaps/twice')).json;
    assert.equal(stored.metadata.annotations.calls, '2');
    assert.equal(stored.metadata.labels['mutated-by'], 'skiff-test');
    // Nothing after it changes the object: one call.
    assert.equal((await createConfigMap('hooks-on', 'once', { reinvoke: 'yes' })).status, 201);
    assert.equal((await get('/api/v1/namespaces/hooks-on/configmaps/once')).json.metadata.annotations.calls, '1');
  });

  it('reinvocation re-runs the built-in mutating plugins: a container a webhook added gets the service-account token', async () => {
    const podHook = (name: string, label: string, path: string, extra: Record<string, unknown> = {}) =>
      hook(
        name,
        label,
        { url: `${HOOK_URL}${path}`, caBundle: webhooks.caBundle },
        {
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          ...extra,
        },
      );
    const created = await post(`${ADM}/mutatingwebhookconfigurations`, {
      metadata: { name: 'test-pods' },
      webhooks: [
        podHook('count-pods.skiff.test', 'reinvoke', '/count', { reinvocationPolicy: 'IfNeeded' }),
        podHook('sidecar.skiff.test', 'sidecar', '/sidecar'),
      ],
    });
    assert.equal(created.status, 201, created.body);
    const pod = (name: string, labels: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: { containers: [{ name: 'main', image: 'busybox' }] },
    });
    const containers = async (name: string, labels: Record<string, string>) => {
      const res = await post('/api/v1/namespaces/hooks-on/pods?dryRun=All', pod(name, labels));
      assert.equal(res.status, 201, res.body);
      return res.json.spec.containers as { name: string; volumeMounts?: { mountPath: string }[] }[];
    };
    const mounted = (c: { volumeMounts?: { mountPath: string }[] }) =>
      (c.volumeMounts ?? []).some((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount');
    const reinvoked = await eventually(async () => {
      const got = await containers('reinvoked', { reinvoke: 'yes', sidecar: 'yes' });
      assert.equal(got.length, 2);
      return got;
    });
    assert.deepEqual(reinvoked.map(mounted), [true, true]);
    // No IfNeeded webhook before the change: no reinvocation, so the added container has no token mount (as upstream).
    assert.deepEqual((await containers('not-reinvoked', { sidecar: 'yes' })).map(mounted), [true, false]);
  });

  it('matchPolicy Equivalent: a rule for core v1 events sees an events.k8s.io/v1 write as a core Event', async () => {
    received.length = 0;
    const created = await post('/apis/events.k8s.io/v1/namespaces/hooks-on/events', {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: 'seen', labels: { mutate: 'yes' } },
      eventTime: '2026-12-07T11:00:00.000000Z',
      reportingController: 'skiff.test/hooks',
      reportingInstance: 'hooks-1',
      action: 'Test',
      reason: 'Testing',
      type: 'Normal',
      note: 'hello',
      regarding: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'hooks-on', name: 'small' },
    });
    assert.equal(created.status, 201, created.body);
    const review = received.find((r) => r.request.name === 'seen')!.request;
    assert.deepEqual(review.kind, { group: '', version: 'v1', kind: 'Event' });
    assert.deepEqual(review.requestKind, { group: 'events.k8s.io', version: 'v1', kind: 'Event' });
    assert.equal(review.object.apiVersion, 'v1');
    assert.equal(review.object.message, 'hello');
    const stored = (await get('/apis/events.k8s.io/v1/namespaces/hooks-on/events/seen')).json;
    assert.equal(stored.metadata.labels['mutated-by'], 'skiff-test');
    assert.equal(stored.note, 'hello');
  });

  it('a webhook that times out: failurePolicy Fail answers 500, Ignore lets the write through', async () => {
    const failed = await createConfigMap('hooks-on', 'slow-fail', { 'slow-fail': 'yes' });
    assert.equal(failed.status, 500);
    assert.match(
      failed.json.message,
      /^Internal error occurred: failed calling webhook "slow-fail.skiff.test": failed to call webhook: Post "https:\/\/127.0.0.1:25790\/slow\?timeout=1s": context deadline exceeded/,
    );
    assert.equal((await get('/api/v1/namespaces/hooks-on/configmaps/slow-fail')).status, 404);
    assert.equal((await createConfigMap('hooks-on', 'slow-ignore', { 'slow-ignore': 'yes' })).status, 201);
  });

  it('a webhook reached through a Service and its EndpointSlice, its certificate checked for hooks.hooks-system.svc', async () => {
    const res = await createConfigMap('hooks-on', 'served', { 'via-service': 'yes' });
    assert.equal(res.status, 403, res.body);
    assert.match(res.json.message, /admission webhook "service.skiff.test" denied the request: configmap served is not welcome here/);
  });

  it('kubectl get prints NAME WEBHOOKS AGE', async () => {
    const [bin] = binaries;
    const out = (await kubectl(bin!, ['get', 'validatingwebhookconfigurations'], { kubeconfig: api.cluster.kubeconfigPath })).stdout;
    assert.equal(tableHeader(out), 'NAME WEBHOOKS AGE');
    assert.match(tableRow(out, 'test-validating'), /^test-validating 5 \d+s$/);
  });

  it('invalid configurations are refused with upstream causes', async () => {
    const res = await post(`${ADM}/validatingwebhookconfigurations`, {
      metadata: { name: 'broken' },
      webhooks: [
        { name: 'short', clientConfig: { url: 'http://example.com/x?y=1' }, admissionReviewVersions: ['v1beta1'], timeoutSeconds: 31 },
        { name: 'short', clientConfig: {}, sideEffects: 'Some', admissionReviewVersions: ['v1'] },
      ],
    });
    assert.equal(res.status, 422, res.body);
    const causes = res.json.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    for (const expected of [
      'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
      'webhooks[0].clientConfig.url: Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: https://host[/path]',
      'webhooks[0].clientConfig.url: Invalid value: "y=1": query parameters are not permitted in the URL',
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].admissionReviewVersions: Invalid value: ["v1beta1"]: must include at least one of v1',
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
      'webhooks[1].name: Duplicate value: "short"',
      'webhooks[1].clientConfig: Required value: exactly one of url or service is required',
      'webhooks[1].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"',
    ])
      assert.ok(causes.includes(expected), `${expected}\nin\n${causes.join('\n')}`);
  });

  it('matchConditions: a false condition skips the webhook; an evaluation error refuses under Fail, passes under Ignore', async () => {
    const url = { url: `${HOOK_URL}/deny`, caBundle: webhooks.caBundle };
    const created = await post(`${ADM}/validatingwebhookconfigurations`, {
      metadata: { name: 'test-conditions' },
      webhooks: [
        hook('conditional.skiff.test', 'conditional', url, {
          matchConditions: [
            { name: 'deny-prefix', expression: "object.metadata.name.startsWith('deny-')" },
            { name: 'creates-only', expression: "request.operation == 'CREATE'" },
          ],
        }),
        hook('condition-error.skiff.test', 'cond-error', url, { matchConditions: [{ name: 'broken', expression: "object.data.missing == 'x'" }] }),
        hook('condition-ignore.skiff.test', 'cond-ignore', url, {
          failurePolicy: 'Ignore',
          matchConditions: [{ name: 'broken', expression: "object.data.missing == 'x'" }],
        }),
      ],
    });
    assert.equal(created.status, 201, created.body);
    await eventually(async () => assert.equal((await createConfigMap('hooks-on', 'deny-probe', { conditional: 'yes' }, true)).status, 403));
    received.length = 0;
    const denied = await createConfigMap('hooks-on', 'deny-me', { conditional: 'yes' });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.message, 'admission webhook "conditional.skiff.test" denied the request: configmap deny-me is not welcome here');
    // The name condition is false: the webhook is never called.
    assert.equal((await createConfigMap('hooks-on', 'keep-me', { conditional: 'yes' })).status, 201);
    assert.equal(received.filter((r) => r.request.name === 'keep-me').length, 0);
    const failed = await createConfigMap('hooks-on', 'cond-fail', { 'cond-error': 'yes' });
    assert.equal(failed.status, 403, failed.body);
    assert.match(
      failed.json.message,
      /^configmaps "cond-fail" is forbidden: failed calling webhook "condition-error.skiff.test": expression 'object.data.missing == 'x'' resulted in error: /,
    );
    assert.equal((await createConfigMap('hooks-on', 'cond-ignored', { 'cond-ignore': 'yes' })).status, 201);
  });

  it('matchConditions are validated when written; the CEL authorizer is refused', async () => {
    const res = await post(`${ADM}/mutatingwebhookconfigurations`, {
      metadata: { name: 'broken-conditions' },
      webhooks: [
        hook(
          'conditions.skiff.test',
          'x',
          { url: `${HOOK_URL}/deny` },
          {
            matchConditions: [
              { name: 'same', expression: 'object.metadata.name ==' },
              { name: 'same', expression: "authorizer.group('').resource('pods').check('create').allowed()" },
            ],
          },
        ),
      ],
    });
    assert.equal(res.status, 422, res.body);
    const causes = res.json.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    assert.ok(causes.includes('webhooks[0].matchConditions[1].name: Duplicate value: "same"'), causes.join('\n'));
    assert.ok(
      causes.some((c: string) =>
        c.startsWith('webhooks[0].matchConditions[0].expression: Invalid value: "object.metadata.name ==": compilation failed: ERROR: <input>:1:'),
      ),
      causes.join('\n'),
    );
    assert.ok(
      causes.some((c: string) => c.endsWith('the authorizer variable is not supported by Skiff: a CEL expression cannot check authorization here')),
      causes.join('\n'),
    );
  });

  describe('ValidatingAdmissionPolicy', () => {
    const policy = (name: string, spec: Record<string, unknown>) => ({ metadata: { name }, spec });
    const rules = (label: string) => ({
      resourceRules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
      objectSelector: { matchExpressions: [{ key: label, operator: 'Exists' }] },
    });
    const withData = (name: string, label: string, data: Record<string, string>) => ({ ...configMap(name, { [label]: 'yes' }), data });

    before(async () => {
      assert.equal((await post('/api/v1/namespaces/hooks-system/configmaps', { metadata: { name: 'policy-params' }, data: { maxKeys: '1' } })).status, 201);
      for (const [path, body] of [
        [
          'validatingadmissionpolicies',
          policy('limit-data', {
            paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
            matchConstraints: rules('policy'),
            validations: [
              {
                expression: '!has(object.data) || size(object.data) <= int(params.data.maxKeys)',
                messageExpression: "'configmap ' + object.metadata.name + ' has more than ' + params.data.maxKeys + ' keys'",
              },
            ],
          }),
        ],
        [
          'validatingadmissionpolicybindings',
          policy('limit-data-binding', {
            policyName: 'limit-data',
            validationActions: ['Deny'],
            paramRef: { name: 'policy-params', namespace: 'hooks-system', parameterNotFoundAction: 'Deny' },
          }),
        ],
        [
          'validatingadmissionpolicies',
          policy('ok-names', {
            matchConstraints: rules('policy-warn'),
            validations: [{ expression: "object.metadata.name.startsWith('ok-')", message: 'names must start with ok-' }],
          }),
        ],
        ['validatingadmissionpolicybindings', policy('ok-names-binding', { policyName: 'ok-names', validationActions: ['Warn'] })],
      ] as const) {
        const res = await post(`${ADM}/${path}`, body);
        assert.equal(res.status, 201, res.body);
      }
      await eventually(async () => {
        assert.equal((await post('/api/v1/namespaces/hooks-on/configmaps?dryRun=All', withData('probe', 'policy', { a: '1', b: '2' }))).status, 422);
      });
    });

    it('a policy with params denies in CEL words; kubectl shows them; a conforming object is stored', async () => {
      const res = await post('/api/v1/namespaces/hooks-on/configmaps', withData('big', 'policy', { a: '1', b: '2' }));
      assert.equal(res.status, 422);
      assert.equal(res.json.reason, 'Invalid');
      assert.equal(
        res.json.message,
        "configmaps \"big\" is forbidden: ValidatingAdmissionPolicy 'limit-data' with binding 'limit-data-binding' denied request: configmap big has more than 1 keys",
      );
      const [bin] = binaries;
      const cli = await kubectl(bin!, ['-n', 'hooks-on', 'create', '-f', '-'], {
        kubeconfig: api.cluster.kubeconfigPath,
        stdin: JSON.stringify(withData('big', 'policy', { a: '1', b: '2' })),
      });
      assert.match(cli.stderr, /ValidatingAdmissionPolicy 'limit-data' with binding 'limit-data-binding' denied request: configmap big has more than 1 keys/);
      assert.equal((await post('/api/v1/namespaces/hooks-on/configmaps', withData('small', 'policy', { a: '1' }))).status, 201);
    });

    it('a Warn binding lets the write through with a Warning header', async () => {
      const res = await eventually(async () => {
        const r = await post('/api/v1/namespaces/hooks-on/configmaps?dryRun=All', configMap('bad-name', { 'policy-warn': 'yes' }));
        assert.equal(r.status, 201, r.body);
        assert.match(
          String(r.headers.warning ?? ''),
          /Validation failed for ValidatingAdmissionPolicy 'ok-names' with binding 'ok-names-binding': names must start with ok-/,
        );
        return r;
      });
      assert.ok(res);
    });

    it('paramRef.selector: every selected params object is checked, from the watch; none found denies or is skipped; matchConditions exempt', async () => {
      const forbid = (name: string, key: string) =>
        post('/api/v1/namespaces/hooks-system/configmaps', { metadata: { name, labels: { forbid: 'yes' } }, data: { key } });
      for (const [name, key] of [
        ['forbid-a', 'a'],
        ['forbid-b', 'b'],
      ])
        assert.equal((await forbid(name, key)).status, 201);
      const selected = (label: string, matchLabels: Record<string, string>, parameterNotFoundAction: string) => ({
        matchResources: { objectSelector: { matchExpressions: [{ key: label, operator: 'Exists' }] } },
        paramRef: { selector: { matchLabels }, namespace: 'hooks-system', parameterNotFoundAction },
      });
      for (const [path, body] of [
        [
          'validatingadmissionpolicies',
          policy('forbid-keys', {
            paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
            // The bindings choose the objects (matchResources); the policy matches every configmap.
            matchConstraints: { resourceRules: rules('policy-select').resourceRules },
            matchConditions: [{ name: 'not-exempt', expression: "object.metadata.name != 'exempt'" }],
            validations: [
              { expression: '!has(object.data) || !(params.data.key in object.data)', messageExpression: "'key ' + params.data.key + ' is forbidden'" },
            ],
          }),
        ],
        [
          'validatingadmissionpolicybindings',
          policy('forbid-keys-selected', { policyName: 'forbid-keys', validationActions: ['Deny'], ...selected('policy-select', { forbid: 'yes' }, 'Deny') }),
        ],
        [
          'validatingadmissionpolicybindings',
          policy('forbid-keys-none-deny', {
            policyName: 'forbid-keys',
            validationActions: ['Deny'],
            ...selected('policy-none-deny', { forbid: 'never' }, 'Deny'),
          }),
        ],
        [
          'validatingadmissionpolicybindings',
          policy('forbid-keys-none-allow', {
            policyName: 'forbid-keys',
            validationActions: ['Deny'],
            ...selected('policy-none-allow', { forbid: 'never' }, 'Allow'),
          }),
        ],
      ] as const) {
        const res = await post(`${ADM}/${path}`, body);
        assert.equal(res.status, 201, res.body);
      }
      const create = (name: string, label: string, data: Record<string, string>, dryRun = false) =>
        post(`/api/v1/namespaces/hooks-on/configmaps${dryRun ? '?dryRun=All' : ''}`, withData(name, label, data));
      await eventually(async () => assert.equal((await create('probe', 'policy-select', { b: '1' }, true)).status, 422));
      // Both params are evaluated: the second one refuses key b.
      const refused = await create('has-b', 'policy-select', { b: '1' });
      assert.equal(refused.status, 422);
      assert.equal(
        refused.json.message,
        "configmaps \"has-b\" is forbidden: ValidatingAdmissionPolicy 'forbid-keys' with binding 'forbid-keys-selected' denied request: key b is forbidden",
      );
      assert.equal((await create('has-c', 'policy-select', { c: '1' })).status, 201);
      // The policy's matchCondition is false for `exempt`: no validation runs.
      assert.equal((await create('exempt', 'policy-select', { a: '1' })).status, 201);
      // A params object added later is seen through the watch.
      assert.equal((await forbid('forbid-c', 'c')).status, 201);
      await eventually(async () => assert.equal((await create('has-c-again', 'policy-select', { c: '1' }, true)).status, 422));
      // No params selected: Deny refuses, Allow skips the binding.
      const none = await create('none', 'policy-none-deny', { z: '1' });
      assert.equal(none.status, 422, none.body);
      assert.equal(
        none.json.message,
        "configmaps \"none\" is forbidden: ValidatingAdmissionPolicy 'forbid-keys' with binding 'forbid-keys-none-deny' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction",
      );
      assert.equal((await create('none', 'policy-none-allow', { z: '1' })).status, 201);
    });

    it('params of a custom resource kind: refused while the kind is not served, checked once its CRD is', async () => {
      for (const [path, body] of [
        [
          'validatingadmissionpolicies',
          policy('key-limit', {
            paramKind: { apiVersion: 'policy.skiff.test/v1', kind: 'KeyLimit' },
            matchConstraints: rules('policy-crd'),
            validations: [
              {
                expression: '!has(object.data) || size(object.data) <= params.spec.maxKeys',
                messageExpression: "'at most ' + string(params.spec.maxKeys) + ' keys'",
              },
            ],
          }),
        ],
        [
          'validatingadmissionpolicybindings',
          policy('key-limit-default', {
            policyName: 'key-limit',
            validationActions: ['Deny'],
            paramRef: { name: 'default', parameterNotFoundAction: 'Deny' },
          }),
        ],
      ] as const)
        assert.equal((await post(`${ADM}/${path}`, body)).status, 201);
      const create = (name: string, data: Record<string, string>, dryRun = true) =>
        post(`/api/v1/namespaces/hooks-on/configmaps${dryRun ? '?dryRun=All' : ''}`, withData(name, 'policy-crd', data));
      await eventually(async () => {
        const res = await create('unserved', { a: '1' });
        assert.equal(res.status, 422, res.body);
        assert.match(
          res.json.message,
          /denied request: failed to configure policy: failed to find resource referenced by paramKind: 'policy.skiff.test\/v1, Kind=KeyLimit'$/,
        );
      });
      const crd = await post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
        metadata: { name: 'keylimits.policy.skiff.test' },
        spec: {
          group: 'policy.skiff.test',
          scope: 'Cluster',
          names: { plural: 'keylimits', singular: 'keylimit', kind: 'KeyLimit', listKind: 'KeyLimitList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { spec: { type: 'object', properties: { maxKeys: { type: 'integer' } } } },
                },
              },
            },
          ],
        },
      });
      assert.equal(crd.status, 201, crd.body);
      const limit = await eventually(async () => {
        const res = await post('/apis/policy.skiff.test/v1/keylimits', {
          apiVersion: 'policy.skiff.test/v1',
          kind: 'KeyLimit',
          metadata: { name: 'default' },
          spec: { maxKeys: 1 },
        });
        assert.equal(res.status, 201, res.body);
        return res;
      });
      assert.ok(limit);
      const refused = await eventually(async () => {
        const res = await create('two-keys', { a: '1', b: '2' }, false);
        assert.equal(res.status, 422, res.body);
        assert.match(res.json.message, /with binding 'key-limit-default' denied request: at most 1 keys$/);
        return res;
      });
      assert.ok(refused);
      assert.equal((await create('one-key', { a: '1' }, false)).status, 201);
    });

    it('a binding with paramRef needs parameterNotFoundAction and one of name or selector', async () => {
      const res = await post(
        `${ADM}/validatingadmissionpolicybindings`,
        policy('bad-ref', { policyName: 'x', validationActions: ['Deny'], paramRef: { name: 'a', selector: {} } }),
      );
      assert.equal(res.status, 422, res.body);
      const causes = res.json.details.causes.map((c: any) => `${c.field}: ${c.message}`);
      for (const expected of [
        'spec.paramRef.name: Forbidden: name and selector are mutually exclusive',
        'spec.paramRef.parameterNotFoundAction: Required value',
      ])
        assert.ok(causes.includes(expected), `${expected}\nin\n${causes.join('\n')}`);
    });

    it('policies and bindings are validated: expressions compile, actions are known', async () => {
      const bad = await post(
        `${ADM}/validatingadmissionpolicies`,
        policy('broken', { matchConstraints: rules('x'), validations: [{ expression: 'object.metadata.name ==' }] }),
      );
      assert.equal(bad.status, 422, bad.body);
      assert.match(bad.json.message, /spec\.validations\[0\]\.expression: Invalid value: "object\.metadata\.name ==": compilation failed: ERROR: <input>/);
      const binding = await post(`${ADM}/validatingadmissionpolicybindings`, policy('broken', { policyName: 'x', validationActions: ['Deny', 'Warn'] }));
      assert.equal(binding.status, 422, binding.body);
      assert.match(binding.json.message, /must not contain both Deny and Warn/);
      const [bin] = binaries;
      const out = (await kubectl(bin!, ['get', 'validatingadmissionpolicies'], { kubeconfig: api.cluster.kubeconfigPath })).stdout;
      assert.equal(tableHeader(out), 'NAME VALIDATIONS PARAMKIND AGE');
      assert.match(tableRow(out, 'limit-data'), /^limit-data 1 v1\/ConfigMap \d+s$/);
      const bindings = (await kubectl(bin!, ['get', 'validatingadmissionpolicybindings'], { kubeconfig: api.cluster.kubeconfigPath })).stdout;
      assert.equal(tableHeader(bindings), 'NAME POLICYNAME PARAMREF AGE');
      assert.match(tableRow(bindings, 'limit-data-binding'), /^limit-data-binding limit-data hooks-system\/policy-params \d+s$/);
    });
  });
});
