/**
 * Skiff's own kubectl against a real apiserver: `get -o custom-columns|go-template`,
 * `diff` (server dry run: exit 0 unchanged, 1 changed, nothing written) and `explain`
 * from the served OpenAPI, with kubectl's exact output.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, kubectl as runKubectl, startTestCluster, type KubectlResult, type TestCluster } from '../harness/index.ts';

// Ports 23250-23251 (etcd) and 23260 (apiserver) belong to this file (range 23250-23299).
const BASE_PORT = 23250;
const NS = 'k5';

const manifest = (replicas: number, greeting: string): string => `apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
  namespace: ${NS}
data:
  greeting: ${greeting}
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
  namespace: ${NS}
data:
  password: aHVudGVyMg==
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NS}
  labels: {app: web, tier: front}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
      - name: side
        image: busybox:1.36
`;

// diff's output below is `diff -u -N`'s, whatever the caller's environment prefers.
delete process.env.KUBECTL_EXTERNAL_DIFF;

describe('skiff kubectl (own): custom-columns, go-template, diff, explain', () => {
  let cluster: TestCluster | undefined;
  let dir = '';

  const kubectl = (...args: string[]): Promise<KubectlResult> =>
    runKubectl(process.execPath, [join(REPO_ROOT, 'apps/kubectl/src/main.ts'), ...args], { kubeconfig: cluster!.kubeconfigPath });

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, apiServerPort: BASE_PORT + 10, etcdMembers: 1 });
    dir = cluster.dir;
    writeFileSync(join(dir, 'app.yaml'), manifest(2, 'hello'));
    writeFileSync(join(dir, 'changed.yaml'), manifest(3, 'hello'));
    assert.equal((await kubectl('create', 'namespace', NS)).code, 0);
    const applied = await kubectl('apply', '-f', join(dir, 'app.yaml'));
    assert.equal(applied.code, 0, applied.stderr);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('get -o custom-columns prints kubectl’s aligned columns, <none> and joined values', async () => {
    const r = await kubectl(
      'get',
      'deploy,cm',
      '-n',
      NS,
      '-o',
      'custom-columns=NAME:.metadata.name,IMAGES:.spec.template.spec.containers[*].image,LABELS:.metadata.labels,R:{.spec.replicas}',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        'NAME         IMAGES                    LABELS                    R',
        'web          nginx:1.27,busybox:1.36   map[app:web tier:front]   2',
        'web-config   <none>                    <none>                    <none>',
        '',
      ].join('\n'),
    );
    const single = await kubectl('get', 'deploy', 'web', '-n', NS, '--no-headers', '-o', 'custom-columns=N:metadata.name,R:.spec.replicas');
    assert.equal(single.stdout, 'web   2\n');
    const bad = await kubectl('get', 'deploy', '-n', NS, '-o', 'custom-columns=NAME');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'error: unexpected custom-columns spec: NAME, expected <header>:<json-path-expr>\n');
  });

  it('get -o go-template ranges over .items, and -o template decodes secrets', async () => {
    const list = await kubectl(
      'get',
      'deploy',
      '-n',
      NS,
      '-o',
      'go-template={{range .items}}{{.metadata.name}} {{.spec.replicas}} {{index .metadata.labels "tier"}} {{len .spec.template.spec.containers}}{{"\\n"}}{{end}}',
    );
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'web 2 front 2\n');
    const secret = await kubectl('get', 'secret', 'web-secret', '-n', NS, '-o', 'template={{.data.password | base64decode}}{{if .nope}}x{{else}}!{{end}}');
    assert.equal(secret.stdout, 'hunter2!');
    const bad = await kubectl('get', 'deploy', 'web', '-n', NS, '-o', 'go-template={{.metadata.name');
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'error: error parsing template {{.metadata.name, template: output:1: unclosed action\n');
  });

  it('diff exits 0 for an unchanged manifest and 1 with the changed lines, writing nothing', async () => {
    const unchanged = await kubectl('diff', '-f', join(dir, 'app.yaml'));
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.equal(unchanged.stdout, '');
    const live = (): Promise<string> =>
      kubectl('get', 'deploy', 'web', '-n', NS, '-o', 'go-template={{.spec.replicas}} {{.metadata.resourceVersion}}').then((r) => r.stdout);
    const before = await live();
    assert.match(before, /^2 \d+$/);

    const changed = await kubectl('diff', '-f', join(dir, 'changed.yaml'));
    assert.equal(changed.code, 1, changed.stderr);
    assert.match(
      changed.stdout,
      new RegExp(`^diff -u -N /tmp/LIVE-\\w+/apps\\.v1\\.Deployment\\.${NS}\\.web /tmp/MERGED-\\w+/apps\\.v1\\.Deployment\\.${NS}\\.web$`, 'm'),
    );
    assert.match(changed.stdout, /^- {2}replicas: 2\n\+ {2}replicas: 3$/m);
    assert.match(changed.stdout, /^- {2}generation: 1\n\+ {2}generation: 2$/m);
    assert.doesNotMatch(changed.stdout, /managedFields|hunter2|aHVudGVyMg/);

    assert.equal(await live(), before, 'the dry run changed nothing');

    const missing = await kubectl('diff', '-f', join(dir, 'nope.yaml'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error: the path ".*nope\.yaml" does not exist$/m);
  });

  it('explain prints kubectl 1.20’s layout from the served OpenAPI', async () => {
    const deploy = await kubectl('explain', 'deployment');
    assert.equal(deploy.code, 0, deploy.stderr);
    assert.ok(
      deploy.stdout.startsWith(
        [
          'KIND:     Deployment',
          'VERSION:  apps/v1',
          '',
          'DESCRIPTION:',
          '     Deployment enables declarative updates for Pods and ReplicaSets.',
          '',
          'FIELDS:',
          '   apiVersion\t<string>',
          '     APIVersion defines the versioned schema of this representation of an',
        ].join('\n'),
      ),
      deploy.stdout,
    );

    const replicas = await kubectl('explain', 'deployment.spec.replicas');
    assert.equal(
      replicas.stdout,
      [
        'KIND:     Deployment',
        'VERSION:  apps/v1',
        '',
        'FIELD:    replicas <integer>',
        '',
        'DESCRIPTION:',
        '     Number of desired pods. This is a pointer to distinguish between explicit',
        '     zero and not specified. Defaults to 1.',
        '',
      ].join('\n'),
    );

    const pods = await kubectl('explain', 'pods', '--recursive');
    assert.equal(pods.code, 0, pods.stderr);
    assert.ok(
      pods.stdout.includes('FIELDS:\n   apiVersion\t<string>\n   kind\t<string>\n   metadata\t<Object>\n      annotations\t<map[string]string>\n'),
      pods.stdout.slice(0, 600),
    );
    assert.match(pods.stdout, /^ {6}containers\t<\[\]Object>\n {9}args\t<\[\]string>$/m);

    const unknown = await kubectl('explain', 'deployment.spec.foo');
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'error: field "foo" does not exist\n');
  });
});
