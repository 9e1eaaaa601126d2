/**
 * Skiff's own kubectl driving workloads on a whole cluster (controller-manager, scheduler,
 * 3 hollow nodes): apply (create / unchanged / configured), scale, set image with rollout
 * status, history and undo, label, cordon/uncordon and drain.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResourceByKind, type Deployment, type Node, type Pod } from '@skiff/api';
import { eventually, REPO_ROOT, startControlPlane, type ControlPlane } from '../harness/index.ts';

// Ports 26450-26451 (etcd) and 26550 (apiserver) belong to this file.
const BASE_PORT = 26450;
const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const NODES = findResourceByKind('v1', 'Node')!;
const KUBECTL = join(REPO_ROOT, 'apps/kubectl/src/main.ts');

/** `labels` edit the Deployment's own metadata, which (unlike its template) makes no new revision. */
function manifest(opts: { replicas: number; image: string; labels?: Record<string, string> }): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web', ...opts.labels } },
    spec: {
      replicas: opts.replicas,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: opts.image }] },
      },
    },
  });
}

describe('skiff kubectl: apply, scale, set image, rollout, label, cordon, drain', { timeout: 170_000 }, () => {
  let cp: ControlPlane;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-own-'));
    cp = await startControlPlane({ basePort: BASE_PORT });
  });
  after(async () => {
    await cp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs our kubectl as a user would; answers stdout, failing on a non-zero exit. */
  const kubectl = (args: string[], timeoutMs = 60_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [KUBECTL, `--kubeconfig=${cp.cluster.kubeconfigPath}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(stdout);
        else reject(new Error(`kubectl ${args.join(' ')} exited ${code}: ${stderr}${stdout}`));
      });
    });

  const applyManifest = (text: string) => {
    const file = join(dir, 'web.json');
    writeFileSync(file, text);
    return kubectl(['apply', '-f', file]);
  };
  const deployment = () => cp.client.get<Deployment>(DEPLOYMENTS, 'default', 'web');
  const imageOf = (d: Deployment) => d.spec?.template?.spec?.containers[0]?.image;

  it('applies a Deployment: created, then unchanged, then configured after an edit', async () => {
    assert.equal(await applyManifest(manifest({ replicas: 3, image: 'nginx:1' })), 'deployment.apps/web created\n');
    assert.equal(await applyManifest(manifest({ replicas: 3, image: 'nginx:1' })), 'deployment.apps/web unchanged\n');
    assert.equal(await applyManifest(manifest({ replicas: 3, image: 'nginx:1', labels: { stage: 'beta' } })), 'deployment.apps/web configured\n');
    const d = await deployment();
    assert.equal(d.metadata?.labels?.stage, 'beta');
    assert.match(d.metadata?.annotations?.['kubectl.kubernetes.io/last-applied-configuration'] ?? '', /"stage":"beta"/);
    // Removing the label from the manifest removes it from the live object.
    assert.equal(await applyManifest(manifest({ replicas: 3, image: 'nginx:1' })), 'deployment.apps/web configured\n');
    assert.deepEqual((await deployment()).metadata?.labels, { app: 'web' });
    // Dry runs report what would happen and change nothing.
    const file = join(dir, 'web.json');
    writeFileSync(file, manifest({ replicas: 3, image: 'nginx:1', labels: { stage: 'rc' } }));
    assert.equal(await kubectl(['apply', '-f', file, '--dry-run=server']), 'deployment.apps/web configured (server dry run)\n');
    assert.equal(await kubectl(['apply', '-f', file, '--dry-run=client']), 'deployment.apps/web configured (dry run)\n');
    assert.equal((await deployment()).metadata?.labels?.stage, undefined);
    // Server-side apply of a label-only manifest, under its own field manager.
    const ssa = join(dir, 'ssa.json');
    writeFileSync(ssa, JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { owner: 'ssa' } } }));
    assert.equal(await kubectl(['apply', '--server-side', '--field-manager=ssa-test', '-f', ssa]), 'deployment.apps/web serverside-applied\n');
    const after = await deployment();
    assert.equal(after.metadata?.labels?.owner, 'ssa');
    assert.ok(after.metadata?.managedFields?.some((f) => f.manager === 'ssa-test'));
    assert.equal(after.spec?.replicas, 3);
    const status = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.match(status, /deployment "web" successfully rolled out\n$/);
  });

  it('scales 3 → 5 through the scale subresource, honouring --current-replicas', async () => {
    await assert.rejects(kubectl(['scale', 'deploy/web', '--replicas=5', '--current-replicas=4']), /Expected replicas to be 4, was 3/);
    assert.equal(await kubectl(['scale', 'deploy/web', '--replicas=5', '--current-replicas=3']), 'deployment.apps/web scaled\n');
    await eventually(async () => assert.equal((await deployment()).status?.availableReplicas, 5), 60_000);
  });

  it('sets an image, waits for the rollout, lists 2 revisions and undoes to the first image', async () => {
    assert.equal(await kubectl(['set', 'image', 'deploy/web', 'web=nginx:2']), 'deployment.apps/web image updated\n');
    const status = await kubectl(['rollout', 'status', 'deploy/web', '--timeout=90s'], 100_000);
    assert.match(status, /deployment "web" successfully rolled out\n$/);
    const d = await deployment();
    assert.equal(imageOf(d), 'nginx:2');
    assert.equal(d.status?.updatedReplicas, 5);
    const history = await kubectl(['rollout', 'history', 'deploy/web']);
    assert.equal(history, 'deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    assert.match(await kubectl(['rollout', 'history', 'deploy/web', '--revision=1']), /Image:\tnginx:1/);
    assert.equal(await kubectl(['rollout', 'undo', 'deploy/web']), 'deployment.apps/web rolled back\n');
    await kubectl(['rollout', 'status', 'deploy/web', '--timeout=90s'], 100_000);
    assert.equal(imageOf(await deployment()), 'nginx:1');
  });

  it('pauses, refuses to restart while paused, resumes and restarts', async () => {
    assert.equal(await kubectl(['rollout', 'pause', 'deploy/web']), 'deployment.apps/web paused\n');
    await assert.rejects(kubectl(['rollout', 'restart', 'deploy/web']), /can't restart paused deployment/);
    assert.equal(await kubectl(['rollout', 'resume', 'deploy/web']), 'deployment.apps/web resumed\n');
    assert.equal(await kubectl(['rollout', 'restart', 'deploy/web']), 'deployment.apps/web restarted\n');
    assert.ok((await deployment()).spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    assert.match(await kubectl(['rollout', 'status', 'deploy/web', '--timeout=90s'], 100_000), /successfully rolled out\n$/);
  });

  it('labels a deployment, refusing to overwrite without --overwrite', async () => {
    assert.equal(await kubectl(['label', 'deploy/web', 'tier=front']), 'deployment.apps/web labeled\n');
    await assert.rejects(kubectl(['label', 'deploy/web', 'tier=back']), /'tier' already has a value \(front\), and --overwrite is false/);
    assert.equal(await kubectl(['label', 'deploy/web', 'tier=back', '--overwrite']), 'deployment.apps/web labeled\n');
    assert.equal((await deployment()).metadata?.labels?.tier, 'back');
    assert.equal(await kubectl(['label', 'deploy/web', 'tier-']), 'deployment.apps/web labeled\n');
    assert.equal((await deployment()).metadata?.labels?.tier, undefined);
  });

  it('cordons and uncordons a node', async () => {
    const node = (await cp.client.list<Node>(NODES)).items[0].metadata!.name!;
    assert.equal(await kubectl(['cordon', node]), `node/${node} cordoned\n`);
    assert.equal((await cp.client.get<Node>(NODES, undefined, node)).spec?.unschedulable, true);
    assert.equal(await kubectl(['cordon', node]), `node/${node} already cordoned\n`);
    assert.equal(await kubectl(['uncordon', node]), `node/${node} uncordoned\n`);
    assert.equal((await cp.client.get<Node>(NODES, undefined, node)).spec?.unschedulable, undefined);
  });

  it('drains a node: its pods are replaced on the other nodes', async () => {
    const pods = (await cp.client.list<Pod>(PODS, 'default', { labelSelector: 'app=web' })).items;
    const busy = pods.find((p) => p.spec?.nodeName)!.spec!.nodeName!;
    const out = await kubectl(['drain', busy, '--ignore-daemonsets', '--timeout=60s'], 70_000);
    assert.match(out, new RegExp(`^node/${busy} cordoned\n`));
    assert.match(out, /evicting pod default\/web-/);
    assert.match(out, new RegExp(`node/${busy} drained\n$`));
    await eventually(async () => {
      const now = (await cp.client.list<Pod>(PODS, 'default', { labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
      assert.equal(now.length, 5);
      assert.ok(
        now.every((p) => p.spec?.nodeName && p.spec.nodeName !== busy),
        `pods still on ${busy}`,
      );
      assert.equal((await deployment()).status?.availableReplicas, 5);
    }, 60_000);
    assert.equal((await cp.client.get<Node>(NODES, undefined, busy)).spec?.unschedulable, true);
  });
});
