/**
 * In-cluster credentials on a real Docker-mode kubelet: a pod created through the API gets the
 * ServiceAccount admission's kube-api-access volume, whose token (requested by the kubelet with
 * TokenRequest, bound to the pod), ca.crt (the kube-root-ca.crt ConfigMap) and namespace the
 * container reads at /var/run/secrets/kubernetes.io/serviceaccount; the token authenticates as
 * system:serviceaccount:<ns>:default; a 600 s token in an explicit projected volume is rewritten
 * long before it expires (SKIFF_TEST_TOKEN_REFRESH_FRACTION makes the kubelet refresh at 3% of
 * the life instead of 80%, so after about 18 s rather than 8 minutes); and containers see
 * KUBERNETES_SERVICE_HOST/PORT and their namespace's service links (not with enableServiceLinks
 * false, and not for a Service created after they started).
 *
 * Needs the apiserver's TokenRequest, ServiceAccount admission and service-account authenticator
 * and the controller-manager's kube-root-ca.crt publisher.
 * Ports 28400–28421 (etcd 28400–28401, apiserver 28410, kubelet 28420/28421).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Container, type Namespace, type Pod, type Service, type Volume } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, runInContainer } from '@skiff/kubelet';
import {
  apiRequest,
  cleanupNodeContainers,
  deletePodsAndWait,
  dockerFor,
  eventually,
  startControllerManager,
  startKubelet,
  startTestCluster,
  unmountLeftovers,
  waitForPodRunning,
  type ComponentProcess,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const SERVICES = findResourceByKind('v1', 'Service')!;
const NAMESPACES = findResourceByKind('v1', 'Namespace')!;
const NODE = 'h4-sa-node';
const NS = 'h4-sa';
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

// Read by the kubelet child process (the harness passes its environment on): tests only.
process.env.SKIFF_TEST_TOKEN_REFRESH_FRACTION = '0.03';

const docker = dockerFor();
let cluster: TestCluster | undefined;
let controllerManager: ComponentProcess | undefined;
let kubelet: KubeletProcess | undefined;
let api: RestClient;

function makePod(name: string, spec: Partial<NonNullable<Pod['spec']>> = {}, volumeMounts: Container['volumeMounts'] = undefined): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [
        { name: 'app', image: BUSYBOX_IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], ...(volumeMounts ? { volumeMounts } : {}) },
      ],
      ...spec,
    },
  };
}

function waitRunning(name: string, timeoutMs = 120_000): Promise<Pod> {
  return waitForPodRunning(api, NS, name, kubelet, timeoutMs);
}

/** Runs a command in the pod's app container through the Engine API (the kubelet API is not under test here). */
async function exec(pod: string, cmd: string[]): Promise<string> {
  const found = await docker.listContainers({
    filters: { label: [`${LABEL_POD_NAME}=${pod}`, `${LABEL_POD_NAMESPACE}=${NS}`, `${LABEL_CONTAINER_NAME}=app`], status: ['running'] },
  });
  assert.ok(found[0], `no running app container of pod ${pod}`);
  const res = await runInContainer(docker, found[0].Id, cmd);
  assert.equal(res.exitCode, 0, `${cmd.join(' ')} in ${pod}: ${res.stderr}`);
  return res.stdout;
}

async function containerEnv(pod: string): Promise<Map<string, string>> {
  const lines = (await exec(pod, ['env'])).split('\n').filter(Boolean);
  return new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Who the apiserver says the bearer of `token` is (SelfSubjectReview), or the HTTP status when it refuses. */
async function whoAmI(token: string): Promise<{ status: number; userInfo?: { username: string; groups?: string[]; extra?: Record<string, string[]> } }> {
  const res = await apiRequest({ server: cluster!.server, caCert: cluster!.pki.caCert, token }, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  return { status: res.status, userInfo: res.json?.status?.userInfo };
}

/** The JWT's claims (no verification: the apiserver does that in whoAmI). */
function claimsOf(token: string): Record<string, any> {
  const payload = token.split('.')[1];
  assert.ok(payload, `not a JWT: ${token.slice(0, 20)}...`);
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

describe('kubelet: service account tokens and service environment', { timeout: 600_000 }, () => {
  before(async () => {
    cluster = await startTestCluster({ basePort: 28400, etcdMembers: 1, apiServerPort: 28410 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    // The root-CA publisher (kube-root-ca.crt in every namespace) and the rest of the controllers.
    controllerManager = await startControllerManager(cluster);
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.202.40.0/24', networkName: 'h4-sa', port: 28420, healthzPort: 28421 });
    await api.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } as Namespace);
    await api.create(SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'backend', namespace: NS },
      spec: { ports: [{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }] },
    } as Service);
  });

  after(async () => {
    // Pods go first, so the kubelet tears their volumes down (projected tmpfs mounts included).
    if (api) await deletePodsAndWait(api, NS).catch(() => undefined);
    await kubelet?.stop().catch(() => undefined);
    await cleanupNodeContainers(NODE).catch(() => undefined);
    if (kubelet) unmountLeftovers(kubelet.rootDir);
    await controllerManager?.stop().catch(() => undefined);
    api?.close();
    await cluster?.stop();
  });

  it('mounts token, ca.crt and namespace, and the token authenticates as the default service account of the pod', async () => {
    await api.create(PODS, makePod('reader'));
    const pod = await waitRunning('reader');
    const volume = pod.spec?.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.ok(volume?.projected, `the ServiceAccount admission adds kube-api-access-*: ${JSON.stringify(pod.spec?.volumes)}`);
    assert.equal(pod.spec?.serviceAccountName, 'default');

    assert.equal(await exec('reader', ['cat', `${SA_DIR}/namespace`]), NS);
    assert.equal((await exec('reader', ['cat', `${SA_DIR}/ca.crt`])).trim(), cluster!.pki.caCert.trim());
    assert.equal((await exec('reader', ['stat', '-L', '-c', '%a', `${SA_DIR}/token`])).trim(), '644');
    assert.match(await exec('reader', ['grep', SA_DIR, '/proc/mounts']), new RegExp(`^tmpfs ${SA_DIR} tmpfs ro`, 'm'));
    const token = await exec('reader', ['cat', `${SA_DIR}/token`]);

    const claims = claimsOf(token);
    assert.equal(claims['kubernetes.io']?.pod?.name, 'reader');
    assert.equal(claims['kubernetes.io']?.pod?.uid, pod.metadata?.uid, 'bound to this pod');
    const who = await whoAmI(token);
    assert.equal(who.status, 201, JSON.stringify(who));
    assert.equal(who.userInfo?.username, `system:serviceaccount:${NS}:default`);
    for (const group of ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated']) {
      assert.ok(who.userInfo?.groups?.includes(group), `${group} in ${JSON.stringify(who.userInfo?.groups)}`);
    }
    assert.deepEqual(who.userInfo?.extra?.['authentication.kubernetes.io/pod-name'], ['reader']);
  });

  it('rewrites a 600 s token long before it expires; the new one authenticates; another audience does not reach the apiserver', async () => {
    const volume: Volume = {
      name: 'short-lived',
      projected: {
        defaultMode: 0o440,
        sources: [
          { serviceAccountToken: { path: 'api-token', expirationSeconds: 600 } },
          { serviceAccountToken: { path: 'vault-token', audience: 'vault', expirationSeconds: 600 } },
        ],
      },
    };
    await api.create(
      PODS,
      makePod('short', { automountServiceAccountToken: false, volumes: [volume] }, [
        { name: 'short-lived', mountPath: '/var/run/secrets/tokens', readOnly: true },
      ]),
    );
    const pod = await waitRunning('short');
    assert.equal(
      pod.spec?.volumes?.some((v) => v.name.startsWith('kube-api-access-')),
      false,
      'automountServiceAccountToken: false',
    );

    const first = await exec('short', ['cat', '/var/run/secrets/tokens/api-token']);
    assert.equal((await exec('short', ['stat', '-L', '-c', '%a', '/var/run/secrets/tokens/api-token'])).trim(), '440');
    const claims = claimsOf(first);
    assert.equal(claims.exp - claims.iat, 600, `a 600 s token: ${JSON.stringify(claims)}`);
    assert.equal((await whoAmI(first)).userInfo?.username, `system:serviceaccount:${NS}:default`);

    const vault = await exec('short', ['cat', '/var/run/secrets/tokens/vault-token']);
    assert.deepEqual([claimsOf(vault).aud].flat(), ['vault']);
    assert.equal((await whoAmI(vault)).status, 401, 'a token for another audience is no credential for the apiserver');

    // 3% of 600 s is 18 s (less up to 10 s of jitter), then the next pod sync (every 10 s) rewrites the file.
    const second = await eventually(
      async () => {
        const now = await exec('short', ['cat', '/var/run/secrets/tokens/api-token']);
        assert.notEqual(now, first, 'token not rewritten yet');
        return now;
      },
      90_000,
      2000,
    );
    const renewed = claimsOf(second);
    assert.ok(renewed.iat > claims.iat, 'a newer token');
    assert.ok(renewed.iat - claims.iat < 480, `refreshed before 80% of the first token's life (${renewed.iat - claims.iat} s)`);
    assert.equal((await whoAmI(second)).userInfo?.username, `system:serviceaccount:${NS}:default`);
    assert.equal((await exec('short', ['stat', '-L', '-c', '%a', '/var/run/secrets/tokens/api-token'])).trim(), '440');
  });

  it("sets KUBERNETES_SERVICE_HOST/PORT and the namespace's service links, fixed at container start", async () => {
    const kubernetes = await api.get<Service>(SERVICES, 'default', 'kubernetes');
    const backend = await api.get<Service>(SERVICES, NS, 'backend');
    const apiIP = kubernetes.spec!.clusterIP!;
    const backendIP = backend.spec!.clusterIP!;

    // Without a token volume: the environment does not depend on the TokenRequest API.
    await api.create(PODS, makePod('linked', { automountServiceAccountToken: false }));
    await api.create(PODS, makePod('unlinked', { automountServiceAccountToken: false, enableServiceLinks: false }));
    await waitRunning('linked');
    await waitRunning('unlinked');
    await api.create(SERVICES, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'late', namespace: NS },
      spec: { ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    } as Service);

    const linked = await containerEnv('linked');
    assert.deepEqual(Object.fromEntries([...linked].filter(([k]) => k.startsWith('KUBERNETES_'))), {
      KUBERNETES_SERVICE_HOST: apiIP,
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: `tcp://${apiIP}:443`,
      KUBERNETES_PORT_443_TCP: `tcp://${apiIP}:443`,
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: apiIP,
    });
    assert.equal(linked.get('BACKEND_SERVICE_HOST'), backendIP);
    assert.equal(linked.get('BACKEND_SERVICE_PORT'), '8080');
    assert.equal(linked.get('BACKEND_SERVICE_PORT_HTTP'), '8080');
    assert.equal(linked.get('BACKEND_PORT'), `tcp://${backendIP}:8080`);
    assert.equal(linked.get('BACKEND_PORT_8080_TCP_ADDR'), backendIP);
    assert.equal(linked.has('LATE_SERVICE_HOST'), false, 'a Service created after the container started does not change its environment');

    const unlinked = await containerEnv('unlinked');
    assert.equal(unlinked.get('KUBERNETES_SERVICE_HOST'), apiIP, 'every pod finds the apiserver');
    assert.equal(unlinked.has('BACKEND_SERVICE_HOST'), false, 'enableServiceLinks: false');
  });
});
