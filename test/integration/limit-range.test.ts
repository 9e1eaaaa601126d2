/**
 * LimitRange and the LimitRanger admission plugin against a real etcd and apiserver: the item
 * defaults as stored, container defaults (and the kubernetes.io/limit-ranger annotation) applied
 * to a pod that states no resources, upstream's 403s for a too-big limit, a too-small request, a
 * pod-wide max and a claim's storage, 422 for an inconsistent range, and kubectl 1.20's get and
 * describe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type LimitRange, type Pod } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { kubectl, KUBECTL_120_PATH, startControlPlane, tableHeader, tableRow, type ControlPlane } from '../harness/index.ts';

// Ports 21500 (etcd) and 21550 (apiserver) belong to this file (range 21500-21599).
const BASE_PORT = 21500;
const NS = 'default';
const PODS = findResourceByKind('v1', 'Pod')!;
const PVCS = findResourceByKind('v1', 'PersistentVolumeClaim')!;
const LIMIT_RANGES = findResourceByKind('v1', 'LimitRange')!;

const pod = (name: string, resources?: Record<string, Record<string, string>>): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'app', image: 'busybox', ...(resources ? { resources } : {}) }] },
});

describe('LimitRange and LimitRanger admission', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane({
      basePort: BASE_PORT,
      apiServerPort: BASE_PORT + 50,
      etcdMembers: 1,
      kubeletProcesses: 0,
      scheduler: false,
      controllerManagers: 0,
    });
    await cp.client.create(LIMIT_RANGES, {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits', namespace: NS },
      spec: {
        limits: [
          {
            type: 'Container',
            max: { cpu: '1', memory: '512Mi' },
            min: { cpu: '50m' },
            defaultRequest: { cpu: '100m', memory: '64Mi' },
            maxLimitRequestRatio: { cpu: '10' },
          },
          { type: 'Pod', max: { memory: '1Gi' } },
          { type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '5Gi' } },
        ],
      },
    });
  });
  after(() => cp?.stop());

  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      assert.equal(err.code, 403, err.message);
      return err.status.message ?? '';
    }
    assert.fail('the write should have been refused');
  };

  it('stores the container item with its default limit taken from max', async () => {
    const lr = await cp.client.get<LimitRange>(LIMIT_RANGES, NS, 'limits');
    assert.deepEqual(lr.spec?.limits[0].default, { cpu: '1', memory: '512Mi' });
    assert.deepEqual(lr.spec?.limits[0].defaultRequest, { cpu: '100m', memory: '64Mi' });
  });

  it('a container without resources gets the defaults, and the pod says who set them', async () => {
    const created = await cp.client.create(PODS, pod('plain'), { namespace: NS });
    assert.deepEqual(created.spec?.containers[0].resources, { limits: { cpu: '1', memory: '512Mi' }, requests: { cpu: '100m', memory: '64Mi' } });
    assert.equal(
      created.metadata?.annotations?.['kubernetes.io/limit-ranger'],
      'LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app',
    );
  });

  it('refuses too-big limits, too-small requests, ratios and pod totals in upstream words', async () => {
    assert.equal(
      await refusal(cp.client.create(PODS, pod('big', { limits: { cpu: '2' } }), { namespace: NS })),
      'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    );
    assert.equal(
      await refusal(cp.client.create(PODS, pod('small', { requests: { cpu: '10m' }, limits: { cpu: '500m' } }), { namespace: NS })),
      'pods "small" is forbidden: [minimum cpu usage per Container is 50m, but request is 10m, cpu max limit to request ratio per Container is 10, but provided ratio is 50.000000]',
    );
    const twoBig: Pod = {
      ...pod('pair'),
      spec: { containers: ['a', 'b', 'c'].map((name) => ({ name, image: 'busybox', resources: { limits: { memory: '400Mi' } } })) },
    };
    assert.equal(
      await refusal(cp.client.create(PODS, twoBig, { namespace: NS })),
      'pods "pair" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1200Mi',
    );
    const names = (await cp.client.list(PODS, NS)).items.map((p) => p.metadata?.name);
    assert.deepEqual(names, ['plain']);
  });

  it("bounds a claim's storage", async () => {
    const claim = (name: string, storage: string) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } },
    });
    assert.equal(
      await refusal(cp.client.create(PVCS, claim('huge', '10Gi'), { namespace: NS })),
      'persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 5Gi, but request is 10Gi',
    );
    await cp.client.create(PVCS, claim('fits', '2Gi'), { namespace: NS });
  });

  it('refuses an inconsistent range with 422', async () => {
    await assert.rejects(
      cp.client.create(LIMIT_RANGES, {
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'bad', namespace: NS },
        spec: { limits: [{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }] },
      }),
      (err: ApiStatusError) =>
        err.code === 422 && /spec\.limits\[0\]\.min\[cpu\]: Invalid value: "2": min value 2 is greater than max value 1/.test(err.message),
    );
  });

  it('kubectl 1.20 lists and describes limit ranges', async () => {
    const kc = (args: string[]) => kubectl(KUBECTL_120_PATH, args, { kubeconfig: cp.cluster.kubeconfigPath });
    const get = await kc(['get', 'limits']);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(tableHeader(get.stdout), 'NAME CREATED AT');
    assert.match(tableRow(get.stdout, 'limits'), /^limits \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const described = await kc(['describe', 'limitrange', 'limits']);
    assert.equal(described.code, 0, described.stderr);
    const lines = described.stdout.split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
    for (const line of [
      'Name: limits',
      'Namespace: default',
      'Container cpu 50m 1 100m 1 10',
      'Container memory - 512Mi 64Mi 512Mi -',
      'Pod memory - 1Gi - - -',
      'PersistentVolumeClaim storage 1Gi 5Gi - - -',
    ]) {
      assert.ok(lines.includes(line), `${line}\nin ${described.stdout}`);
    }
  });
});
