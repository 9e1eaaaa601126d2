/**
 * ResourceQuota against a real etcd, apiserver and the controller-manager's resourcequota
 * controller: the (n+1)th pod refused with upstream's `exceeded quota` 403, status.used exact
 * after deletes, ten concurrent creates against pods=4 admitting exactly four, a requests.cpu
 * quota refusing a pod whose containers do not say, dry-run creates charging nothing, and
 * `create quota` from kubectl 1.20 and the newest, `get quota` and `describe quota` from kubectl
 * 1.20 and Skiff's own kubectl.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findResourceByKind, type Pod, type ResourceQuota } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import {
  eventually,
  kubectl,
  KUBECTL_120_PATH,
  kubectlBinaries,
  REPO_ROOT,
  startControlPlane,
  tableHeader,
  tableRow,
  type ControlPlane,
} from '../harness/index.ts';

// Ports 21400 (etcd) and 21450 (apiserver) belong to this file (range 21400-21499).
const BASE_PORT = 21400;
const PODS = findResourceByKind('v1', 'Pod')!;
const QUOTAS = findResourceByKind('v1', 'ResourceQuota')!;
const NAMESPACES = findResourceByKind('v1', 'Namespace')!;
const binaries = await kubectlBinaries();

const pod = (name: string, resources?: Record<string, Record<string, string>>): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: {
    containers: [
      { name: 'app', image: 'busybox', ...(resources ? { resources } : {}) },
      { name: 'sidecar', image: 'busybox' },
    ],
  },
});

describe('ResourceQuota admission and the quota controller', { timeout: 120_000 }, () => {
  let cp: ControlPlane;
  before(async () => {
    cp = await startControlPlane({
      basePort: BASE_PORT,
      apiServerPort: BASE_PORT + 50,
      etcdMembers: 1,
      kubeletProcesses: 0,
      scheduler: false,
      controllerManagerArgs: ['--controllers=resourcequota'],
    });
  });
  after(() => cp?.stop());

  const createNamespace = (name: string) => cp.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const createQuota = (ns: string, name: string, hard: Record<string, string>) =>
    cp.client.create(QUOTAS, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: ns }, spec: { hard } });
  const used = async (ns: string, name: string) => (await cp.client.get<ResourceQuota>(QUOTAS, ns, name)).status?.used;
  /** The quota controller has counted the quota (status.hard set): admission refuses "status unknown" until then. */
  const counted = (ns: string, name: string, want: Record<string, string>) => eventually(async () => assert.deepEqual(await used(ns, name), want), 30_000);
  const skiffKubectl = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(REPO_ROOT, 'apps/kubectl/src/main.ts'), ...args],
        { env: { ...process.env, KUBECONFIG: cp.cluster.kubeconfigPath }, timeout: 60_000 },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        },
      );
    });
  const refusal = async (p: Promise<unknown>): Promise<ApiStatusError> => {
    try {
      await p;
    } catch (err) {
      if (err instanceof ApiStatusError) return err;
      throw err;
    }
    assert.fail('the write should have been refused');
  };

  it('refuses the (n+1)th pod with the numbers, counts exactly after deletes, and kubectl 1.20 shows it', async () => {
    const ns = 'quota-count';
    await createNamespace(ns);
    const kc = (args: string[]) => kubectl(KUBECTL_120_PATH, ['-n', ns, ...args], { kubeconfig: cp.cluster.kubeconfigPath });
    const created = await kc(['create', 'quota', 'compute', '--hard=pods=3,requests.cpu=1,count/configmaps=5']);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /resourcequota\/compute created/);
    await counted(ns, 'compute', { pods: '0', 'requests.cpu': '0', 'count/configmaps': '0' });

    const cpuPod = (name: string): Pod => ({
      ...pod(name),
      spec: { containers: [{ name: 'app', image: 'busybox', resources: { requests: { cpu: '100m' } } }] },
    });
    for (const name of ['a', 'b', 'c']) await cp.client.create(PODS, cpuPod(name), { namespace: ns });
    assert.deepEqual(await used(ns, 'compute'), { pods: '3', 'requests.cpu': '300m', 'count/configmaps': '0' });

    const err = await refusal(cp.client.create(PODS, cpuPod('d'), { namespace: ns }));
    assert.equal(err.code, 403);
    assert.equal(err.status.message, 'pods "d" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=3, limited: pods=3');

    // kubectl 1.20 and Skiff's own kubectl print the same table and description.
    for (const run of [kc, (args: string[]) => skiffKubectl(['-n', ns, ...args])]) {
      const get = await run(['get', 'quota']);
      assert.equal(get.code, 0, get.stderr);
      assert.equal(tableHeader(get.stdout), 'NAME AGE REQUEST LIMIT');
      assert.match(tableRow(get.stdout, 'compute'), /^compute \d+s count\/configmaps: 0\/5, pods: 3\/3, requests\.cpu: 300m\/1$/);
      const described = await run(['describe', 'quota', 'compute']);
      assert.equal(described.code, 0, described.stderr);
      const lines = described.stdout.split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
      for (const line of [
        `Name: compute`,
        `Namespace: ${ns}`,
        'Resource Used Hard',
        '-------- ---- ----',
        'count/configmaps 0 5',
        'pods 3 3',
        'requests.cpu 300m 1',
      ]) {
        assert.ok(lines.includes(line), `${line}\nin ${described.stdout}`);
      }
    }

    await cp.client.delete(PODS, ns, 'a', { gracePeriodSeconds: 0 });
    await cp.client.delete(PODS, ns, 'b', { gracePeriodSeconds: 0 });
    await counted(ns, 'compute', { pods: '1', 'requests.cpu': '100m', 'count/configmaps': '0' });
  });

  it('kubectl create quota stores what every kubectl sends (the newest one sends protobuf)', async () => {
    const ns = 'quota-create';
    await createNamespace(ns);
    for (const bin of binaries) {
      const name = `q-${bin.name.replace(/\W/g, '')}`;
      const res = await kubectl(bin, ['-n', ns, 'create', 'quota', name, '--hard=pods=2,requests.memory=1Gi', '--scopes=NotTerminating', '-v=8'], {
        kubeconfig: cp.cluster.kubeconfigPath,
      });
      assert.equal(res.code, 0, `${bin.name}: ${res.stderr}`);
      if (bin.name !== 'kubectl-1.20') assert.match(res.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
      const stored = await cp.client.get<ResourceQuota>(QUOTAS, ns, name);
      assert.deepEqual([stored.spec?.hard, stored.spec?.scopes], [{ pods: '2', 'requests.memory': '1Gi' }, ['NotTerminating']], bin.name);
    }
  });

  it('deploy/examples: a LimitRange gives a plain pod the requests the quota then charges', async () => {
    const ns = 'team-a';
    await createNamespace(ns);
    const manifests = ['limitrange.yaml', 'quota.yaml'].map((f) => readFileSync(join(REPO_ROOT, 'deploy/examples', f), 'utf8')).join('\n---\n');
    const applied = await kubectl(KUBECTL_120_PATH, ['-n', ns, 'apply', '-f', '-'], { kubeconfig: cp.cluster.kubeconfigPath, stdin: manifests });
    assert.equal(applied.code, 0, applied.stderr);
    await eventually(async () => assert.equal((await used(ns, 'team'))?.pods, '0'), 30_000);
    await cp.client.create(
      PODS,
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: { containers: [{ name: 'app', image: 'busybox' }] } },
      { namespace: ns },
    );
    const team = await used(ns, 'team');
    assert.deepEqual(
      [team?.pods, team?.['requests.cpu'], team?.['requests.memory'], team?.['limits.cpu'], team?.['limits.memory']],
      ['1', '100m', '128Mi', '500m', '256Mi'],
    );
    // Not best-effort once the LimitRange filled it in: the scoped quota does not count it.
    assert.equal((await used(ns, 'best-effort'))?.pods, '0');
  });

  it('ten concurrent creates against pods=4 admit exactly four; a dry run charges nothing', async () => {
    const ns = 'quota-race';
    await createNamespace(ns);
    await createQuota(ns, 'pods', { pods: '4' });
    await counted(ns, 'pods', { pods: '0' });

    await cp.client.create(PODS, pod('dry'), { namespace: ns, dryRun: true });
    assert.deepEqual(await used(ns, 'pods'), { pods: '0' });

    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => cp.client.create(PODS, pod(`p${i}`), { namespace: ns })));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as ApiStatusError);
    assert.equal(results.length - refused.length, 4, refused.map((e) => e.message).join('\n'));
    for (const e of refused) {
      assert.equal(e.code, 403);
      assert.match(e.status.message ?? '', /^pods "p\d" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=4, limited: pods=4$/);
    }
    assert.equal((await cp.client.list(PODS, ns)).items.length, 4);
    assert.deepEqual(await used(ns, 'pods'), { pods: '4' });
  });

  it('a requests.cpu quota refuses a pod whose containers do not state it', async () => {
    const ns = 'quota-cpu';
    await createNamespace(ns);
    await createQuota(ns, 'cpu', { 'requests.cpu': '2', 'limits.memory': '1Gi' });
    await counted(ns, 'cpu', { 'requests.cpu': '0', 'limits.memory': '0' });
    const err = await refusal(cp.client.create(PODS, pod('greedy', { requests: { cpu: '100m' } }), { namespace: ns }));
    assert.equal(err.code, 403);
    assert.equal(
      err.status.message,
      'pods "greedy" is forbidden: failed quota: cpu: [must specify limits.memory for: app,sidecar, must specify requests.cpu for: sidecar]',
    );
    assert.equal((await cp.client.list(PODS, ns)).items.length, 0);
  });
});
