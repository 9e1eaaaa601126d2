/**
 * Skiff's own kubectl patch, taint and wait against a real apiserver (one etcd member, no
 * controllers: the test sets the statuses the waits watch for through the API itself):
 * strategic, merge and JSON patches read back, `patched (no change)`, a failing JSON patch
 * `test`, the scale subresource and a server dry run; taints added, refused without
 * --overwrite, overwritten and removed; wait for a condition, a deletion and a jsonpath value
 * that arrive while it waits, and its timeout and not-found errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { findResourceByKind, type Deployment, type Node } from '@skiff/api';
import { loadKubeconfig, RestClient } from '@skiff/client';
import { runCli } from '@skiff/kubectl';
import { startTestCluster, type TestCluster } from '../harness/index.ts';

// Ports 29500-29501 (etcd) and 29510 (apiserver) belong to this file (range 29500-29549).
const NS = 'own-patch';
const NODES = findResourceByKind('v1', 'Node')!;
const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('skiff kubectl (own): patch, taint, wait', () => {
  let cluster: TestCluster | undefined;
  let client: RestClient;

  /** kubectl in this process (a node start per command costs seconds on a loaded machine). */
  const kubectl = async (...args: string[]): Promise<Result> => {
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, done) {
          append(String(chunk));
          done();
        },
      });
    const code = await runCli(['-n', NS, ...args], {
      out: sink((s) => (stdout += s)),
      err: sink((s) => (stderr += s)),
      env: { ...process.env, KUBECONFIG: cluster!.kubeconfigPath },
    });
    return { code, stdout, stderr };
  };
  const deployment = () => client.get<Deployment>(DEPLOYMENTS, NS, 'web');
  const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { pool: 'k2' } } }) as Node;

  before(async () => {
    cluster = await startTestCluster({ basePort: 29500, apiServerPort: 29510, etcdMembers: 1 });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    await client.create(findResourceByKind('v1', 'Namespace')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await client.create(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'web', image: 'nginx:1' },
              { name: 'side', image: 'busybox:1' },
            ],
          },
        },
      },
    } as Deployment);
  });

  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('patches a Deployment with strategic, merge and JSON patches, and says when nothing changed', async () => {
    // Strategic: the container list merges by name, so `side` stays.
    let r = await kubectl('patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}}}');
    assert.deepEqual(r, { code: 0, stdout: 'deployment.apps/web patched\n', stderr: '' });
    assert.deepEqual(
      (await deployment()).spec?.template.spec?.containers.map((c) => `${c.name}=${c.image}`),
      ['web=nginx:2', 'side=busybox:1'],
    );

    // Merge (as YAML): the same list is replaced whole.
    r = await kubectl('patch', 'deploy/web', '--type=merge', '-p', 'metadata:\n  labels:\n    tier: front');
    assert.equal(r.stdout, 'deployment.apps/web patched\n');
    assert.equal((await deployment()).metadata?.labels?.tier, 'front');

    r = await kubectl('patch', 'deploy', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3}]');
    assert.equal(r.stdout, 'deployment.apps/web patched\n');
    assert.equal((await deployment()).spec?.replicas, 3);

    r = await kubectl('patch', 'deploy', 'web', '--type=merge', '-p', '{"spec":{"replicas":3}}');
    assert.deepEqual(r, { code: 0, stdout: 'deployment.apps/web patched (no change)\n', stderr: '' });
  });

  it('fails a JSON patch whose test op does not hold, and refuses bad arguments as kubectl', async () => {
    const before = (await deployment()).metadata?.resourceVersion;
    let r = await kubectl(
      'patch',
      'deploy',
      'web',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/replicas","value":5},{"op":"replace","path":"/spec/replicas","value":5}]',
    );
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'The request is invalid: patch: testing value /spec/replicas failed: test failed\n' });
    assert.equal((await deployment()).metadata?.resourceVersion, before);

    r = await kubectl('patch', 'deploy', 'web', '--type=apply', '-p', '{}');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: --type must be one of [json merge strategic], not "apply"\n' });
    r = await kubectl('patch', 'deploy', 'web');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: must specify --patch or --patch-file containing the contents of the patch\n' });
    r = await kubectl('patch', 'deploy', 'nope', '-p', '{}');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
  });

  it('patches the scale subresource, and a server dry run changes nothing', async () => {
    let r = await kubectl(
      'patch',
      'deploy',
      'web',
      '--subresource=scale',
      '--type=merge',
      '-p',
      '{"spec":{"replicas":2}}',
      '-o',
      'jsonpath={.kind} {.spec.replicas}',
    );
    assert.deepEqual(r, { code: 0, stdout: 'Scale 2', stderr: '' });
    assert.equal((await deployment()).spec?.replicas, 2);
    r = await kubectl('patch', 'deploy', 'web', '--dry-run=server', '-p', '{"spec":{"replicas":7}}', '-o', 'jsonpath={.spec.replicas}');
    assert.equal(r.stdout, '7');
    assert.equal((await deployment()).spec?.replicas, 2);
  });

  it('adds, refuses, overwrites and removes taints on a node', async () => {
    await client.create(NODES, node('k2-a'));
    const taints = async () => (await client.get<Node>(NODES, undefined, 'k2-a')).spec?.taints?.map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`);
    let r = await kubectl('taint', 'nodes', 'k2-a', 'dedicated=gpu:NoSchedule', 'spot:PreferNoSchedule');
    assert.deepEqual(r, { code: 0, stdout: 'node/k2-a tainted\n', stderr: '' });
    assert.deepEqual(await taints(), ['dedicated=gpu:NoSchedule', 'spot=:PreferNoSchedule']);

    r = await kubectl('taint', 'nodes', 'k2-a', 'dedicated=cpu:NoSchedule');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: node k2-a already has dedicated taint(s) with same effect(s) and --overwrite is false\n' });
    r = await kubectl('taint', 'node', 'k2-a', 'dedicated=cpu:NoSchedule', '--overwrite');
    assert.equal(r.stdout, 'node/k2-a modified\n');
    assert.deepEqual(await taints(), ['dedicated=cpu:NoSchedule', 'spot=:PreferNoSchedule']);

    r = await kubectl('taint', 'nodes', 'k2-a', 'dedicated:NoSchedule-');
    assert.equal(r.stdout, 'node/k2-a untainted\n');
    r = await kubectl('taint', 'nodes', 'k2-a', 'spot-');
    assert.equal(r.stdout, 'node/k2-a untainted\n');
    assert.equal(await taints(), undefined);

    r = await kubectl('taint', 'nodes', 'k2-a', 'spot-');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: taint "spot" not found\n' });
    r = await kubectl('taint', 'nodes', 'k2-a', 'a=b:Sometimes');
    assert.deepEqual(r, {
      code: 1,
      stdout: '',
      stderr: "error: invalid taint effect: Sometimes, unsupported taint effect\nSee 'kubectl taint -h' for help and examples\n",
    });
  });

  it('waits for a condition and a jsonpath value set while it waits', async () => {
    await client.create(NODES, node('k2-b'));
    const ready = kubectl('wait', 'node/k2-b', '--for=condition=ready', '--timeout=60s');
    const phase = kubectl('wait', 'nodes', '-l', 'pool=k2', '--for=jsonpath={.metadata.labels.zone}=east', '--timeout=60s');
    await sleep(1_500);
    const current = await client.get<Node>(NODES, undefined, 'k2-b');
    await client.update(NODES, { ...current, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as Node, { subresource: 'status' });
    for (const name of ['k2-a', 'k2-b']) await client.patch(NODES, undefined, name, 'merge', { metadata: { labels: { zone: 'east' } } });
    assert.deepEqual(await ready, { code: 0, stdout: 'node/k2-b condition met\n', stderr: '' });
    assert.deepEqual(await phase, { code: 0, stdout: 'node/k2-a condition met\nnode/k2-b condition met\n', stderr: '' });
  });

  it('waits for a deletion, times out with kubectl words, and names what does not exist', async () => {
    const gone = kubectl('wait', '--for=delete', 'node/k2-a', '--timeout=60s');
    await sleep(1_500);
    await client.delete(NODES, undefined, 'k2-a');
    assert.deepEqual(await gone, { code: 0, stdout: 'node/k2-a condition met\n', stderr: '' });
    // Already gone: nothing to wait for.
    assert.deepEqual(await kubectl('wait', '--for=delete', 'node/k2-a'), { code: 0, stdout: '', stderr: '' });

    let r = await kubectl('wait', 'node/k2-b', '--for=condition=Ready=false', '--timeout=1s');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: timed out waiting for the condition on nodes/k2-b\n' });
    r = await kubectl('wait', 'node/k2-b', '--for=condition=Ready=false', '--timeout=0');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'error: condition not met for nodes/k2-b\n' });
    r = await kubectl('wait', 'deploy/nope', '--for=condition=Available');
    assert.deepEqual(r, { code: 1, stdout: '', stderr: 'Error from server (NotFound): deployments.apps "nope" not found\n' });
  });
});
