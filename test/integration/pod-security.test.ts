/**
 * PodSecurity admission against a real etcd and apiserver (issue #20 §1): the Pod Security
 * Standards as users meet them. Every baseline control refused in `default` (baseline enforced
 * by default) with upstream's 403 words and admitted in a namespace labelled privileged; the
 * restricted controls refused under enforce=restricted; warn=restricted admitting with Warning
 * headers that kubectl 1.20 prints; workload templates warned, never refused; kube-system
 * exempt; bad labels refused; a stricter label warning about existing pods; and an
 * --admission-control-config-file whose PodSecurityConfiguration defaults to privileged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBECTL_120_PATH, apiRequest, kubectl, startTestCluster, type ApiResponse, type TestCluster } from '../harness/index.ts';

// Ports 21600-21799 belong to this file: etcd 21600.., apiserver 21650; with a config file etcd 21700.., apiserver 21750.

const ENFORCE = 'pod-security.kubernetes.io/enforce';
const WARN = 'pod-security.kubernetes.io/warn';

type Spec = Record<string, unknown>;
const container = (securityContext?: Spec, extra: Spec = {}) => ({ name: 'c', image: 'busybox', ...extra, ...(securityContext ? { securityContext } : {}) });
const podBody = (name: string, spec: Spec, metadata: Spec = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...metadata },
  spec: { containers: [container()], ...spec },
});

/** One pod per baseline control, and what upstream says about it. */
const BASELINE_CASES: { name: string; spec: Spec; metadata?: Spec; says: string }[] = [
  { name: 'host-network', spec: { hostNetwork: true, hostPID: true }, says: 'host namespaces (hostNetwork=true, hostPID=true)' },
  { name: 'host-ipc', spec: { hostIPC: true }, says: 'host namespaces (hostIPC=true)' },
  {
    name: 'privileged',
    spec: { containers: [container({ privileged: true })] },
    says: 'privileged (container "c" must not set securityContext.privileged=true)',
  },
  {
    name: 'capabilities',
    spec: { containers: [container({ capabilities: { add: ['SYS_ADMIN', 'CHOWN', 'NET_ADMIN'] } })] },
    says: 'non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)',
  },
  { name: 'host-path', spec: { volumes: [{ name: 'root', hostPath: { path: '/' } }] }, says: 'hostPath volumes (volume "root")' },
  {
    name: 'host-port',
    spec: {
      containers: [
        container(undefined, {
          ports: [
            { containerPort: 80, hostPort: 8080 },
            { containerPort: 443, hostPort: 8443 },
          ],
        }),
      ],
    },
    says: 'hostPort (container "c" uses hostPorts 8080, 8443)',
  },
  {
    name: 'apparmor',
    spec: {},
    metadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' } },
    says: 'forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/c="unconfined")',
  },
  {
    name: 'selinux',
    spec: { securityContext: { seLinuxOptions: { type: 'spc_t' } } },
    says: 'seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: type "spc_t")',
  },
  {
    name: 'proc-mount',
    spec: { hostUsers: true, containers: [container({ procMount: 'Unmasked' })] },
    says: 'procMount (container "c" must not set securityContext.procMount to "Unmasked")',
  },
  {
    name: 'seccomp',
    spec: { containers: [container({ seccompProfile: { type: 'Unconfined' } })] },
    says: 'seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")',
  },
  {
    name: 'sysctls',
    spec: {
      securityContext: {
        sysctls: [
          { name: 'kernel.msgmax', value: '65536' },
          { name: 'net.ipv4.tcp_syncookies', value: '1' },
        ],
      },
    },
    says: 'forbidden sysctls (kernel.msgmax)',
  },
  {
    name: 'host-process',
    spec: { hostNetwork: true, securityContext: { windowsOptions: { hostProcess: true } } },
    says: 'host namespaces (hostNetwork=true), hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)',
  },
];

/** A pod the restricted level admits. */
const RESTRICTED_OK = {
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [container({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } })],
  volumes: [{ name: 'scratch', emptyDir: {} }],
};
const PLAIN_POD_RESTRICTED =
  'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
  'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
  'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
  'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

const warningsOf = (res: ApiResponse): string[] => {
  const raw = res.headers.warning;
  // Node joins repeated headers with ", ".
  return (Array.isArray(raw) ? raw : raw ? raw.split(/(?<="), (?=299 - ")/) : []).map((h) =>
    h
      .replace(/^299 - "/, '')
      .replace(/"$/, '')
      .replace(/\\(["\\])/g, '$1'),
  );
};

describe('PodSecurity admission', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  const post = (path: string, body: unknown) => apiRequest(cluster.admin, 'POST', path, { body });
  const createPod = (ns: string, body: unknown) => post(`/api/v1/namespaces/${ns}/pods`, body);
  const createNamespace = async (name: string, labels: Record<string, string>) => {
    const res = await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
    assert.equal(res.status, 201, res.body);
  };
  const forbidden = async (ns: string, body: { metadata: { name: string } }, level: string, says: string) => {
    const res = await createPod(ns, body);
    assert.equal(res.status, 403, res.body);
    assert.equal(res.json.reason, 'Forbidden');
    assert.equal(res.json.message, `pods "${body.metadata.name}" is forbidden: violates PodSecurity "${level}": ${says}`);
    assert.equal((await apiRequest(cluster.admin, 'GET', `/api/v1/namespaces/${ns}/pods/${body.metadata.name}`)).status, 404, 'nothing stored');
  };

  before(async () => {
    cluster = await startTestCluster({ basePort: 21600, apiServerPort: 21650, etcdMembers: 1 });
    // Both modes: the cluster default warns at baseline too.
    await createNamespace('privileged-ns', { [ENFORCE]: 'privileged', [WARN]: 'privileged' });
    await createNamespace('restricted-ns', { [ENFORCE]: 'restricted', [`${ENFORCE}-version`]: 'v1.30' });
    await createNamespace('warned-ns', { [WARN]: 'restricted' });
  });
  after(() => cluster?.stop());

  it("refuses each baseline control in default with upstream's words, and admits it where the namespace is privileged", async () => {
    for (const c of BASELINE_CASES) {
      await forbidden('default', podBody(c.name, c.spec, c.metadata), 'baseline:latest', c.says);
      const res = await createPod('privileged-ns', podBody(c.name, c.spec, c.metadata));
      assert.equal(res.status, 201, `${c.name} in privileged-ns: ${res.body}`);
      assert.deepEqual(warningsOf(res), [], c.name);
    }
  });

  it('lists several violations of one pod in upstream\'s order, joined with ", "', async () => {
    await forbidden(
      'default',
      podBody('many', {
        hostNetwork: true,
        volumes: [
          { name: 'root', hostPath: { path: '/' } },
          { name: 'sock', hostPath: { path: '/var/run/docker.sock' } },
        ],
        containers: [container({ privileged: true }), { ...container({ privileged: true }), name: 'd' }],
      }),
      'baseline:latest',
      'host namespaces (hostNetwork=true), hostPath volumes (volumes "root", "sock"), privileged (containers "c", "d" must not set securityContext.privileged=true)',
    );
  });

  it('enforces the restricted controls where the namespace says restricted, and admits a pod that meets them', async () => {
    await forbidden('restricted-ns', podBody('plain', {}), 'restricted:v1.30', PLAIN_POD_RESTRICTED);
    await forbidden(
      'restricted-ns',
      podBody('root', { ...RESTRICTED_OK, securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } }),
      'restricted:v1.30',
      'runAsUser=0 (pod must not set runAsUser=0)',
    );
    await forbidden(
      'restricted-ns',
      podBody('nfs', {
        ...RESTRICTED_OK,
        volumes: [
          { name: 'share', nfs: { server: 'nas', path: '/x' } },
          { name: 'h', hostPath: { path: '/tmp' } },
        ],
      }),
      'restricted:v1.30',
      'restricted volume types (volumes "share", "h" use restricted volume types "hostPath", "nfs")',
    );
    await forbidden(
      'restricted-ns',
      podBody('caps', { ...RESTRICTED_OK, containers: [container({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['SYS_TIME'] } })] }),
      'restricted:v1.30',
      'unrestricted capabilities (container "c" must not include "SYS_TIME" in securityContext.capabilities.add)',
    );
    const ok = await createPod('restricted-ns', podBody('compliant', RESTRICTED_OK));
    assert.equal(ok.status, 201, ok.body);
  });

  it('warn=restricted admits with a Warning header, and kubectl 1.20 prints it', async () => {
    const res = await createPod('warned-ns', podBody('plain', {}));
    assert.equal(res.status, 201, res.body);
    assert.deepEqual(warningsOf(res), [`would violate PodSecurity "restricted:latest": ${PLAIN_POD_RESTRICTED}`]);
    const manifest = JSON.stringify(podBody('by-kubectl', {}, { namespace: 'warned-ns' }));
    const out = await kubectl(KUBECTL_120_PATH, ['create', '-f', '-'], { kubeconfig: cluster.kubeconfigPath, stdin: manifest });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /pod\/by-kubectl created/);
    assert.ok(out.stderr.includes(`Warning: would violate PodSecurity "restricted:latest": ${PLAIN_POD_RESTRICTED}`), out.stderr);
  });

  it("a Deployment with a hostPath template is admitted with the namespace's warning, never refused", async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'node-reader' },
      spec: {
        selector: { matchLabels: { app: 'r' } },
        template: { metadata: { labels: { app: 'r' } }, spec: { containers: [container()], volumes: [{ name: 'root', hostPath: { path: '/' } }] } },
      },
    };
    const res = await post('/apis/apps/v1/namespaces/default/deployments', deployment);
    assert.equal(res.status, 201, res.body);
    assert.deepEqual(warningsOf(res), ['would violate PodSecurity "baseline:latest": hostPath volumes (volume "root")']);
    const cron = await post('/apis/batch/v1/namespaces/restricted-ns/cronjobs', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container({ privileged: true })] } } } } },
    });
    assert.equal(cron.status, 201, cron.body);
    // restricted-ns sets no warn label: the cluster default (baseline) warns.
    assert.deepEqual(warningsOf(cron), [
      'would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)',
    ]);
  });

  it('a pod created right after its namespace is relabelled meets the new label', async () => {
    await createNamespace('relabelled', {});
    const hostPod = podBody('agent', { volumes: [{ name: 'root', hostPath: { path: '/' } }] });
    assert.equal((await createPod('relabelled', hostPod)).status, 403);
    const label = await apiRequest(cluster.admin, 'PATCH', '/api/v1/namespaces/relabelled', {
      body: { metadata: { labels: { [ENFORCE]: 'privileged', [WARN]: 'privileged' } } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(label.status, 200, label.body);
    const res = await createPod('relabelled', hostPod);
    assert.equal(res.status, 201, res.body);
  });

  it('kube-system is exempt', async () => {
    const res = await createPod('kube-system', podBody('node-agent', { hostNetwork: true, volumes: [{ name: 'root', hostPath: { path: '/' } }] }));
    assert.equal(res.status, 201, res.body);
  });

  it('refuses a namespace whose PodSecurity labels cannot be read', async () => {
    const res = await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'typo', labels: { [ENFORCE]: 'strict' } } });
    assert.equal(res.status, 422, res.body);
    assert.equal(
      res.json.message,
      `Namespace "typo" is invalid: metadata.labels[${ENFORCE}]: Invalid value: "strict": must be one of privileged, baseline, restricted`,
    );
  });

  it('a stricter enforce label keeps existing pods and warns about those that break it', async () => {
    await createNamespace('tighten', {});
    for (const name of ['web-a', 'web-b']) assert.equal((await createPod('tighten', podBody(name, {}))).status, 201);
    const res = await apiRequest(cluster.admin, 'PATCH', '/api/v1/namespaces/tighten', {
      body: { metadata: { labels: { [ENFORCE]: 'restricted' } } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(res.status, 200, res.body);
    assert.deepEqual(warningsOf(res), [
      'existing pods in namespace "tighten" violate the new PodSecurity enforce level "restricted:latest"',
      `web-a (and 1 other pod): ${PLAIN_POD_RESTRICTED}`,
    ]);
    // Label changes on a stored pod are not re-evaluated (upstream evaluates image and seccomp changes only).
    const relabel = await apiRequest(cluster.admin, 'PATCH', '/api/v1/namespaces/tighten/pods/web-a', {
      body: { metadata: { labels: { tier: 'front' } } },
      headers: { 'content-type': 'application/merge-patch+json' },
    });
    assert.equal(relabel.status, 200, relabel.body);
    const reimage = await apiRequest(cluster.admin, 'PATCH', '/api/v1/namespaces/tighten/pods/web-a', {
      body: { spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      headers: { 'content-type': 'application/strategic-merge-patch+json' },
    });
    assert.equal(reimage.status, 403, reimage.body);
    assert.equal(reimage.json.message, `pods "web-a" is forbidden: violates PodSecurity "restricted:latest": ${PLAIN_POD_RESTRICTED}`);
  });
});

describe('PodSecurity with --admission-control-config-file', { timeout: 300_000 }, () => {
  let cluster: TestCluster;
  const dir = mkdtempSync(join(tmpdir(), 'pod-security-'));

  before(async () => {
    const file = join(dir, 'admission.yaml');
    writeFileSync(
      file,
      `apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: privileged
      warn: restricted
      warn-version: v1.30
    exemptions:
      namespaces: [tools]
`,
    );
    cluster = await startTestCluster({ basePort: 21700, apiServerPort: 21750, etcdMembers: 1, apiServerArgs: [`--admission-control-config-file=${file}`] });
  });
  after(async () => {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a default of privileged lets the hostPath pod in, warned at the configured warn level', async () => {
    const res = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces/default/pods', {
      body: podBody('node-reader', {
        containers: [container(RESTRICTED_OK.containers[0]!.securityContext)],
        securityContext: RESTRICTED_OK.securityContext,
        volumes: [{ name: 'root', hostPath: { path: '/' } }],
      }),
    });
    assert.equal(res.status, 201, res.body);
    assert.deepEqual(warningsOf(res), [
      'would violate PodSecurity "restricted:v1.30": restricted volume types (volume "root" uses restricted volume type "hostPath")',
    ]);
  });

  it('a namespace label still tightens it, and only the configured namespaces are exempt', async () => {
    for (const name of ['locked', 'tools']) {
      const ns = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [ENFORCE]: 'baseline' } } },
      });
      assert.equal(ns.status, 201, ns.body);
    }
    const refused = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces/locked/pods', { body: podBody('host', { hostPID: true }) });
    assert.equal(refused.status, 403, refused.body);
    assert.equal(refused.json.message, 'pods "host" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostPID=true)');
    const exempt = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces/tools/pods', { body: podBody('host', { hostPID: true }) });
    assert.equal(exempt.status, 201, exempt.body);
    assert.deepEqual(warningsOf(exempt), []);
    const system = await apiRequest(cluster.admin, 'POST', '/api/v1/namespaces/kube-system/pods', { body: podBody('plain', {}) });
    assert.equal(system.status, 201, system.body);
    assert.equal(warningsOf(system).length, 1, 'kube-system is not exempt unless the file says so');
  });
});
