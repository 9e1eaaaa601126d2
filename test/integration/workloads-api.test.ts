/**
 * The API side of StatefulSets, DaemonSets, Jobs, CronJobs and StorageClasses, driven by the
 * kubectls users have (Debian's 1.20 and the newest on PATH) against a real apiserver and
 * etcd, without controllers: what `apply`, `get`, `scale`, `create` and `explain` show, and
 * that bad objects are refused with Kubernetes' field causes and leave nothing stored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiRequest, kubectl, kubectlBinaries, startTestCluster, type KubectlResult, type TestCluster } from '../harness/index.ts';

// Ports 29200-29201 (etcd) and 29250 (apiserver) belong to this file (range 29200-29299).
const BASE_PORT = 29200;
const binaries = await kubectlBinaries();

const template = (app: string, restartPolicy?: string) => `
    metadata:
      labels: { app: ${app} }
    spec:
      ${restartPolicy ? `restartPolicy: ${restartPolicy}` : ''}
      containers:
      - name: main
        image: busybox:1.36
        command: ["sleep", "3600"]`;

const statefulSet = (app = 'db') => `apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db }
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: { app: ${app} }
  template:${template(app)}
  volumeClaimTemplates:
  - metadata: { name: data }
    spec:
      accessModes: [ReadWriteOnce]
      resources: { requests: { storage: 1Gi } }
`;

const manifests = (sc: string) => `${statefulSet()}---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent }
spec:
  selector:
    matchLabels: { app: agent }
  template:${template('agent')}
---
apiVersion: batch/v1
kind: Job
metadata: { name: pi }
spec:
  completions: 2
  template:${template('pi', 'Never')}
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly }
spec:
  schedule: "0 3 * * *"
  timeZone: Europe/Paris
  jobTemplate:
    spec:
      template:${template('nightly', 'OnFailure').replaceAll('\n', '\n    ')}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${sc}
  annotations: { storageclass.kubernetes.io/is-default-class: "true" }
provisioner: skiff.dev/local-path
volumeBindingMode: WaitForFirstConsumer
`;

/** The header line of `kubectl get`, words separated by single spaces. */
const header = (out: string): string =>
  (out.split('\n')[0] ?? '')
    .trim()
    .split(/\s{2,}/)
    .join(' ');

describe('workloads API with real kubectl', { timeout: 600_000 }, () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await startTestCluster({ basePort: BASE_PORT, etcdMembers: 1, apiServerPort: BASE_PORT + 50 });
  });
  after(() => cluster?.stop());

  const getJson = async (path: string): Promise<{ status: number; json: any }> => {
    const res = await apiRequest(cluster.admin, 'GET', path);
    return { status: res.status, json: res.json };
  };

  binaries.forEach((bin, index) => {
    describe(bin.name, () => {
      const ns = `wl-${index}`;
      const sc = `fast-${index}`;
      const run = (args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: cluster.kubeconfigPath, stdin });
      const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
        const res = await run(args, stdin);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };
      /** kubectl fails and prints the 422 with the cause, and the object is not there. */
      const refused = async (args: string[], stdin: string, cause: RegExp, path: string) => {
        const res = await run(args, stdin);
        assert.notEqual(res.code, 0, `${args.join(' ')} should fail: ${res.stdout}`);
        assert.match(res.stderr, / is invalid: /, res.stderr);
        assert.match(res.stderr, cause, res.stderr);
        return getJson(path);
      };

      before(() => ok(['create', 'namespace', ns]));

      it('apply creates each kind, and client-side validation accepts them', async () => {
        const out = (await ok(['-n', ns, 'apply', '-f', '-'], manifests(sc))).stdout;
        for (const line of [
          'statefulset.apps/db created',
          'daemonset.apps/agent created',
          'job.batch/pi created',
          'cronjob.batch/nightly created',
          `storageclass.storage.k8s.io/${sc} created`,
        ]) {
          assert.ok(out.includes(line), `${line} in ${out}`);
        }
        const sts = (await getJson(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`)).json;
        assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
        assert.deepEqual(sts.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
        assert.equal(sts.metadata.generation, 1);
        const ds = (await getJson(`/apis/apps/v1/namespaces/${ns}/daemonsets/agent`)).json;
        assert.deepEqual(ds.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
        assert.equal(ds.metadata.annotations['deprecated.daemonset.template.generation'], '1');
        const job = (await getJson(`/apis/batch/v1/namespaces/${ns}/jobs/pi`)).json;
        const uid = job.metadata.uid;
        assert.deepEqual(job.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
        assert.equal(job.spec.template.metadata.labels['job-name'], 'pi');
        assert.equal(job.spec.backoffLimit, 6);
        const cj = (await getJson(`/apis/batch/v1/namespaces/${ns}/cronjobs/nightly`)).json;
        assert.equal(cj.spec.concurrencyPolicy, 'Allow');
        const storageClass = (await getJson(`/apis/storage.k8s.io/v1/storageclasses/${sc}`)).json;
        assert.equal(storageClass.reclaimPolicy, 'Delete');
        // A second apply of the same manifests changes nothing. kubectl still sends the
        // StatefulSet's claim templates, an atomic list the server defaults (as upstream), and
        // kubectl 1.20, which predates batch/v1 CronJob, sends it a JSON merge patch.
        const again = (await ok(['-n', ns, 'apply', '-f', '-'], manifests(sc))).stdout;
        const unchanged = ['daemonset.apps/agent', 'job.batch/pi', `storageclass.storage.k8s.io/${sc}`];
        if (bin.name !== 'kubectl-1.20') unchanged.push('cronjob.batch/nightly');
        for (const name of unchanged) assert.ok(again.includes(`${name} unchanged`), `${name} unchanged in ${again}`);
        assert.equal((await getJson(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`)).json.metadata.generation, 1);
        assert.equal((await getJson(`/apis/batch/v1/namespaces/${ns}/cronjobs/nightly`)).json.metadata.generation, 1);
      });

      it('get prints the columns kubectl prints for each kind', async () => {
        assert.equal(header((await ok(['-n', ns, 'get', 'sts'])).stdout), 'NAME READY AGE');
        assert.match((await ok(['-n', ns, 'get', 'sts', 'db'])).stdout, /\ndb\s+0\/1\s+\d+s/);
        assert.equal(header((await ok(['-n', ns, 'get', 'ds'])).stdout), 'NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE');
        assert.equal(
          header((await ok(['-n', ns, 'get', 'ds', '-o', 'wide'])).stdout),
          'NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE CONTAINERS IMAGES SELECTOR',
        );
        assert.equal(header((await ok(['-n', ns, 'get', 'jobs'])).stdout), 'NAME STATUS COMPLETIONS DURATION AGE');
        assert.match((await ok(['-n', ns, 'get', 'job', 'pi'])).stdout, /\npi\s+Running\s+0\/2\s+\d+s/);
        assert.equal(header((await ok(['-n', ns, 'get', 'cj'])).stdout), 'NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE');
        assert.match((await ok(['-n', ns, 'get', 'cj', 'nightly'])).stdout, /\nnightly\s+0 3 \* \* \*\s+Europe\/Paris\s+False\s+0\s+<none>\s+\d+s/);
        const classes = (await ok(['get', 'sc'])).stdout;
        assert.equal(header(classes), 'NAME PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE');
        assert.match(classes, new RegExp(`\\n${sc} \\(default\\)\\s+skiff.dev/local-path\\s+Delete\\s+WaitForFirstConsumer\\s+false\\s+\\d+s`));
        const owner = (await getJson(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`)).json.metadata.uid;
        await ok(
          ['-n', ns, 'apply', '-f', '-'],
          `apiVersion: apps/v1
kind: ControllerRevision
metadata:
  name: db-5d4c8b7f9
  ownerReferences: [{ apiVersion: apps/v1, kind: StatefulSet, name: db, uid: ${owner}, controller: true }]
data: { spec: { template: { $patch: replace } } }
revision: 1
`,
        );
        const revisions = (await ok(['-n', ns, 'get', 'controllerrevisions'])).stdout;
        assert.equal(header(revisions), 'NAME CONTROLLER REVISION AGE');
        assert.match(revisions, /\ndb-5d4c8b7f9\s+statefulset\.apps\/db\s+1\s+\d+s/);
      });

      it('scale sts changes spec.replicas through the scale subresource', async () => {
        assert.match((await ok(['-n', ns, 'scale', 'sts', 'db', '--replicas=3'])).stdout, /statefulset.apps\/db scaled/);
        const sts = (await getJson(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`)).json;
        assert.equal(sts.spec.replicas, 3);
        assert.equal(sts.metadata.generation, 2);
        const scale = (await getJson(`/apis/apps/v1/namespaces/${ns}/statefulsets/db/scale`)).json;
        assert.deepEqual(
          { kind: scale.kind, replicas: scale.spec.replicas, selector: scale.status.selector },
          { kind: 'Scale', replicas: 3, selector: 'app=db' },
        );
      });

      it('status subresources move status only, and get shows it', async () => {
        const patchStatus = async (path: string, body: unknown) => {
          const res = await apiRequest(cluster.admin, 'PATCH', `${path}/status`, { body, headers: { 'content-type': 'application/merge-patch+json' } });
          assert.equal(res.status, 200, res.body);
          return res.json;
        };
        const job = await patchStatus(`/apis/batch/v1/namespaces/${ns}/jobs/pi`, {
          spec: { parallelism: 9 },
          status: { succeeded: 1, startTime: '2024-05-01T10:00:00Z', conditions: [{ type: 'Suspended', status: 'True' }] },
        });
        assert.equal(job.spec.parallelism, 1);
        assert.equal(job.metadata.generation, 1);
        assert.match((await ok(['-n', ns, 'get', 'job', 'pi'])).stdout, /\npi\s+Suspended\s+1\/2\s+\S+\s+\d+s/);
        assert.match((await ok(['-n', ns, 'get', 'jobs', '--field-selector=status.successful=1', '-o', 'name'])).stdout, /^job.batch\/pi$/m);
        await patchStatus(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`, { status: { replicas: 3, readyReplicas: 2 } });
        assert.match((await ok(['-n', ns, 'get', 'sts', 'db'])).stdout, /\ndb\s+2\/3\s+\d+s/);
        await patchStatus(`/apis/apps/v1/namespaces/${ns}/daemonsets/agent`, {
          status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 1 },
        });
        assert.match((await ok(['-n', ns, 'get', 'ds', 'agent'])).stdout, /\nagent\s+3\s+3\s+1\s+0\s+0\s+<none>\s+\d+s/);
      });

      it('create job, create cronjob and create job --from=cronjob', async () => {
        assert.equal((await ok(['-n', ns, 'create', 'job', 'once', '--image=busybox', '--', 'echo', 'hi'])).stdout.trim(), 'job.batch/once created');
        const once = (await getJson(`/apis/batch/v1/namespaces/${ns}/jobs/once`)).json;
        assert.equal(once.spec.template.spec.restartPolicy, 'Never');
        assert.deepEqual(once.spec.template.spec.containers[0].command, ['echo', 'hi']);
        const cron = await run(['-n', ns, 'create', 'cronjob', 'tick', '--image=busybox', '--schedule=*/1 * * * *', '--', 'date']);
        if (bin.name === 'kubectl-1.20') {
          // kubectl 1.20 creates (and reads, for --from) CronJobs as batch/v1beta1, which
          // Kubernetes 1.25+ no longer serves: a 1.30 cluster answers it the same way.
          assert.match(cron.stderr, /failed to create cronjob: the server could not find the requested resource/, cron.stderr);
          return;
        }
        assert.equal(cron.code, 0, cron.stderr);
        assert.equal(cron.stdout.trim(), 'cronjob.batch/tick created');
        const tick = (await getJson(`/apis/batch/v1/namespaces/${ns}/cronjobs/tick`)).json;
        assert.equal(tick.spec.schedule, '*/1 * * * *');
        assert.equal(tick.spec.jobTemplate.spec.template.spec.restartPolicy, 'OnFailure');
        assert.equal((await ok(['-n', ns, 'create', 'job', 'manual', '--from=cronjob/tick'])).stdout.trim(), 'job.batch/manual created');
        const manual = (await getJson(`/apis/batch/v1/namespaces/${ns}/jobs/manual`)).json;
        assert.equal(manual.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
        assert.deepEqual(
          manual.metadata.ownerReferences.map((r: any) => `${r.kind}/${r.name}/${r.uid}`),
          [`CronJob/tick/${tick.metadata.uid}`],
        );
        assert.deepEqual(manual.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': manual.metadata.uid } });
      });

      it('refuses an invalid cron expression with 422 and stores nothing', async () => {
        const bad = `apiVersion: batch/v1
kind: CronJob
metadata: { name: bad-cron }
spec:
  schedule: "every 5 minutes"
  jobTemplate:
    spec:
      template:${template('x', 'Never').replaceAll('\n', '\n    ')}
`;
        const after = await refused(
          ['-n', ns, 'apply', '-f', '-'],
          bad,
          /spec\.schedule: Invalid value: "every 5 minutes": expected exactly 5 fields, found 3/,
          `/apis/batch/v1/namespaces/${ns}/cronjobs/bad-cron`,
        );
        assert.equal(after.status, 404);
        const res = await apiRequest(cluster.admin, 'POST', `/apis/batch/v1/namespaces/${ns}/cronjobs`, {
          body: JSON.stringify({
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            metadata: { name: 'bad-cron' },
            spec: {
              schedule: '61 * * * *',
              jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
            },
          }),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(res.status, 422);
        assert.equal(res.json.reason, 'Invalid');
        assert.deepEqual(
          res.json.details.causes.map((c: any) => `${c.reason} ${c.field}`),
          ['FieldValueInvalid spec.schedule'],
        );
      });

      it('refuses a negative parallelism and a Job whose pods would restart forever', async () => {
        const job = (name: string, extra: string, restartPolicy?: string) => `apiVersion: batch/v1
kind: Job
metadata: { name: ${name} }
spec:
  ${extra}
  template:${template(name, restartPolicy)}
`;
        const negative = await refused(
          ['-n', ns, 'apply', '-f', '-'],
          job('negative', 'parallelism: -1', 'Never'),
          /spec\.parallelism: Invalid value: -1: must be greater than or equal to 0/,
          `/apis/batch/v1/namespaces/${ns}/jobs/negative`,
        );
        assert.equal(negative.status, 404);
        const forever = await refused(
          ['-n', ns, 'apply', '-f', '-'],
          job('forever', 'completions: 1'),
          /spec\.template\.spec\.restartPolicy: Required value: valid values: "OnFailure", "Never"/,
          `/apis/batch/v1/namespaces/${ns}/jobs/forever`,
        );
        assert.equal(forever.status, 404);
        const always = await refused(
          ['-n', ns, 'create', '-f', '-'],
          job('always', 'completions: 1', 'Always'),
          /spec\.template\.spec\.restartPolicy: Required value/,
          `/apis/batch/v1/namespaces/${ns}/jobs/always`,
        );
        assert.equal(always.status, 404);
      });

      it('refuses a changed StatefulSet selector and keeps the stored one', async () => {
        const before = (await getJson(`/apis/apps/v1/namespaces/${ns}/statefulsets/db`)).json;
        const after = await refused(
          ['-n', ns, 'apply', '-f', '-'],
          statefulSet('database'),
          /spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden/,
          `/apis/apps/v1/namespaces/${ns}/statefulsets/db`,
        );
        assert.deepEqual(after.json.spec.selector, { matchLabels: { app: 'db' } });
        assert.equal(after.json.metadata.resourceVersion, before.metadata.resourceVersion);
      });

      it('explain describes the new kinds from the served OpenAPI', async () => {
        const sts = (await ok(['explain', 'statefulset.spec'])).stdout;
        assert.match(sts, /KIND:\s+StatefulSet/);
        assert.match(sts, /podManagementPolicy/);
        assert.match(sts, /volumeClaimTemplates/);
        assert.match((await ok(['explain', 'cronjob.spec.jobTemplate'])).stdout, /KIND:\s+CronJob/);
        assert.match((await ok(['explain', 'storageclass'])).stdout, /provisioner/);
      });
    });
  });
});
