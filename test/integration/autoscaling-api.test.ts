/**
 * autoscaling/v2 and v1 HorizontalPodAutoscalers as API objects, driven by the kubectls users
 * have against a real etcd and apiserver: `kubectl autoscale` of Debian's 1.20 (which creates
 * autoscaling/v1) and of the newest on PATH (autoscaling/v2, as protobuf), Skiff's own
 * autoscale and describe; what `kubectl get hpa` prints; discovery of a group served in two
 * versions; a v2 → v1 → v2 round trip that loses nothing; upstream's 422 causes with nothing stored.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, apiRequest, kubectl, kubectlBinaries, tableHeader, tableRow, useApiControlPlane, type KubectlResult } from '../harness/index.ts';

// Ports 20300 (etcd) and 20350 (apiserver) belong to this file (range 20300-20399).
const BASE_PORT = 20300;
const V2 = '/apis/autoscaling/v2';
const V1 = '/apis/autoscaling/v1';
const binaries = await kubectlBinaries();

const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'busybox', resources: { requests: { cpu: '100m' } } }] } },
  },
});
const cpu = (percent: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } });
const memory = { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } };
const hpa = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name },
  spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5, ...spec },
});

describe('autoscaling API with real kubectl', { timeout: 300_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);
  const call = (method: string, path: string, body?: unknown) => apiRequest(api.cluster.admin, method, path, body === undefined ? undefined : { body });
  const get = (path: string) => call('GET', path);
  const skiff = (args: string[]): Promise<KubectlResult> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'apps/kubectl/src/main.ts'), ...args],
        {
          env: { ...process.env, KUBECONFIG: api.cluster.kubeconfigPath },
          timeout: 60_000,
        },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
  const ns = 'hpa';
  const hpas = (version = V2) => `${version}/namespaces/${ns}/horizontalpodautoscalers`;

  before(async () => {
    assert.equal((await call('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })).status, 201);
    for (const name of ['web', 'api', 'shop']) {
      const res = await call('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment(name));
      assert.equal(res.status, 201, res.body);
    }
  });

  binaries.forEach((bin) => {
    describe(bin.name, () => {
      const run = (args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: api.cluster.kubeconfigPath, stdin });
      const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
        const res = await run(args, stdin);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };
      const name = `${bin.name.replace('kubectl-', 'k').replace('.', '')}`;

      it('kubectl autoscale creates the HPA (v1 from 1.20, v2 as protobuf from the newest); get hpa prints its columns', async () => {
        const res = await ok(['-n', ns, 'autoscale', 'deployment/web', `--name=${name}`, '--min=2', '--max=5', '--cpu-percent=50', '-v=8']);
        assert.match(res.stdout, new RegExp(`horizontalpodautoscaler.autoscaling/${name} autoscaled`));
        // 1.20 logs `POST https://…`, newer kubectls `"Request" verb="POST" url="https://…"`.
        const sent = /POST"? (?:url=")?https:\/\/\S+\/apis\/autoscaling\/(v\d)\/namespaces\/hpa\/horizontalpodautoscalers/.exec(res.stderr)?.[1];
        assert.equal(sent, bin.name === 'kubectl-1.20' ? 'v1' : 'v2', res.stderr.slice(-3000));
        if (bin.name !== 'kubectl-1.20') assert.match(res.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
        const stored = (await get(`${hpas()}/${name}`)).json;
        assert.deepEqual(stored.spec, {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 2,
          maxReplicas: 5,
          metrics: [cpu(50)],
        });
        const v1 = (await get(`${hpas(V1)}/${name}`)).json;
        assert.equal(v1.spec.targetCPUUtilizationPercentage, 50);
        assert.equal(v1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics'], undefined, 'a cpu-only HPA has no other metric');

        const out = (await ok(['-n', ns, 'get', 'hpa', name])).stdout;
        assert.equal(tableHeader(out), 'NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE');
        assert.match(tableRow(out, name), new RegExp(`^${name} Deployment/web cpu: <unknown>/50% 2 5 \\d \\d+s$`));
      });

      it('kubectl autoscale with --max below --min is refused by kubectl; an HPA with minReplicas > maxReplicas by the server', async () => {
        const res = await run(['-n', ns, 'autoscale', 'deployment/api', '--min=5', '--max=2']);
        assert.notEqual(res.code, 0);
        assert.match(res.stderr, /--max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 5/);
        const bad = await run(['-n', ns, 'create', '-f', '-'], JSON.stringify({ ...hpa(`${name}-bad`, { minReplicas: 6 }) }));
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /spec\.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`/);
        assert.equal((await get(`${hpas()}/${name}-bad`)).status, 404);
      });

      it('discovery: autoscaling served in v2 (preferred) and v1; api-resources, explain', async () => {
        const versions = (await ok(['api-versions'])).stdout.split('\n');
        assert.ok(versions.includes('autoscaling/v1') && versions.includes('autoscaling/v2'), versions.join(' '));
        const resources = (await ok(['api-resources', '--api-group=autoscaling'])).stdout;
        assert.match(resources, /horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler/);
        const explained = (await ok(['explain', 'hpa.spec.behavior'])).stdout;
        assert.match(explained, /KIND:\s+HorizontalPodAutoscaler/);
        assert.match(explained, /VERSION:\s+(autoscaling\/)?v2/);
        assert.match(explained, /scaleDown/);
      });
    });
  });

  it('discovery documents: /apis/autoscaling prefers v2 and lists v1; both versions resolve', async () => {
    const group = (await get('/apis/autoscaling')).json;
    assert.deepEqual(group.versions, [
      { groupVersion: 'autoscaling/v2', version: 'v2' },
      { groupVersion: 'autoscaling/v1', version: 'v1' },
    ]);
    assert.deepEqual(group.preferredVersion, { groupVersion: 'autoscaling/v2', version: 'v2' });
    for (const path of [V2, V1]) {
      const list = (await get(path)).json;
      assert.ok(
        list.resources.some((r: { name: string }) => r.name === 'horizontalpodautoscalers/status'),
        path,
      );
    }
    const aggregated = await apiRequest(api.cluster.admin, 'GET', '/apis', {
      headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' },
    });
    const item = aggregated.json.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'autoscaling');
    assert.deepEqual(
      item.versions.map((v: { version: string }) => v.version),
      ['v2', 'v1'],
    );
    const openapi = (await get('/openapi/v2')).json;
    assert.ok(
      openapi.definitions['io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'] && openapi.definitions['io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler'],
    );
    const v3 = (await get('/openapi/v3/apis/autoscaling/v1')).json;
    assert.ok(v3.components.schemas['io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler']);
  });

  it('v2 → v1 → v2: a memory metric and a behavior ride the annotations and come back after a v1 update', async () => {
    const behavior = { scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] } };
    const created = await call('POST', hpas(), hpa('round', { minReplicas: 2, metrics: [memory, cpu(60)], behavior }));
    assert.equal(created.status, 201, created.body);
    const v2 = created.json;
    // Defaults: the rest of the behavior filled in; scale-down keeps its own window.
    assert.deepEqual(v2.spec.behavior, {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }] },
    });

    const v1 = (await get(`${hpas(V1)}/round`)).json;
    assert.equal(v1.apiVersion, 'autoscaling/v1');
    assert.equal(v1.spec.targetCPUUtilizationPercentage, 60);
    assert.deepEqual(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics']), [
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
    ]);
    assert.match(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior'], /^\{"ScaleUp":\{"StabilizationWindowSeconds":0,"SelectPolicy":"Max"/);

    // The HPA controller writes status meanwhile: a stale resourceVersion is read again.
    let updated = await call('PUT', `${hpas(V1)}/round`, { ...v1, spec: { ...v1.spec, maxReplicas: 7 } });
    for (let attempt = 0; updated.status === 409 && attempt < 5; attempt++) {
      const fresh = (await get(`${hpas(V1)}/round`)).json;
      updated = await call('PUT', `${hpas(V1)}/round`, { ...fresh, spec: { ...fresh.spec, maxReplicas: 7 } });
    }
    assert.equal(updated.status, 200, updated.body);
    assert.equal(updated.json.spec.maxReplicas, 7);

    const back = (await get(`${hpas()}/round`)).json;
    assert.deepEqual(back.spec, { ...v2.spec, maxReplicas: 7 });
    assert.equal(back.metadata.annotations, undefined, 'the round-trip annotations are not stored');
    assert.equal(back.metadata.generation, 2);

    // A v1 client that names no metric gets v1's implicit 80% cpu target.
    const plain = await call('POST', hpas(V1), {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'plain' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'shop' }, maxReplicas: 3 },
    });
    assert.equal(plain.status, 201, plain.body);
    assert.deepEqual(plain.json.spec, {
      scaleTargetRef: { kind: 'Deployment', name: 'shop' },
      minReplicas: 1,
      maxReplicas: 3,
      targetCPUUtilizationPercentage: 80,
    });
    assert.deepEqual((await get(`${hpas()}/plain`)).json.spec.metrics, [cpu(80)]);
  });

  it('bad metrics: an unknown type, no source, two sources → 422 with upstream causes, nothing stored', async () => {
    const refused = async (spec: Record<string, unknown>, causes: [string, string][]) => {
      const res = await call('POST', hpas(), hpa('bad', spec));
      assert.equal(res.status, 422, res.body);
      assert.equal(res.json.reason, 'Invalid');
      assert.deepEqual(
        res.json.details.causes.map((c: { field: string; message: string }) => [c.field, c.message]),
        causes,
      );
      assert.equal((await get(`${hpas()}/bad`)).status, 404);
    };
    await refused({ metrics: [{ type: 'Memory', resource: memory.resource }] }, [
      ['spec.metrics[0].type', 'Unsupported value: "Memory": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"'],
    ]);
    await refused({ metrics: [{ type: 'Pods' }] }, [['spec.metrics[0].pods', 'Required value: must populate information for the given metric source']]);
    await refused({ metrics: [{ ...memory, pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1' } } }] }, [
      ['spec.metrics[0].pods', 'Forbidden: must populate the given metric source only'],
    ]);
    await refused({ minReplicas: 0, behavior: { scaleUp: { policies: [{ type: 'Percent', value: 0, periodSeconds: 15 }] } } }, [
      ['spec.minReplicas', 'Invalid value: 0: must be greater than or equal to 1'],
      ['spec.behavior.scaleUp.policies[0].value', 'Invalid value: 0: must be greater than zero'],
    ]);
  });

  it('skiff kubectl: autoscale (v2, --dry-run, -o yaml), get hpa, describe hpa', async () => {
    const dry = await skiff(['-n', ns, 'autoscale', 'deployment/shop', '--max=4', '--cpu-percent=70', '--dry-run=client', '-o', 'yaml']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /apiVersion: autoscaling\/v2\nkind: HorizontalPodAutoscaler/);
    assert.match(dry.stdout, /averageUtilization: 70/);
    assert.equal((await get(`${hpas()}/shop`)).status, 404, 'a client dry run sends nothing');

    const made = await skiff(['-n', ns, 'autoscale', 'deploy', 'shop', '--min=1', '--max=4', '--cpu-percent=70']);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(made.stdout, 'horizontalpodautoscaler.autoscaling/shop autoscaled\n');
    assert.deepEqual((await get(`${hpas()}/shop`)).json.spec.scaleTargetRef, { kind: 'Deployment', name: 'shop', apiVersion: 'apps/v1' });
    const pod = await skiff(['-n', ns, 'autoscale', 'namespace/hpa', '--max=2']);
    assert.notEqual(pod.code, 0);
    assert.match(pod.stderr, /cannot autoscale a Namespace/);

    const got = await skiff(['-n', ns, 'get', 'hpa', 'shop', 'round']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(tableHeader(got.stdout), 'NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE');
    // REPLICAS: the HPA controller in the control plane may already have read the Deployment.
    assert.match(tableRow(got.stdout, 'round'), /^round Deployment\/web memory: <unknown>\/100Mi, cpu: <unknown>\/60% 2 7 \d \d+s$/);

    const described = await skiff(['-n', ns, 'describe', 'hpa', 'round']);
    assert.equal(described.code, 0, described.stderr);
    const lines = described.stdout.split('\n').map((l) => l.trimEnd());
    for (const expected of [
      /^Reference:\s+Deployment\/web$/,
      /^Metrics:\s+\( current \/ target \)$/,
      /^ {2}resource memory on pods:\s+<unknown> \/ 100Mi$/,
      /^ {2}resource cpu on pods {2}\(as a percentage of request\):\s+<unknown> \/ 60%$/,
      /^Min replicas:\s+2$/,
      /^Max replicas:\s+7$/,
      /^Behavior:$/,
      /^ {2}Scale Up:$/,
      /^ {4}Stabilization Window: 0 seconds$/,
      /^ {6}- Type: Pods\s+Value: 4\s+Period: 15 seconds$/,
      /^ {4}Stabilization Window: 60 seconds$/,
      /^Deployment pods:\s+\d current \/ \d desired$/,
      /^Events:/,
    ])
      assert.ok(
        lines.some((l) => expected.test(l)),
        `${expected} in\n${described.stdout}`,
      );
  });
});
