/**
 * The horizontalpodautoscaling controller against real processes: etcd, the apiserver (serving
 * metrics.k8s.io from the kubelet's stats), the controller-manager and a Docker kubelet. A
 * Deployment of busybox pods spinning on the CPU (request 100m, limit 200m) is scaled up by an
 * autoscaling/v2 HPA created with kubectl, and back down once the spinning stops (a file on a
 * hostPath the pods share); beside it, HPAs that cannot scale say why in upstream's conditions
 * and events. Pods name their node, so no scheduler is needed. Docker objects: skiff.node=h4-hpa,
 * network h4-hpa; ports 20400.. (apiserver 20490, kubelet 20450/20451).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { findResourceByKind, type Deployment, type Event, type HorizontalPodAutoscaler } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '@skiff/kubelet';
import {
  allowPrivilegedPods,
  cleanupNodeContainers,
  eventually,
  kubectl,
  kubectlBinaries,
  startControllerManager,
  startKubelet,
  startTestCluster,
  type ComponentProcess,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const NODE = 'h4-hpa';
const NS = 'default';
const deployments = findResourceByKind('apps/v1', 'Deployment')!;
const hpas = findResourceByKind('autoscaling/v2', 'HorizontalPodAutoscaler')!;
const events = findResourceByKind('v1', 'Event')!;
const docker = new Docker();

let cluster: TestCluster;
let kubelet: KubeletProcess | undefined;
let manager: ComponentProcess | undefined;
let api: RestClient;
let kubectlPath: string;
let controlDir: string;

/** A Deployment of `replicas` busybox pods on our node running `script`, with the control dir at /ctl. */
function deployment(name: string, replicas: number, script: string, resources?: object): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          nodeName: NODE,
          terminationGracePeriodSeconds: 0,
          volumes: [{ name: 'ctl', hostPath: { path: controlDir, type: 'DirectoryOrCreate' } }],
          containers: [
            {
              name: 'main',
              image: BUSYBOX_IMAGE,
              imagePullPolicy: 'IfNotPresent',
              command: ['sh', '-c', script],
              volumeMounts: [{ name: 'ctl', mountPath: '/ctl' }],
              ...(resources ? { resources } : {}),
            },
          ],
        },
      },
    },
  };
}

const hpaManifest = (name: string, target: string, min: number, max: number, metrics: object[], behavior?: object) =>
  JSON.stringify({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: NS },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas: min,
      maxReplicas: max,
      metrics,
      ...(behavior ? { behavior } : {}),
    },
  });
const cpuAt = (percent: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } } });

async function apply(manifest: string): Promise<void> {
  const res = await kubectl(kubectlPath, ['apply', '-f', '-'], { stdin: manifest, kubeconfig: cluster.kubeconfigPath });
  assert.equal(res.code, 0, res.stderr);
}

async function hpaCondition(name: string, type: string) {
  const hpa = await api.get<HorizontalPodAutoscaler>(hpas, NS, name);
  return { hpa, condition: hpa.status?.conditions?.find((c) => c.type === type) };
}

async function eventsOf(name: string): Promise<Event[]> {
  return (await api.list<Event>(events, NS, { fieldSelector: `involvedObject.name=${name}` })).items;
}

const replicasOf = async (name: string) => (await api.get<Deployment>(deployments, NS, name)).spec?.replicas;

describe('horizontal pod autoscaler controller', { timeout: 300_000 }, () => {
  before(async () => {
    await cleanupNodeContainers(NODE);
    await ensureBusyboxImage(docker, BUSYBOX_IMAGE);
    cluster = await startTestCluster({ basePort: 20400, apiServerPort: 20490, etcdMembers: 1, kubeletClientCert: true });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    await allowPrivilegedPods(api, NS); // hostPath / hostPort pods, refused by the default baseline
    controlDir = join(cluster.dir, 'burn-control');
    mkdirSync(controlDir, { recursive: true });
    kubectlPath = (await kubectlBinaries()).at(-1)!.path;
    manager = await startControllerManager(cluster, { args: ['--controllers=deployment,replicaset,horizontalpodautoscaling'] });
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.214.4.0/24', networkName: NODE, port: 20450, healthzPort: 20451 });
    // Every case starts here, so the slow parts (pods starting, metric windows, 15 s periods) overlap.
    // Spins until /ctl/stop exists, then idles; `[` is a shell builtin, so the loop forks nothing.
    await api.create(
      deployments,
      deployment('burner', 1, 'while [ ! -f /ctl/stop ]; do :; done; exec sleep 3600', { requests: { cpu: '100m' }, limits: { cpu: '200m' } }),
    );
    await apply(hpaManifest('burner', 'burner', 1, 3, [cpuAt(50)], { scaleDown: { stabilizationWindowSeconds: 0 } }));

    await api.create(deployments, deployment('no-request', 1, 'exec sleep 3600'));
    await api.create(deployments, deployment('no-adapter', 1, 'exec sleep 3600', { requests: { cpu: '50m' } }));
    await api.create(deployments, deployment('mem', 1, 'exec sleep 3600', { requests: { memory: '16Mi' } }));
    await api.create(deployments, deployment('idle-zero', 0, 'exec sleep 3600', { requests: { cpu: '50m' } }));
    await apply(hpaManifest('no-request', 'no-request', 1, 2, [cpuAt(50)]));
    await apply(hpaManifest('idle-zero', 'idle-zero', 1, 2, [cpuAt(50)]));
    await apply(
      hpaManifest('custom', 'no-adapter', 1, 2, [
        { type: 'Pods', pods: { metric: { name: 'requests_per_second' }, target: { type: 'AverageValue', averageValue: '10' } } },
      ]),
    );
    await apply(hpaManifest('missing', 'nothing-here', 1, 2, [cpuAt(50)]));
    // Any shell's working set is far above 1Ki a pod, so memory asks for maxReplicas; the policy allows one pod per 10 min.
    await apply(
      hpaManifest('mem', 'mem', 1, 4, [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '1Ki' } } }], {
        scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 600 }] },
      }),
    );
  });

  after(async () => {
    await manager?.stop(5000).catch(() => manager?.kill());
    await kubelet?.stop().catch(() => kubelet?.kill());
    await cleanupNodeContainers(NODE);
    api?.close();
    await cluster?.stop();
  });

  it('scales a CPU-burning Deployment up to maxReplicas and back down once the load stops', async () => {
    // 200m of a 100m request is 200% against 50%: ceil(4 × 1) = 4, held to maxReplicas 3.
    await eventually(
      async () => {
        const hpa = await api.get<HorizontalPodAutoscaler>(hpas, NS, 'burner');
        assert.equal(await replicasOf('burner'), 3, `${JSON.stringify(hpa.status)}${manager?.logTail(5)}`);
      },
      120_000,
      1000,
    );
    const rescale = (await eventsOf('burner')).find((e) => e.reason === 'SuccessfulRescale');
    assert.equal(rescale?.message, 'New size: 3; reason: cpu resource utilization (percentage of request) above target');
    assert.equal(rescale?.type, 'Normal');
    const status = await eventually(
      async () => {
        const hpa = await api.get<HorizontalPodAutoscaler>(hpas, NS, 'burner');
        assert.equal(hpa.status?.desiredReplicas, 3, JSON.stringify(hpa.status));
        return hpa.status!;
      },
      30_000,
      500,
    );
    assert.ok(status.lastScaleTime, 'lastScaleTime set on a rescale');
    const utilization = status.currentMetrics?.[0]?.resource?.current.averageUtilization ?? 0;
    assert.ok(utilization > 55, `measured utilization ${utilization}% is above the 50% target`);
    assert.equal(status.conditions?.find((c) => c.type === 'ScalingActive')?.reason, 'ValidMetricFound');
    const limited = status.conditions?.find((c) => c.type === 'ScalingLimited');
    assert.ok(['TooManyReplicas', 'DesiredWithinRange'].includes(limited?.reason ?? ''), JSON.stringify(limited));

    writeFileSync(join(controlDir, 'stop'), '');
    await eventually(async () => assert.equal(await replicasOf('burner'), 1), 120_000, 1000);
    const down = (await eventsOf('burner')).find((e) => e.reason === 'SuccessfulRescale' && e.message?.startsWith('New size: 1'));
    assert.equal(down?.message, 'New size: 1; reason: All metrics below target');
    const after = await eventually(
      async () => {
        const hpa = await api.get<HorizontalPodAutoscaler>(hpas, NS, 'burner');
        assert.equal(hpa.status?.desiredReplicas, 1);
        return hpa;
      },
      30_000,
      500,
    );
    assert.equal(after.status?.conditions?.find((c) => c.type === 'AbleToScale')?.reason, 'SucceededRescale');
  });

  it('scales on memory one pod at a time as its policy allows, and reports why it cannot scale: missing requests, a replica count of zero, no custom metrics API, no target', async () => {
    const active = (name: string, reason: string, message: RegExp) =>
      eventually(
        async () => {
          const { condition } = await hpaCondition(name, 'ScalingActive');
          assert.equal(condition?.status, 'False', JSON.stringify(condition));
          assert.equal(condition?.reason, reason);
          assert.match(condition?.message ?? '', message);
        },
        60_000,
        1000,
      );
    await active(
      'no-request',
      'FailedGetResourceMetric',
      /^the HPA was unable to compute the replica count: failed to get cpu utilization: (missing request for cpu in container main of Pod no-request-|unable to get metrics for resource cpu|did not receive metrics)/,
    );
    await active('idle-zero', 'ScalingDisabled', /^scaling is disabled since the replica count of the target is zero$/);
    await active(
      'custom',
      'FailedGetPodsMetric',
      /^the HPA was unable to compute the replica count: unable to get metric requests_per_second: unable to fetch metrics from custom metrics API: no custom metrics API \(custom\.metrics\.k8s\.io\) registered$/,
    );
    // The pod has metrics once it ran a window: then only the missing request is left to complain about.
    await active('no-request', 'FailedGetResourceMetric', /missing request for cpu in container main of Pod no-request-/);
    const warnings = await eventsOf('no-request');
    assert.ok(
      warnings.some(
        (e) =>
          e.reason === 'FailedComputeMetricsReplicas' &&
          e.type === 'Warning' &&
          /^invalid metrics \(1 invalid out of 1\), first error is: failed to get cpu resource metric value: failed to get cpu utilization: /.test(
            e.message ?? '',
          ),
      ),
      JSON.stringify(warnings.map((e) => e.message)),
    );
    assert.equal(await replicasOf('idle-zero'), 0, 'a target scaled to zero stays there');

    await eventually(async () => assert.equal(await replicasOf('mem'), 2), 60_000, 1000);
    assert.ok((await eventsOf('mem')).some((e) => e.message === 'New size: 2; reason: memory resource above target'));
    // The next pass wants 4 but the policy's period has not passed: held at 2.
    const held = await eventually(
      async () => {
        const { hpa, condition } = await hpaCondition('mem', 'ScalingLimited');
        assert.equal(condition?.reason, 'ScaleUpLimit', JSON.stringify(hpa.status));
        assert.equal(hpa.status?.currentReplicas, 2);
        return condition!;
      },
      45_000,
      1000,
    );
    assert.equal(held.status, 'True');
    assert.equal(held.message, 'the desired replica count is increasing faster than the maximum scale rate');
    assert.equal(await replicasOf('mem'), 2);

    const missing = await eventually(
      async () => {
        const { condition } = await hpaCondition('missing', 'AbleToScale');
        assert.equal(condition?.reason, 'FailedGetScale', JSON.stringify(condition));
        return condition!;
      },
      60_000,
      1000,
    );
    assert.equal(missing.status, 'False');
    assert.match(missing.message ?? '', /^the HPA controller was unable to get the target's current scale: deployments.apps "nothing-here" not found$/);
  });
});
