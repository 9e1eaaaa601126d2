/**
 * scheduling.k8s.io/v1 PriorityClass and the Priority admission plugin against a real etcd and
 * apiserver, driven by the kubectls users have (Debian's 1.20 and the newest on PATH, whose
 * `create priorityclass` sends protobuf): the built-in classes, `kubectl get/create/describe`,
 * pods given spec.priority from their class or the globalDefault one, upstream's 403s and
 * 422s with nothing stored.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  REPO_ROOT,
  apiRequest,
  eventually,
  kubectl,
  kubectlBinaries,
  tableHeader,
  tableRow,
  useApiControlPlane,
  type KubectlResult,
} from '../harness/index.ts';

// Ports 20600 (etcd) and 20650 (apiserver) belong to this file (range 20600-20699).
const BASE_PORT = 20600;
const PCS = '/apis/scheduling.k8s.io/v1/priorityclasses';
const binaries = await kubectlBinaries();

/** Every line of `expected` is a line of `out`, runs of blanks read as one space. */
function assertLines(out: string, expected: string[]): void {
  const lines = out.split('\n').map((l) => l.replace(/\s+/g, ' ').trim());
  for (const line of expected) assert.ok(lines.includes(line), `${line}\nin ${out}`);
}

const podManifest = (name: string, spec: string) => `apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
${spec}  containers: [{ name: c, image: busybox }]
`;

describe('PriorityClasses and Priority admission', { timeout: 300_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);
  const request = (method: string, path: string, body?: unknown) => apiRequest(api.cluster.admin, method, path, body === undefined ? {} : { body });
  const pod = (name: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
  });

  binaries.forEach((bin, index) => {
    describe(bin.name, () => {
      const ns = `prio-${index}`;
      const high = `high-${index}`;
      const run = (args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: api.cluster.kubeconfigPath, stdin });
      const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
        const res = await run(args, stdin);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };
      const fails = async (args: string[], stdin?: string): Promise<string> => {
        const res = await run(args, stdin);
        assert.notEqual(res.code, 0, `${args.join(' ')} should fail: ${res.stdout}`);
        return res.stderr;
      };

      before(() => ok(['create', 'namespace', ns]));

      it('get lists the built-in classes as NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY', async () => {
        const out = (await ok(['get', 'priorityclasses'])).stdout;
        assert.equal(tableHeader(out), 'NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY');
        assert.match(tableRow(out, 'system-cluster-critical'), /^system-cluster-critical 2000000000 false \d+(s|m\d*s?) PreemptLowerPriority$/);
        assert.match(tableRow(out, 'system-node-critical'), /^system-node-critical 2000001000 false \d+(s|m\d*s?) PreemptLowerPriority$/);
      });

      it('create priorityclass stores what kubectl built; describe shows it; a pod naming it gets its value and policy', async () => {
        const created = await ok([
          'create',
          'priorityclass',
          high,
          '--value=1000',
          '--description=batch jobs that may wait',
          '--preemption-policy=Never',
          '-v=8',
        ]);
        assert.match(created.stdout, new RegExp(`priorityclass.scheduling.k8s.io/${high} created`));
        // The newest kubectl's typed client sends the class as protobuf; 1.20 sends JSON.
        if (bin.name !== 'kubectl-1.20') assert.match(created.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
        const stored = (await request('GET', `${PCS}/${high}`)).json;
        assert.deepEqual(
          [stored.value, stored.description, stored.preemptionPolicy, stored.globalDefault],
          [1000, 'batch jobs that may wait', 'Never', undefined],
        );
        assert.match(tableRow((await ok(['get', 'pc', high])).stdout, high), new RegExp(`^${high} 1000 false \\d+s Never$`));
        // kubectl describes on its own side; 1.20's describer predates the PreemptionPolicy line.
        const lines = [`Name: ${high}`, 'Value: 1000', 'GlobalDefault: false', 'Description: batch jobs that may wait', 'Annotations: <none>'];
        if (bin.name !== 'kubectl-1.20') lines.push('PreemptionPolicy: Never');
        assertLines((await ok(['describe', 'priorityclass', high])).stdout, lines);

        await ok(['-n', ns, 'apply', '-f', '-'], podManifest('urgent', `  priorityClassName: ${high}\n`));
        const spec = (await request('GET', `/api/v1/namespaces/${ns}/pods/urgent`)).json.spec;
        assert.deepEqual([spec.priorityClassName, spec.priority, spec.preemptionPolicy], [high, 1000, 'Never']);
        assert.match((await ok(['-n', ns, 'apply', '-f', '-'], podManifest('urgent', `  priorityClassName: ${high}\n`))).stdout, /pod\/urgent unchanged/);
      });

      it('a pod naming an unknown class is forbidden and not stored', async () => {
        const stderr = await fails(['-n', ns, 'apply', '-f', '-'], podManifest('lost', '  priorityClassName: nope\n'));
        assert.match(stderr, /pods "lost" is forbidden: no PriorityClass with name nope was found/);
        assert.equal((await request('GET', `/api/v1/namespaces/${ns}/pods/lost`)).status, 404);
      });

      it('a class above the user ceiling is refused with upstream cause, nothing stored', async () => {
        const stderr = await fails(['create', 'priorityclass', `too-high-${index}`, '--value=1000000001']);
        assert.match(
          stderr,
          new RegExp(
            `PriorityClass.scheduling.k8s.io "too-high-${index}" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000`,
          ),
        );
        assert.equal((await request('GET', `${PCS}/too-high-${index}`)).status, 404);
      });

      it('the value cannot change', async () => {
        const stderr = await fails(['patch', 'priorityclass', high, '-p', '{"value":5}']);
        // kubectl words an Invalid answer to a patch itself, from the Status details: "The <Kind> "<name>" is invalid: <causes>".
        assert.match(stderr, new RegExp(`The PriorityClass "${high}" is invalid: value: Forbidden: may not be changed in an update\\.`));
        assert.equal((await request('GET', `${PCS}/${high}`)).json.value, 1000);
      });
    });
  });

  describe('the API itself', () => {
    it('bad classes are 422 with every cause; the system- prefix is reserved; nothing is stored', async () => {
      const res = await request('POST', PCS, {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: 'bad' },
        value: 2_000_000_000,
        preemptionPolicy: 'Sometimes',
      });
      assert.equal(res.status, 422, res.body);
      assert.deepEqual(res.json.details.causes, [
        { reason: 'FieldValueForbidden', field: 'value', message: 'Forbidden: maximum allowed value of a user defined priority is 1000000000' },
        {
          reason: 'FieldValueNotSupported',
          field: 'preemptionPolicy',
          message: 'Unsupported value: "Sometimes": supported values: "PreemptLowerPriority", "Never"',
        },
      ]);
      assert.equal((await request('GET', `${PCS}/bad`)).status, 404);
      const reserved = await request('POST', PCS, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'system-mine' }, value: 5 });
      assert.equal(reserved.status, 422, reserved.body);
      assert.equal(
        reserved.json.message,
        'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: priority class names with \'system-\' prefix are reserved for system use only. error: system-mine is not a known system priority class',
      );
    });

    it('the built-in classes cannot be deleted, and any namespace may use them (upstream dropped the kube-system limit)', async () => {
      const deleted = await request('DELETE', `${PCS}/system-node-critical`);
      assert.equal(deleted.status, 403, deleted.body);
      assert.equal(
        deleted.json.message,
        'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted',
      );
      const created = await request('POST', '/api/v1/namespaces/default/pods', pod('critical', { priorityClassName: 'system-node-critical' }));
      assert.equal(created.status, 201, created.body);
      assert.equal(created.json.spec.priority, 2_000_001_000);
    });

    it('a pod setting spec.priority itself is forbidden; a pod update keeps what create resolved', async () => {
      const selfSet = await request('POST', '/api/v1/namespaces/default/pods', pod('self-set', { priority: 7 }));
      assert.equal(selfSet.status, 403, selfSet.body);
      assert.equal(
        selfSet.json.message,
        'pods "self-set" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name',
      );

      const created = await request('POST', '/api/v1/namespaces/default/pods', pod('plain'));
      assert.equal(created.status, 201, created.body);
      assert.deepEqual([created.json.spec.priority, created.json.spec.preemptionPolicy], [0, 'PreemptLowerPriority']);
      const replaced = structuredClone(created.json);
      delete replaced.spec.priority;
      delete replaced.spec.preemptionPolicy;
      replaced.metadata.labels = { touched: 'yes' };
      const put = await request('PUT', '/api/v1/namespaces/default/pods/plain', replaced);
      assert.equal(put.status, 200, put.body);
      assert.deepEqual([put.json.spec.priority, put.json.spec.preemptionPolicy, put.json.metadata.labels], [0, 'PreemptLowerPriority', { touched: 'yes' }]);
    });

    it('workload templates are not admitted: a Deployment may name a class that does not exist yet', async () => {
      const res = await request('POST', '/apis/apps/v1/namespaces/default/deployments', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'later' },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'later' } },
          template: { metadata: { labels: { app: 'later' } }, spec: { priorityClassName: 'later', containers: [{ name: 'c', image: 'busybox' }] } },
        },
      });
      assert.equal(res.status, 201, res.body);
      assert.equal(res.json.spec.template.spec.priority, undefined);
    });

    it("Skiff's own kubectl gets and describes PriorityClasses", async () => {
      const own = async (...args: string[]): Promise<string> => {
        const res = await kubectl(process.execPath, [join(REPO_ROOT, 'apps/kubectl/src/main.ts'), ...args], { kubeconfig: api.cluster.kubeconfigPath });
        assert.equal(res.code, 0, `skiff kubectl ${args.join(' ')}: ${res.stderr}`);
        return res.stdout;
      };
      const out = await own('get', 'pc');
      assert.equal(tableHeader(out), 'NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY');
      assert.match(tableRow(out, 'system-node-critical'), /^system-node-critical 2000001000 false \d+(s|m\d*s?) PreemptLowerPriority$/);
      assertLines(await own('describe', 'priorityclass', 'system-node-critical'), [
        'Name: system-node-critical',
        'Value: 2000001000',
        'GlobalDefault: false',
        'PreemptionPolicy: PreemptLowerPriority',
        'Description: Used for system critical pods that must not be moved from their current node.',
        'Annotations: <none>',
      ]);
    });

    // Last: a globalDefault class changes every pod created after it.
    it('the globalDefault class: pods naming none get it; a second default is forbidden', async () => {
      const pc = (name: string, value: number) => ({
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name },
        value,
        globalDefault: true,
      });
      assert.equal((await request('POST', PCS, pc('everyone', -10))).status, 201);
      const second = await request('POST', PCS, pc('another', 5));
      assert.equal(second.status, 403, second.body);
      assert.equal(
        second.json.message,
        'priorityclasses.scheduling.k8s.io "another" is forbidden: PriorityClass everyone is already marked as default. Only one default can exist',
      );
      assert.equal((await request('GET', `${PCS}/another`)).status, 404);
      // The plugin reads classes from the apiserver's watch, which may lag a write by a moment.
      const spec = await eventually(async () => {
        const res = await request('POST', '/api/v1/namespaces/default/pods?dryRun=All', pod('defaulted'));
        assert.equal(res.json.spec?.priorityClassName, 'everyone', res.body);
        return res.json.spec;
      });
      assert.deepEqual([spec.priority, spec.preemptionPolicy], [-10, 'PreemptLowerPriority']);
      const created = await request('POST', '/api/v1/namespaces/default/pods', pod('defaulted'));
      assert.deepEqual([created.json.spec.priorityClassName, created.json.spec.priority], ['everyone', -10]);
    });
  });
});
