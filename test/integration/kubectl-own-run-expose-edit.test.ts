/**
 * Skiff's own kubectl run, expose and edit against a real apiserver (one etcd member, no
 * kubelet: the objects are what is judged): the Pod run builds, the Services expose builds
 * from a Deployment and a Pod, and edit driven by sh scripts as $EDITOR — a change, a file
 * left alone, an invalid value fixed on the re-opened file, an invalid value saved unchanged,
 * and a stale edit refused with a conflict.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'yaml';
import { findResourceByKind, type Deployment, type Pod, type Service } from '@skiff/api';
import { isNotFound, loadKubeconfig, RestClient } from '@skiff/client';
import { runCli } from '@skiff/kubectl';
import { startTestCluster, type TestCluster } from '../harness/index.ts';

// Ports 23200-23201 (etcd) and 23210 (apiserver) belong to this file (range 23200-23249).
const NS = 'own-ree';
const PODS = findResourceByKind('v1', 'Pod')!;
const SERVICES = findResourceByKind('v1', 'Service')!;
const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

describe('skiff kubectl (own): run, expose, edit', () => {
  let cluster: TestCluster | undefined;
  let client: RestClient;

  /**
   * Runs kubectl in this process (a node start per command costs seconds on a loaded machine);
   * the editor it launches is still a real process, given the file as it would be.
   */
  const kubectl = async (args: string[], env: Record<string, string> = {}): Promise<Result> => {
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      new Writable({
        write(chunk, _enc, done) {
          append(String(chunk));
          done();
        },
      });
    const saved = { KUBE_EDITOR: process.env.KUBE_EDITOR, EDITOR: process.env.EDITOR };
    process.env.KUBE_EDITOR = env.KUBE_EDITOR ?? '';
    process.env.EDITOR = env.EDITOR ?? '';
    try {
      const code = await runCli(['-n', NS, ...args], {
        out: sink((s) => (stdout += s)),
        err: sink((s) => (stderr += s)),
        env: { ...process.env, KUBECONFIG: cluster!.kubeconfigPath },
      });
      return { code, stdout, stderr };
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };

  /** An editor: a sh script, called with the file as $1; $CALLS counts its calls. */
  const editor = (name: string, body: string): string => {
    const path = join(cluster!.dir, `${name}.sh`);
    writeFileSync(path, `#!/bin/sh\nset -e\nCALLS=${join(cluster!.dir, `${name}.calls`)}\necho x >> "$CALLS"\nN=$(wc -l < "$CALLS")\n${body}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const replicas = async () => (await client.get<Deployment>(DEPLOYMENTS, NS, 'web')).spec?.replicas;

  before(async () => {
    cluster = await startTestCluster({ basePort: 23200, apiServerPort: 23210, etcdMembers: 1 });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    await client.create(findResourceByKind('v1', 'Namespace')!, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await client.create(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: NS, labels: { app: 'web', tier: 'front' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 8080 }] }] } },
      },
    } as Deployment);
  });

  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('run: --dry-run=client -o yaml prints the Pod without creating it; then creates it, and with --expose its Service', async () => {
    const dry = await kubectl(['run', 'pod1', '--image=nginx', '--port=80', '--env=A=1', '--dry-run=client', '-o', 'yaml', '--', 'sh', '-c', 'echo hi']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(parse(dry.stdout), {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { creationTimestamp: null, labels: { run: 'pod1' }, name: 'pod1', namespace: NS },
      spec: {
        containers: [
          { args: ['sh', '-c', 'echo hi'], env: [{ name: 'A', value: '1' }], image: 'nginx', name: 'pod1', ports: [{ containerPort: 80 }], resources: {} },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Always',
      },
      status: {},
    });
    await assert.rejects(client.get(PODS, NS, 'pod1'), isNotFound);

    const run = await kubectl(['run', 'pod1', '--image=nginx', '--port=80', '--restart=Never', '--command', '--', 'sleep', '60']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'pod/pod1 created\n');
    const pod = await client.get<Pod>(PODS, NS, 'pod1');
    assert.deepEqual(pod.metadata?.labels, { run: 'pod1' });
    assert.equal(pod.spec?.restartPolicy, 'Never');
    assert.deepEqual(
      pod.spec?.containers.map((c) => [c.name, c.image, c.command, c.ports?.[0]?.containerPort]),
      [['pod1', 'nginx', ['sleep', '60'], 80]],
    );

    const exposed = await kubectl(['run', 'pod3', '--image=nginx', '--port=8080', '--expose']);
    assert.equal(exposed.stdout, 'service/pod3 created\npod/pod3 created\n', exposed.stderr);
    const svc = await client.get<Service>(SERVICES, NS, 'pod3');
    assert.deepEqual(
      [svc.metadata?.labels, svc.spec?.selector, svc.spec?.ports?.map((p) => [p.port, p.targetPort])],
      [undefined, { run: 'pod3' }, [[8080, 8080]]],
    );

    // Attaching is kubectl-own-attach-run.test.ts's; here only kubectl's refusals that need no container.
    const rmAlone = await kubectl(['run', 'pod2', '--image=nginx', '--rm']);
    assert.equal(rmAlone.code, 1);
    assert.match(rmAlone.stderr, /--rm should only be used for attached containers/);
  });

  it('expose: a Deployment by its matchLabels and container port, a Pod by its labels', async () => {
    const dep = await kubectl(['expose', 'deployment', 'web', '--port=80', '--target-port=8080', '--type=NodePort']);
    assert.equal(dep.code, 0, dep.stderr);
    assert.equal(dep.stdout, 'service/web exposed\n');
    const svc = await client.get<Service>(SERVICES, NS, 'web');
    assert.deepEqual(svc.metadata?.labels, { app: 'web', tier: 'front' });
    assert.deepEqual(svc.spec?.selector, { app: 'web' });
    assert.equal(svc.spec?.type, 'NodePort');
    assert.deepEqual(
      svc.spec?.ports?.map((p) => [p.port, p.targetPort, p.protocol, typeof p.nodePort]),
      [[80, 8080, 'TCP', 'number']],
    );

    const pod = await kubectl(['expose', 'pod/pod1', '--name=pod1-svc']);
    assert.equal(pod.stdout, 'service/pod1-svc exposed\n', pod.stderr);
    const podSvc = await client.get<Service>(SERVICES, NS, 'pod1-svc');
    assert.deepEqual(podSvc.spec?.selector, { run: 'pod1' });
    assert.deepEqual(
      podSvc.spec?.ports?.map((p) => [p.port, p.targetPort]),
      [[80, 80]],
    );

    const noPort = await kubectl(['expose', 'service', 'pod1-svc', '--name=again', '--dry-run=client', '-o', 'name']);
    assert.equal(noPort.stdout, 'service/again\n', noPort.stderr);
    await client.patch(DEPLOYMENTS, NS, 'web', 'json', [{ op: 'remove', path: '/spec/template/spec/containers/0/ports' }]);
    const none = await kubectl(['expose', 'deploy', 'web', '--name=web2']);
    assert.equal(none.code, 1);
    assert.equal(none.stderr, "error: couldn't find port via --port flag or introspection\n");
  });

  it('edit: a changed file is patched, an untouched one cancels', async () => {
    const sed = editor('sed', `sed -i 's/^  replicas: 1$/  replicas: 3/' "$1"`);
    const changed = await kubectl(['edit', 'deployment/web'], { EDITOR: sed });
    assert.equal(changed.code, 0, changed.stderr);
    assert.equal(changed.stdout, 'deployment.apps/web edited\n');
    assert.equal(await replicas(), 3);

    const untouched = await kubectl(['edit', 'deploy', 'web'], { EDITOR: editor('true', 'true') });
    assert.equal(untouched.code, 0);
    assert.equal(untouched.stderr, 'Edit cancelled, no changes made.\n');
  });

  it('edit: an invalid value re-opens the file with the reasons; fixing it saves', async () => {
    const seen = join(cluster!.dir, 'reopened.yaml');
    const fixer = editor(
      'fixer',
      [
        `if [ "$N" = 1 ]; then grep -q "^# Please edit the object below" "$1"; if grep -q managedFields "$1"; then exit 3; fi; sed -i 's/^  replicas: 3$/  replicas: -1/' "$1"; exit 0; fi`,
        `cp "$1" ${seen}`,
        `sed -i 's/^  replicas: -1$/  replicas: 2/' "$1"`,
      ].join('\n'),
    );
    const r = await kubectl(['edit', 'deploy/web'], { KUBE_EDITOR: fixer });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'error: deployments.apps "web" is invalid\n');
    assert.equal(r.stdout, 'deployment.apps/web edited\n');
    assert.match(
      readFileSync(seen, 'utf8'),
      /^# Please edit the object below[^]*#\n# deployments\.apps "web" was not valid:\n# \* spec\.replicas: Invalid value: -1: .*\n#\n/,
    );
    assert.equal(await replicas(), 2);
  });

  it('edit: an invalid value saved unchanged gives up; a stale copy is refused with a conflict', async () => {
    const stubborn = editor('stubborn', `[ "$N" = 1 ] && sed -i 's/^  replicas: 2$/  replicas: -1/' "$1"; exit 0`);
    const r = await kubectl(['edit', 'deploy/web'], { EDITOR: stubborn });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: deployments\.apps "web" is invalid\nA copy of your changes has been stored to ".*kubectl-edit-.*\.yaml"\nerror: Edit cancelled, no valid changes were saved\.\n$/,
    );
    assert.equal(await replicas(), 2);
    rmSync(/"(.*kubectl-edit-.*\.yaml)"/.exec(r.stderr)![1]);

    // While the editor is open, someone else changes the Deployment.
    const racer = editor(
      'racer',
      [
        `curl -sfk -o /dev/null -X PATCH -H 'Authorization: Bearer ${cluster!.token}' -H 'Content-Type: application/merge-patch+json' \\`,
        `  -d '{"metadata":{"labels":{"raced":"yes"}}}' ${cluster!.server}/apis/apps/v1/namespaces/${NS}/deployments/web`,
        `sed -i 's/^  replicas: 2$/  replicas: 5/' "$1"`,
      ].join('\n'),
    );
    const stale = await kubectl(['edit', 'deploy/web'], { EDITOR: racer });
    assert.equal(stale.code, 1);
    assert.match(
      stale.stderr,
      /^error: deployments\.apps "web" could not be patched: Operation cannot be fulfilled on deployments\.apps "web": .*\nYou can run `kubectl replace -f .*kubectl-edit-.*\.yaml` to try this update again\.\n$/,
    );
    assert.equal(await replicas(), 2);
    rmSync(/-f (.*kubectl-edit-.*\.yaml)`/.exec(stale.stderr)![1]);
  });
});
