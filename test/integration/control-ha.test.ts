/**
 * Two controller-manager replicas with leader election on a short Lease: only the holder
 * of Lease kube-system/kube-controller-manager acts; kill -9 it and the standby takes over
 * within about the lease duration, and the next scale is honoured.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type Deployment, type Lease, type Pod } from '@skiff/api';
import { eventually, startControlPlane, type ComponentProcess, type ControlPlane } from '../harness/index.ts';

// Ports 24740-24741 (etcd) and 24840 (apiserver) belong to this file.
const BASE_PORT = 24740;
const NS = 'default';
const LEASE_S = 4;

const DEPLOYMENTS = findResourceByKind('apps/v1', 'Deployment')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const LEASES = findResourceByKind('coordination.k8s.io/v1', 'Lease')!;

describe('controller-manager leader election', { timeout: 120_000 }, () => {
  let cp: ControlPlane;

  before(async () => {
    cp = await startControlPlane({
      basePort: BASE_PORT,
      controllerManagers: 2,
      // At info even under ./skiff test's warn default (which every component now honours): the test reads who campaigned.
      controllerManagerArgs: ['--leader-elect=true', `--leader-elect-lease-duration=${LEASE_S}`, '--log-level=info'],
    });
  });
  after(async () => {
    await cp?.stop();
  });

  const holder = async () => (await cp.client.get<Lease>(LEASES, 'kube-system', 'kube-controller-manager')).spec?.holderIdentity;

  /** The identity a replica campaigns under (its latest run's), from its JSON log. */
  const identityOf = (c: ComponentProcess): string | undefined => {
    let identity: string | undefined;
    for (const line of c.log().split('\n')) {
      if (!line.includes('campaigning for leadership')) continue;
      try {
        identity = (JSON.parse(line) as { identity?: string }).identity;
      } catch {
        // A partial last line.
      }
    }
    return identity;
  };

  /** The replica that campaigned under the identity holding the Lease. */
  const leaderProcess = async (): Promise<{ process: ComponentProcess; identity: string }> =>
    eventually(async () => {
      const identity = await holder();
      assert.ok(identity, 'the Lease has a holder');
      const owners = cp.controllerManagers.filter((c) => c.running && identityOf(c) === identity);
      assert.equal(owners.length, 1, `exactly one live replica campaigns as ${identity}`);
      return { process: owners[0], identity };
    }, 20_000);

  const runningPods = async () =>
    (await cp.client.list<Pod>(PODS, NS, { labelSelector: 'app=ha' })).items.filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase === 'Running');

  it('fails over to the standby when the leader is killed, and the next scale is honoured', async () => {
    const first = await leaderProcess();
    await cp.client.create<Deployment>(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ha', namespace: NS },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'ha' } },
        template: { metadata: { labels: { app: 'ha' } }, spec: { containers: [{ name: 'app', image: 'registry.local/app:1' }] } },
      },
    });
    await eventually(async () => assert.equal((await runningPods()).length, 2), 45_000);

    const killedAt = Date.now();
    await first.process.kill();
    const second = await eventually(
      async () => {
        const identity = await holder();
        assert.ok(identity && identity !== first.identity, `the Lease moved from ${first.identity} (now ${identity})`);
        return leaderProcess();
      },
      (LEASE_S + 20) * 1000,
      250,
    );
    const takeoverS = (Date.now() - killedAt) / 1000;
    assert.notEqual(second.process, first.process);
    // "About the lease duration": the standby's retry period and a loaded machine on top.
    assert.ok(takeoverS < LEASE_S * 3 + 5, `takeover took ${takeoverS} s`);
    const lease = await cp.client.get<Lease>(LEASES, 'kube-system', 'kube-controller-manager');
    assert.ok((lease.spec?.leaseTransitions ?? 0) >= 1, 'leaseTransitions counted the change');

    await cp.client.patch<Deployment>(DEPLOYMENTS, NS, 'ha', 'merge', { spec: { replicas: 4 } });
    await eventually(async () => {
      assert.equal((await runningPods()).length, 4);
      const d = await cp.client.get<Deployment>(DEPLOYMENTS, NS, 'ha');
      assert.equal(d.status?.observedGeneration, d.metadata?.generation);
      assert.equal(d.status?.readyReplicas, 4);
    }, 45_000);
  });

  it('only the leader acts: the standby stays passive while the leader runs', async () => {
    // Restart the killed replica: it campaigns but must not take the Lease from a live leader.
    const dead = cp.controllerManagers.find((c) => !c.running)!;
    await dead.start();
    const leader = await leaderProcess();
    await new Promise((resolve) => setTimeout(resolve, LEASE_S * 2 * 1000));
    const still = await leaderProcess();
    assert.equal(still.identity, leader.identity, 'leadership did not flap while the leader renews');
    const standby = cp.controllerManagers.find((c) => c !== still.process)!;
    const standbyIdentity = identityOf(standby);
    assert.ok(standbyIdentity && standbyIdentity !== leader.identity);
    assert.ok(
      !standby
        .log()
        .split('\n')
        .some((line) => line.includes('became leader') && line.includes(standbyIdentity)),
      'the standby never started leading',
    );
    await cp.client.patch<Deployment>(DEPLOYMENTS, NS, 'ha', 'merge', { spec: { replicas: 1 } });
    await eventually(async () => assert.equal((await runningPods()).length, 1), 45_000);
  });
});
