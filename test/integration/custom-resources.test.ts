/**
 * CustomResourceDefinitions end to end against a real etcd and apiserver: close copies of
 * well-known CRDs (test/integration/fixtures/crds: Kubernetes' CronTab, a cert-manager
 * Certificate) are created and established within a second, discovered, and their objects
 * created, listed with selectors and pages, watched, validated, defaulted, pruned, printed
 * with their columns, scaled and status-patched, by both kubectls and @kubernetes/client-node;
 * deleting the CRD deletes its objects.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { CustomObjectsApi } from '@kubernetes/client-node';
import {
  REPO_ROOT,
  apiRequest,
  eventually,
  kubectl,
  kubectlBinaries,
  openWatch,
  tableHeader,
  tableRow,
  useApiControlPlane,
  type ApiResponse,
  type KubectlResult,
} from '../harness/index.ts';

// Ports 25500 (etcd) and 25550 (apiserver) belong to this file (range 25500-25599).
const BASE_PORT = 25500;
const FIXTURES = join(REPO_ROOT, 'test/integration/fixtures/crds');
const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const CRONTABS = '/apis/stable.example.com/v1/namespaces/default/crontabs';

const binaries = await kubectlBinaries();
const fixture = (file: string): string => readFileSync(join(FIXTURES, file), 'utf8');

describe('custom resources', { timeout: 600_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse> =>
    apiRequest(api.cluster.admin, method, path, { body, headers });
  const expectStatus = (res: ApiResponse, status: number): void => assert.equal(res.status, status, res.body);

  it('a CRD is established within a second, with its names accepted, and its objects can be created and read', async () => {
    const started = Date.now();
    expectStatus(await call('POST', CRD_PATH, parse(fixture('crontab.yaml'))), 201);
    const crd = await eventually(
      async () => {
        const res = await call('GET', `${CRD_PATH}/crontabs.stable.example.com`);
        const established = res.json.status?.conditions?.find((c: { type: string }) => c.type === 'Established');
        assert.equal(established?.status, 'True', res.body);
        return res.json;
      },
      5000,
      50,
    );
    assert.ok(Date.now() - started < 1500, `established after ${Date.now() - started} ms`);
    const named = crd.status.conditions.find((c: { type: string }) => c.type === 'NamesAccepted');
    assert.deepEqual([named.status, named.reason, named.message], ['True', 'NoConflicts', 'no conflicts found']);
    assert.deepEqual(crd.status.acceptedNames, {
      plural: 'crontabs',
      singular: 'crontab',
      kind: 'CronTab',
      listKind: 'CronTabList',
      shortNames: ['ct'],
      categories: ['all'],
    });
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    assert.deepEqual(crd.metadata.finalizers, ['customresourcecleanup.apiextensions.k8s.io']);

    const discovery = await call('GET', '/apis/stable.example.com/v1');
    expectStatus(discovery, 200);
    const listed = discovery.json.resources.find((r: { name: string }) => r.name === 'crontabs');
    assert.equal(listed.kind, 'CronTab');
    assert.equal(listed.namespaced, true);
    assert.deepEqual(listed.shortNames, ['ct']);

    const created = await call('POST', CRONTABS, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'first', labels: { team: 'a' } },
      spec: { cronSpec: '* * * * */5', image: 'my-awesome-cron-image' },
    });
    expectStatus(created, 201);
    assert.equal(created.json.metadata.generation, 1);
    expectStatus(await call('GET', `${CRONTABS}/first`), 200);
    const list = await call('GET', `${CRONTABS}?labelSelector=team%3Da`);
    expectStatus(list, 200);
    assert.equal(list.json.kind, 'CronTabList');
    assert.deepEqual(
      list.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['first'],
    );
  });

  it('a restarted apiserver serves the stored custom resources as soon as it is ready', async () => {
    await api.cluster.restartApiServer();
    // restartApiServer returns at the first 200 from /readyz: no retry, the object must be there.
    expectStatus(await call('GET', `${CRONTABS}/first`), 200);
    const verbose = await call('GET', '/readyz?verbose');
    assert.match(verbose.body, /\[\+\]crd-informer-synced ok/);
  });

  const waitEstablished = (name: string) =>
    eventually(
      async () => {
        const res = await call('GET', `${CRD_PATH}/${name}`);
        assert.equal(res.json.status?.conditions?.find((c: { type: string }) => c.type === 'Established')?.status, 'True', res.body);
      },
      5000,
      50,
    );

  it('an invalid CRD is refused with upstream causes and nothing is stored', async () => {
    const bad = parse(fixture('crontab.yaml'));
    bad.metadata.name = 'crontabs.example';
    bad.spec.group = 'example';
    bad.spec.versions.push({ ...bad.spec.versions[0], name: 'v2' });
    delete bad.spec.versions[1].schema;
    bad.spec.versions[0].additionalPrinterColumns.push({ name: 'Bad', type: 'color', jsonPath: 'spec' });
    const res = await call('POST', CRD_PATH, bad);
    expectStatus(res, 422);
    const causes = res.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    for (const want of [
      'spec.group: Invalid value: "example": should be a domain with at least one dot',
      'spec.versions: Invalid value: ',
      'spec.versions[1].schema.openAPIV3Schema: Required value: schemas are required',
      'spec.versions[0].additionalPrinterColumns[4].type: Invalid value: "color": must be one of boolean,date,integer,number,string',
      // apiextensions validates its internal type, whose field is JSONPath.
      'spec.versions[0].additionalPrinterColumns[4].JSONPath: Invalid value: "spec": must be a simple json path starting with .',
    ])
      assert.ok(
        causes.some((c: string) => c.startsWith(want)),
        `${want}\nin ${causes.join('\n')}`,
      );
    assert.ok(
      causes.some((c: string) => c.endsWith('must have exactly one version marked as storage version')),
      causes.join('\n'),
    );
    const named = await call('POST', CRD_PATH, { ...parse(fixture('crontab.yaml')), metadata: { name: 'wrong.stable.example.com' } });
    expectStatus(named, 422);
    assert.match(named.json.message, /metadata.name: Invalid value: "wrong.stable.example.com": must be spec.names.plural\+"."\+spec.group/);
    expectStatus(await call('GET', `${CRD_PATH}/crontabs.example`), 404);
  });

  it('custom objects: schema defaults, 422 with field paths, pruning warnings, Strict refusal, generation and status', async () => {
    const created = await call('POST', CRONTABS, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'defaults' },
      spec: { cronSpec: '*/5 * * * *', image: 'x', extra: 1 },
      status: { replicas: 9 },
    });
    expectStatus(created, 201);
    assert.equal(created.json.spec.replicas, 1, 'defaulted from the schema');
    assert.equal(created.json.spec.extra, undefined, 'pruned');
    assert.equal(created.json.status, undefined, "status is the status subresource's");
    assert.equal(created.headers.warning, '299 - "unknown field \\"spec.extra\\""');

    const strict = await call('POST', `${CRONTABS}?fieldValidation=Strict`, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'strict' },
      spec: { extra: 1 },
    });
    expectStatus(strict, 400);
    assert.match(strict.json.message, /strict decoding error: unknown field "spec.extra"/);

    const invalid = await call('POST', CRONTABS, {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'bad' },
      spec: { cronSpec: 'often', replicas: 11 },
    });
    expectStatus(invalid, 422);
    const fields = invalid.json.details.causes.map((c: { field: string }) => c.field).sort();
    assert.deepEqual(fields, ['spec.cronSpec', 'spec.replicas']);
    expectStatus(await call('GET', `${CRONTABS}/bad`), 404);

    const status = await call(
      'PATCH',
      `${CRONTABS}/defaults/status`,
      { status: { replicas: 1, labelSelector: 'app=cron' }, spec: { image: 'ignored' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expectStatus(status, 200);
    assert.deepEqual(status.json.status, { replicas: 1, labelSelector: 'app=cron' });
    assert.equal(status.json.spec.image, 'x', 'a status write keeps the spec');
    assert.equal(status.json.metadata.generation, 1, 'a status write does not move the generation');
    // A status write's unknown fields warn, or with Strict refuse the write, as a main write's do.
    const merge = { 'content-type': 'application/merge-patch+json' };
    const pruned = await call('PATCH', `${CRONTABS}/defaults/status`, { status: { extra: 'x' } }, merge);
    expectStatus(pruned, 200);
    assert.equal(pruned.headers.warning, '299 - "unknown field \\"status.extra\\""');
    assert.deepEqual(pruned.json.status, { replicas: 1, labelSelector: 'app=cron' });
    const strictPatch = await call('PATCH', `${CRONTABS}/defaults/status?fieldValidation=Strict`, { status: { extra: 'x' } }, merge);
    expectStatus(strictPatch, 422);
    assert.match(strictPatch.json.details.causes[0].message, /strict decoding error: unknown field "status.extra"/);
    const strictPut = await call('PUT', `${CRONTABS}/defaults/status?fieldValidation=Strict`, { ...pruned.json, status: { replicas: 2, extra: 'x' } });
    expectStatus(strictPut, 400);
    assert.match(strictPut.json.message, /^CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "status.extra"/);
    const put = await call('PUT', `${CRONTABS}/defaults/status`, { ...pruned.json, status: { replicas: 1, labelSelector: 'app=cron', extra: 'x' } });
    expectStatus(put, 200);
    assert.equal(put.headers.warning, '299 - "unknown field \\"status.extra\\""');
    const applied = await call(
      'PATCH',
      `${CRONTABS}/defaults/status?fieldManager=status-writer`,
      { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'defaults' }, status: { replicas: 1, extra: 'x' } },
      { 'content-type': 'application/apply-patch+yaml' },
    );
    expectStatus(applied, 200);
    assert.equal(applied.headers.warning, '299 - "unknown field \\"status.extra\\""', 'server-side apply on status warns too');
    assert.equal(applied.json.status.extra, undefined);
    const main = await call(
      'PATCH',
      `${CRONTABS}/defaults`,
      { spec: { image: 'y' }, status: { replicas: 5 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expectStatus(main, 200);
    assert.equal(main.json.metadata.generation, 2);
    assert.equal(main.json.status.replicas, 1, 'a main write keeps the status');
    const scale = await call('GET', `${CRONTABS}/defaults/scale`);
    expectStatus(scale, 200);
    assert.deepEqual([scale.json.kind, scale.json.spec.replicas, scale.json.status.replicas, scale.json.status.selector], ['Scale', 1, 1, 'app=cron']);
  });

  it('list with label and field selectors and pages, watch, and @kubernetes/client-node', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) {
      expectStatus(
        await call('POST', CRONTABS, {
          apiVersion: 'stable.example.com/v1',
          kind: 'CronTab',
          metadata: { name, labels: { paged: 'yes' } },
          spec: { image: name },
        }),
        201,
      );
    }
    const first = await call('GET', `${CRONTABS}?labelSelector=paged%3Dyes&limit=2`);
    assert.equal(first.json.items.length, 2);
    assert.ok(first.json.metadata.continue);
    const rest = await call('GET', `${CRONTABS}?labelSelector=paged%3Dyes&limit=2&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    assert.deepEqual(
      rest.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['page-c'],
    );
    const byName = await call('GET', `/apis/stable.example.com/v1/crontabs?fieldSelector=metadata.name%3Dpage-b`);
    assert.deepEqual(
      byName.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['page-b'],
    );
    // The CRD's selectableFields: .spec.image (a string) and .spec.replicas (an integer, compared as text).
    const byImage = await call('GET', `${CRONTABS}?fieldSelector=${encodeURIComponent('spec.image=page-b')}`);
    expectStatus(byImage, 200);
    assert.deepEqual(
      byImage.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['page-b'],
    );
    const notImage = await call('GET', `${CRONTABS}?labelSelector=paged%3Dyes&fieldSelector=${encodeURIComponent('spec.image!=page-b,spec.replicas=1')}`);
    assert.deepEqual(
      notImage.json.items.map((i: { metadata: { name: string } }) => i.metadata.name),
      ['page-a', 'page-c'],
    );
    const badField = await call('GET', `${CRONTABS}?fieldSelector=spec.cronSpec%3Dx`);
    expectStatus(badField, 400);
    assert.equal(badField.json.message, 'field label not supported: spec.cronSpec');
    const byImageWatch = await openWatch(
      api.cluster.admin,
      `${CRONTABS}?watch=true&fieldSelector=spec.image%3Dselected&resourceVersion=${rest.json.metadata.resourceVersion}`,
    );
    try {
      for (const [name, image] of [
        ['not-selected', 'other'],
        ['selected', 'selected'],
      ]) {
        expectStatus(await call('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name }, spec: { image } }), 201);
      }
      await byImageWatch.waitFor((events) => events.some((e) => e.object.metadata.name === 'selected'), 5000);
      assert.deepEqual(
        byImageWatch.events.map((e) => e.object.metadata.name),
        ['selected'],
      );
    } finally {
      byImageWatch.close();
    }

    const watch = await openWatch(
      api.cluster.admin,
      `${CRONTABS}?watch=true&labelSelector=watched%3Dyes&resourceVersion=${rest.json.metadata.resourceVersion}`,
    );
    try {
      expectStatus(
        await call('POST', CRONTABS, {
          apiVersion: 'stable.example.com/v1',
          kind: 'CronTab',
          metadata: { name: 'watched', labels: { watched: 'yes' } },
          spec: {},
        }),
        201,
      );
      await watch.waitFor((events) => events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'watched'), 5000);
      assert.equal(watch.events[0]!.object.kind, 'CronTab');
    } finally {
      watch.close();
    }

    const objects = api.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
    const listed = await objects.listNamespacedCustomObject({
      group: 'stable.example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'crontabs',
      labelSelector: 'paged=yes',
    });
    assert.deepEqual(
      (listed as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name),
      ['page-a', 'page-b', 'page-c'],
    );
    const made = await objects.createNamespacedCustomObject({
      group: 'stable.example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'crontabs',
      body: { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'from-client' }, spec: { cronSpec: '0 0 * * *' } },
    });
    assert.equal((made as { spec: { replicas: number } }).spec.replicas, 1);
  });

  binaries.forEach((bin, index) => {
    describe(bin.name, () => {
      const ns = `crd-${index}`;
      const run = (args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: api.cluster.kubeconfigPath, stdin });
      const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
        const res = await run(args, stdin);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };
      const certificate = (name: string, spec: string) => `apiVersion: cert-manager.io/v1
kind: Certificate
metadata: { name: ${name}, namespace: ${ns} }
spec: ${spec}
`;

      it('applies a cert-manager CRD, discovers it, prints its columns, refuses bad objects, prunes with a warning', async () => {
        if (index === 0) await ok(['apply', '-f', join(FIXTURES, 'certificate.yaml')]);
        await waitEstablished('certificates.cert-manager.io');
        await ok(['create', 'namespace', ns]);
        const resources = await ok(['api-resources', '--api-group=cert-manager.io']);
        assert.match(resources.stdout, /^certificates\s+cert,certs\s+cert-manager.io\/v1\s+true\s+Certificate$/m);
        assert.match((await ok(['get', 'crd'])).stdout, /^certificates\.cert-manager\.io\s+\d{4}-\d\d-\d\dT/m);

        await ok(['apply', '-f', '-'], certificate('web', '{ secretName: web-tls, issuerRef: { name: letsencrypt }, dnsNames: [web.example] }'));
        const ready = '{"status":{"conditions":[{"type":"Ready","status":"True","message":"Certificate is up to date"}]}}';
        if (bin.name === 'kubectl-1.20') {
          // kubectl 1.20 has no --subresource: the status goes through the API.
          expectStatus(
            await call('PATCH', `/apis/cert-manager.io/v1/namespaces/${ns}/certificates/web/status`, ready, { 'content-type': 'application/merge-patch+json' }),
            200,
          );
        } else {
          await ok(['patch', 'certificate', 'web', '-n', ns, '--subresource=status', '--type=merge', '-p', ready]);
        }
        const table = await ok(['get', 'certificates', '-n', ns]);
        assert.equal(tableHeader(table.stdout), 'NAME READY SECRET AGE');
        assert.match(tableRow(table.stdout, 'web'), /^web True web-tls \d+s$/);
        const wide = await ok(['get', 'cert', '-n', ns, '-o', 'wide']);
        assert.equal(tableHeader(wide.stdout), 'NAME READY SECRET ISSUER STATUS AGE');
        assert.match(tableRow(wide.stdout, 'web'), /^web True web-tls letsencrypt Certificate is up to date \d+s$/);

        const refused = await run(['create', '--validate=false', '-f', '-'], certificate('nosecret', '{ issuerRef: {} }'));
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /The Certificate "nosecret" is invalid/);
        assert.match(refused.stderr, /spec.secretName: Required value/);
        assert.match(refused.stderr, /spec.issuerRef.name: Required value/);

        const validate = bin.name === 'kubectl-1.20' ? '--validate=false' : '--validate=warn';
        const pruned = await ok(['apply', validate, '-f', '-'], certificate('extra', '{ secretName: s, issuerRef: { name: i }, colour: blue }'));
        assert.match(pruned.stderr, /Warning: unknown field "spec.colour"/);
        const stored = await ok(['get', 'certificate', 'extra', '-n', ns, '-o', 'jsonpath={.spec}']);
        assert.doesNotMatch(stored.stdout, /colour/);
      });

      it('kubectl get and scale a CronTab by its short name', async () => {
        await ok(
          ['apply', '-n', ns, '-f', '-'],
          `apiVersion: stable.example.com/v1
kind: CronTab
metadata: { name: nightly }
spec: { cronSpec: "0 3 * * *", image: cron-image }
`,
        );
        const table = await ok(['get', 'ct', '-n', ns]);
        assert.equal(tableHeader(table.stdout), 'NAME SPEC REPLICAS AGE');
        assert.match(tableRow(table.stdout, 'nightly'), /^nightly 0 3 \* \* \* 1 \d+s$/);
        await ok(['scale', 'crontab', 'nightly', '-n', ns, '--replicas=3']);
        assert.equal((await ok(['get', 'ct', 'nightly', '-n', ns, '-o', 'jsonpath={.spec.replicas}'])).stdout, '3');
        const all = await ok(['get', 'all', '-n', ns]);
        assert.match(all.stdout, /crontab\.stable\.example\.com\/nightly/);
      });
    });
  });

  it('deleting a CRD deletes its objects, then the CRD, and the resource is no longer served', async () => {
    const ns = '/apis/cert-manager.io/v1/certificates';
    assert.ok((await call('GET', ns)).json.items.length > 0);
    expectStatus(await call('DELETE', `${CRD_PATH}/certificates.cert-manager.io`), 200);
    await eventually(async () => expectStatus(await call('GET', `${CRD_PATH}/certificates.cert-manager.io`), 404), 10_000, 100);
    expectStatus(await call('GET', ns), 404);
    const stored = await call('GET', '/apis/cert-manager.io/v1');
    expectStatus(stored, 404);
    // Re-created, the CRD starts empty: the objects were deleted, not hidden.
    expectStatus(await call('POST', CRD_PATH, parse(fixture('certificate.yaml'))), 201);
    await waitEstablished('certificates.cert-manager.io');
    assert.deepEqual((await call('GET', ns)).json.items, []);
  });

  it('a terminating CRD refuses new objects and waits for objects with finalizers of their own', async () => {
    expectStatus(
      await call('POST', CRONTABS, {
        apiVersion: 'stable.example.com/v1',
        kind: 'CronTab',
        metadata: { name: 'held', finalizers: ['example.com/hold'] },
        spec: {},
      }),
      201,
    );
    expectStatus(await call('DELETE', `${CRD_PATH}/crontabs.stable.example.com`), 200);
    await eventually(
      async () => {
        const refused = await call('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'late' }, spec: {} });
        expectStatus(refused, 405);
        assert.equal(refused.json.message, 'create not allowed while custom resource definition is terminating');
      },
      5000,
      100,
    );
    const held = await eventually(
      async () => {
        const res = await call('GET', `${CRONTABS}/held`);
        assert.ok(res.json.metadata.deletionTimestamp, res.body);
        return res.json;
      },
      5000,
      100,
    );
    const crd = await call('GET', `${CRD_PATH}/crontabs.stable.example.com`);
    expectStatus(crd, 200);
    const terminating = crd.json.status.conditions.find((c: { type: string }) => c.type === 'Terminating');
    assert.equal(terminating.status, 'True', crd.body);
    assert.equal((await call('GET', CRONTABS)).json.items.length, 1, 'only the object with a finalizer is left');
    expectStatus(await call('PUT', `${CRONTABS}/held`, { ...held, metadata: { ...held.metadata, finalizers: [] } }), 200);
    await eventually(async () => expectStatus(await call('GET', `${CRD_PATH}/crontabs.stable.example.com`), 404), 10_000, 100);
    expectStatus(await call('GET', '/apis/stable.example.com/v1'), 404);
  });
});
