/**
 * Skiff's own kubectl (apps/kubectl) against a real apiserver: `config` on a copy of the
 * cluster's kubeconfig (a namespace set with set-context --current is the one `get` uses),
 * `auth can-i` for the admin and for a user RBAC grants nothing (also via --as impersonation), `auth whoami`,
 * `certificate approve` on a CSR, and the bash completion script answering COMPREPLY.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createCertificateRequest } from '@skiff/pki';
import { runCli } from '@skiff/kubectl';
import { REPO_ROOT, apiRequest, identityFor, startTestCluster, type TestCluster } from '../harness/index.ts';

// Ports 29550-29551 (etcd) and 29560 (apiserver) belong to this file (range 29550-29599).
const BASE_PORT = 29550;
const NS = 'own-config';
const MAIN = join(REPO_ROOT, 'apps/kubectl/src/main.ts');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl in this process (a node start per command costs seconds on a loaded machine), on the given kubeconfig. */
async function kubectlWith(kubeconfig: string, args: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await runCli(['--kubeconfig', kubeconfig, ...args], { out: sink((s) => (stdout += s)), err: sink((s) => (stderr += s)), env: process.env });
  return { code, stdout, stderr };
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Result> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('skiff kubectl (own): config, auth, certificate, completion', () => {
  let cluster: TestCluster | undefined;
  let kubeconfig = '';
  const kubectl = (...args: string[]): Promise<Result> => kubectlWith(kubeconfig, args);

  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, apiServerPort: BASE_PORT + 10, etcdMembers: 1 });
    kubeconfig = join(cluster.dir, 'kubeconfig-copy');
    copyFileSync(cluster.kubeconfigPath, kubeconfig);
    for (const [path, body] of [
      ['/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }],
      [`/api/v1/namespaces/${NS}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { a: 'b' } }],
    ] as const) {
      const res = await apiRequest(cluster.admin, 'POST', path, { body });
      assert.equal(res.status, 201, res.body);
    }
  });

  after(async () => {
    await cluster?.stop();
  });

  it('config: contexts, set-context --current --namespace used by get, view hiding secrets', async () => {
    const current = await kubectl('config', 'current-context');
    assert.equal(current.code, 0, current.stderr);
    const name = current.stdout.trim();
    const contexts = await kubectl('config', 'get-contexts');
    assert.match(contexts.stdout, new RegExp(`^CURRENT +NAME +CLUSTER +AUTHINFO +NAMESPACE\\n\\* +${name} +\\S+ +\\S+\\n$`));

    const set = await kubectl('config', 'set-context', '--current', `--namespace=${NS}`);
    assert.deepEqual([set.code, set.stdout, set.stderr], [0, `Context "${name}" modified.\n`, '']);
    assert.match(readFileSync(kubeconfig, 'utf8'), new RegExp(`namespace: ${NS}`));
    const get = await kubectl('get', 'configmaps', '-o', 'name');
    assert.equal(get.stdout, 'configmap/web-config\n', get.stderr);

    const view = await kubectl('config', 'view', '--minify', '-o', 'json');
    const doc = JSON.parse(view.stdout);
    assert.equal(doc.users[0].user['client-key-data'], 'DATA+OMITTED');
    assert.equal(doc.contexts[0].context.namespace, NS);
    const missing = await kubectl('config', 'use-context', 'nope');
    assert.deepEqual([missing.code, missing.stderr], [1, 'error: no context exists with the name: "nope"\n']);
  });

  it('auth can-i: yes for the admin, no (exit 1) for a user RBAC grants nothing; --list and whoami', async () => {
    const nobody = await identityFor(cluster!, 'nobody');
    const [admin, denied, asNobody, list, whoami, listAs, getAs, whoamiAs] = await Promise.all([
      kubectl('auth', 'can-i', 'create', 'deployments.apps', '-n', NS),
      kubectlWith(nobody.kubeconfigPath, ['auth', 'can-i', 'get', 'pods/web', '-n', NS]),
      kubectl('auth', 'can-i', 'list', 'secrets', '--as=nobody'),
      kubectlWith(nobody.kubeconfigPath, ['auth', 'can-i', '--list']),
      kubectl('auth', 'whoami'),
      // --as impersonates on every request: the admin may, and the server answers for nobody.
      kubectl('auth', 'can-i', '--list', '--as=nobody'),
      kubectl('get', 'pods', '-n', NS, '--as', 'nobody'),
      kubectl('auth', 'whoami', '--as=nobody', '--as-group=team-a', '--as-group=team-b'),
    ]);
    assert.deepEqual([admin.code, admin.stdout], [0, 'yes\n'], admin.stderr);
    assert.deepEqual([denied.code, denied.stdout], [1, 'no\n'], denied.stderr);
    assert.deepEqual([asNobody.code, asNobody.stdout], [1, 'no\n'], asNobody.stderr);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^Resources +Non-Resource URLs +Resource Names +Verbs\n/);
    assert.match(list.stdout, /^selfsubjectaccessreviews\.authorization\.k8s\.io +\[\] +\[\] +\[create\]$/m);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.match(whoami.stdout, /^ATTRIBUTE +VALUE\nUsername +\S+\nGroups +\[[^\]]*system:masters[^\]]*\]\n/);
    assert.equal(listAs.code, 0, listAs.stderr);
    assert.match(listAs.stdout, /^selfsubjectaccessreviews\.authorization\.k8s\.io +\[\] +\[\] +\[create\]$/m);
    assert.doesNotMatch(listAs.stdout, /^\*\.\*/m);
    assert.deepEqual(
      [getAs.code, getAs.stdout, getAs.stderr],
      [1, '', `Error from server (Forbidden): pods is forbidden: User "nobody" cannot list resource "pods" in API group "" in the namespace "${NS}"\n`],
    );
    assert.deepEqual(
      [whoamiAs.code, whoamiAs.stdout],
      [0, 'ATTRIBUTE   VALUE\nUsername    nobody\nGroups      [team-a team-b system:authenticated]\n'],
      whoamiAs.stderr,
    );
  });

  it('certificate approve adds the Approved condition; approving again changes nothing; deny then refuses', async () => {
    const { csr } = await createCertificateRequest({ commonName: 'someone' });
    const res = await apiRequest(cluster!.admin, 'POST', '/apis/certificates.k8s.io/v1/certificatesigningrequests', {
      body: {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name: 'someone' },
        spec: { request: Buffer.from(csr).toString('base64'), signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] },
      },
    });
    assert.equal(res.status, 201, res.body);
    const approve = await kubectl('certificate', 'approve', 'someone');
    assert.deepEqual([approve.code, approve.stdout], [0, 'certificatesigningrequest.certificates.k8s.io/someone approved\n'], approve.stderr);
    const [again, deny, missing] = await Promise.all([
      kubectl('certificate', 'approve', 'someone', '-o', 'json'),
      kubectl('certificate', 'deny', 'someone'),
      kubectl('certificate', 'approve', 'nope'),
    ]);
    const conditions = JSON.parse(again.stdout).status.conditions;
    assert.deepEqual(
      conditions.map((c: { type: string; status: string; reason: string; message: string }) => [c.type, c.status, c.reason, c.message]),
      [['Approved', 'True', 'KubectlApprove', 'This CSR was approved by kubectl certificate approve.']],
    );
    assert.deepEqual([deny.code, deny.stderr], [1, 'error: certificate signing request "someone" is already Approved\n']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error from server \(NotFound\): .*"nope" not found\n$/);
  });

  it('completion bash completes commands, resource types and object names from the live cluster', async () => {
    const script = await kubectl('completion', 'bash');
    assert.equal(script.code, 0, script.stderr);
    const complete = async (...words: string[]): Promise<string[]> => {
      const res = await run(
        'bash',
        [
          '-c',
          [
            `kubectl() { "${process.execPath}" "${MAIN}" "$@"; }`,
            'eval "$SCRIPT"',
            `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}`,
            '__skiff_kubectl',
            'printf "%s\\n" "${COMPREPLY[@]}"',
          ].join('\n'),
        ],
        { KUBECONFIG: kubeconfig, SCRIPT: script.stdout },
      );
      assert.equal(res.code, 0, res.stderr);
      return res.stdout.split('\n').filter(Boolean);
    };
    const [commands, types, names] = await Promise.all([
      complete('kubectl', 'ge'),
      complete('kubectl', 'get', 'po'),
      complete('kubectl', 'get', 'configmaps', '-n', NS, 'web'),
    ]);
    assert.deepEqual(commands, ['get']);
    assert.ok(types.includes('pods'), types.join(' '));
    assert.deepEqual(names, ['web-config']);
  });
});
