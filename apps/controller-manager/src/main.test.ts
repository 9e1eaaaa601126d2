/**
 * The controller-manager against a real etcd + apiserver: in-process run() wiring (shared
 * informers, sync, clean stop), then the real entry point as several processes racing
 * for the Lease: one leads, SIGTERM hands over at once and exits 0, SIGKILL hands over
 * once the lease expires.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResourceByKind, type Event, type Lease, type Namespace } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { startEtcdCluster, type EtcdCluster } from '@skiff/etcd';
import { createLogger } from '@skiff/log';
import { ensureClusterPki, writeKubeconfig } from '@skiff/pki';
import type { ControllerManagerConfig } from './config.ts';
import type { Controller } from './controller.ts';
import { LEASE_NAME, LEASE_NAMESPACE, run } from './index.ts';

const BASE_PORT = 24000; // helper W's range: etcd 24000-24001, apiserver 24010, metrics 24020+
const API_PORT = BASE_PORT + 10;
const repoRoot = new URL('../../../', import.meta.url).pathname;
const leases = findResourceByKind('coordination.k8s.io/v1', 'Lease')!;
const namespaces = findResourceByKind('v1', 'Namespace')!;

let dir: string;
let etcd: EtcdCluster | undefined;
let apiServer: ChildProcess | undefined;
let kubeconfig: string;
let client: RestClient;
const children = new Set<ChildProcess>();

function spawnNode(script: string, args: string[], logName: string): ChildProcess {
  const fd = openSync(join(dir, `${logName}.log`), 'a');
  const child = spawn(process.execPath, [join(repoRoot, script), ...args], {
    cwd: repoRoot,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, SKIFF_LOG_LEVEL: 'info' },
  });
  closeSync(fd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skiff-cm-'));
  etcd = await startEtcdCluster({ size: 1, dataRoot: join(dir, 'etcd'), basePort: BASE_PORT, logDir: dir });
  const pki = await ensureClusterPki(join(dir, 'pki'), { apiServerHosts: ['127.0.0.1'] });
  apiServer = spawnNode(
    'apps/apiserver/src/main.ts',
    [
      `--etcd-servers=${etcd.endpoints.join(',')}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${API_PORT}`,
      `--tls-cert-file=${join(pki.dir, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki.dir, 'apiserver.key')}`,
      `--client-ca-file=${join(pki.dir, 'ca.crt')}`,
      '--advertise-address=127.0.0.1',
    ],
    'apiserver',
  );
  kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, { server: `https://127.0.0.1:${API_PORT}`, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
  client = RestClient.fromKubeconfig(kubeconfig);
  await eventually('the apiserver', async () => (await client.get<Namespace>(namespaces, undefined, LEASE_NAMESPACE)).metadata?.name, 30_000);
});

after(async () => {
  client?.close();
  for (const child of children) if (child !== apiServer) child.kill('SIGKILL');
  if (apiServer && apiServer.exitCode === null) {
    apiServer.kill('SIGTERM');
    await Promise.race([exitOf(apiServer), new Promise((r) => setTimeout(r, 5000))]);
    apiServer.kill('SIGKILL');
  }
  await etcd?.stop();
  if (process.env.SKIFF_TEST_KEEP) console.log(`kept ${dir}`);
  else await rm(dir, { recursive: true, force: true });
});

function config(overrides: Partial<ControllerManagerConfig> = {}): ControllerManagerConfig {
  return {
    kubeconfig,
    leaderElect: false,
    leaseDurationSeconds: 4,
    nodeMonitorGracePeriodSeconds: 40,
    nodeStartupGracePeriodSeconds: 60,
    clusterCidr: '10.244.0.0/16',
    nodeCidrMaskSize: 24,
    controllers: ['*'],
    workers: {},
    metricsPort: 0,
    ...overrides,
  };
}

/** A controller that asks for shared informers up front and reports what it saw after sync. */
function probeController(name: string, seen: string[]): Controller {
  return {
    name,
    async run(ctx, signal) {
      const informer = ctx.informers.informerFor<Namespace>(namespaces);
      assert.equal(ctx.informers.informerFor(namespaces), informer, 'shared');
      if (!(await ctx.informers.waitForSync(signal))) return;
      seen.push(
        `${name}: ${informer
          .list()
          .map((n) => n.metadata?.name)
          .sort()
          .join(',')}`,
      );
      ctx.recorder.event(informer.get(undefined, 'default')!, 'Normal', 'Probed', `${name} saw the namespaces`);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      seen.push(`${name}: stopped`);
    },
  };
}

describe('run() in process', () => {
  it('starts the selected controllers on shared, synced informers and stops them on abort', async () => {
    const seen: string[] = [];
    const abort = new AbortController();
    const result = run(config({ controllers: ['*', '-c'] }), abort.signal, {
      logger: createLogger('cm-test', 'warn'),
      factories: { a: () => probeController('a', seen), b: () => probeController('b', seen), c: () => probeController('c', seen) },
      known: ['a', 'b', 'c'],
    });
    await eventually('both probes synced', async () => (seen.length === 2 ? true : undefined));
    assert.deepEqual(seen.map((s) => s.split(':')[0]).sort(), ['a', 'b']);
    assert.match(seen[0]!, /default/);
    assert.match(seen[0]!, /kube-system/);
    const events = findResourceByKind('v1', 'Event')!;
    await eventually('the Probed events', async () => {
      const list = await client.list<Event>(events, 'default');
      const probed = list.items.filter((e) => e.reason === 'Probed' && e.involvedObject?.name === 'default');
      return probed.length === 2 ? true : undefined;
    });
    abort.abort();
    assert.equal(await result, 'stopped');
    assert.deepEqual(seen.slice(2).sort(), ['a: stopped', 'b: stopped']);
  });
});

describe('the controller-manager process with leader election', () => {
  const metricsPorts = [BASE_PORT + 20, BASE_PORT + 21, BASE_PORT + 22];
  const start = (i: number) =>
    spawnNode(
      'apps/controller-manager/src/main.ts',
      [`--kubeconfig=${kubeconfig}`, '--leader-elect=true', '--leader-elect-lease-duration=4', `--metrics-port=${metricsPorts[i]}`],
      `controller-manager-${i}`,
    );

  async function leaderStatus(i: number): Promise<number | undefined> {
    const res = await fetch(`http://127.0.0.1:${metricsPorts[i]}/metrics`);
    const m = /^skiff_leader_election_master_status\{[^}]*\} (\d)/m.exec(await res.text());
    return m ? Number(m[1]) : undefined;
  }

  async function currentLeader(candidates: number[]): Promise<number | undefined> {
    const statuses = await Promise.all(candidates.map((i) => leaderStatus(i).catch(() => undefined)));
    const leaders = candidates.filter((_, k) => statuses[k] === 1);
    assert.ok(leaders.length <= 1, `two leaders at once: ${leaders.join(',')}`);
    return leaders[0];
  }

  it('elects one leader, hands over on SIGTERM (exit 0) and after SIGKILL', async () => {
    const procs = [start(0), start(1)];
    for (const i of [0, 1]) {
      await eventually(`healthz of ${i}`, async () => ((await fetch(`http://127.0.0.1:${metricsPorts[i]}/healthz`)).status === 200 ? true : undefined));
    }
    const first = await eventually('a leader', () => currentLeader([0, 1]));
    const lease = await client.get<Lease>(leases, LEASE_NAMESPACE, LEASE_NAME);
    assert.match(lease.spec?.holderIdentity ?? '', /_[0-9a-f]{16}$/);
    assert.equal(lease.spec?.leaseDurationSeconds, 4);
    // Stays single-leader across several renewals.
    for (let k = 0; k < 5; k++) {
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await currentLeader([0, 1]), first);
    }

    // Clean stop: the lease is released, so the standby takes over well within the lease duration.
    const second = 1 - first;
    const stoppedAt = Date.now();
    procs[first]!.kill('SIGTERM');
    assert.equal(await exitOf(procs[first]!), 0);
    await eventually('the standby to lead', async () => ((await leaderStatus(second)) === 1 ? true : undefined));
    const handover = Date.now() - stoppedAt;
    assert.ok(handover < 4000, `handover after SIGTERM took ${handover} ms`);
    const log = await readFile(join(dir, `controller-manager-${first}.log`), 'utf8');
    assert.match(log, /stopped leading/);
    assert.match(log, /controller-manager exiting/);

    // Crash: no release, so a new candidate waits for the lease to expire (4 s), then leads.
    const third = start(2);
    await eventually('healthz of 2', async () => ((await fetch(`http://127.0.0.1:${metricsPorts[2]}/healthz`)).status === 200 ? true : undefined));
    assert.equal(await leaderStatus(2), 0);
    const killedAt = Date.now();
    procs[second]!.kill('SIGKILL');
    await exitOf(procs[second]!);
    await eventually('the new candidate to lead', async () => ((await leaderStatus(2)) === 1 ? true : undefined), 15_000);
    const takeover = Date.now() - killedAt;
    assert.ok(takeover >= 2000 && takeover < 10_000, `takeover after SIGKILL took ${takeover} ms`);
    const transitions = (await client.get<Lease>(leases, LEASE_NAMESPACE, LEASE_NAME)).spec?.leaseTransitions ?? 0;
    assert.ok(transitions >= 1, `leaseTransitions ${transitions}`);

    third.kill('SIGTERM');
    assert.equal(await exitOf(third), 0);
    const released = await client.get<Lease>(leases, LEASE_NAMESPACE, LEASE_NAME);
    assert.equal(released.spec?.holderIdentity ?? '', '');
  });

  it('exits 2 on an unknown controller name, before campaigning', async () => {
    const child = spawnNode(
      'apps/controller-manager/src/main.ts',
      [`--kubeconfig=${kubeconfig}`, '--controllers=*,-nope', '--metrics-port=0'],
      'bad-controllers',
    );
    assert.equal(await exitOf(child), 2);
    assert.match(await readFile(join(dir, 'bad-controllers.log'), 'utf8'), /unknown controller "nope"[\s\S]*usage:/);
  });

  it('exits 2 with the usage on bad flags', async () => {
    const child = spawnNode('apps/controller-manager/src/main.ts', ['--kubeconfig=/x', '--no-such-flag=1'], 'bad-flags');
    assert.equal(await exitOf(child), 2);
    assert.match(await readFile(join(dir, 'bad-flags.log'), 'utf8'), /unknown flag: --no-such-flag[\s\S]*usage:/);
  });
});
