/**
 * hostPort published by the Docker-mode kubelet (issue #17 §3), with real Docker and the host's
 * iptables: a pod's TCP (busybox httpd) and UDP (a Node.js echo) hostPorts answer on a node
 * address, a `hostIP` limits one to that address, and after the pod is deleted the rules are gone
 * and the ports refuse; `kubelet --cleanup-hostports` leaves no SKIFFHP- chain or jump.
 *
 * Traffic comes from this host itself (nat OUTPUT), to addresses of a bridge hp-test0 with no port (no dummy module here)
 * made for the test (169.254.99.1 and .2, removed in `after`): not 127.0.0.1, which DNAT cannot
 * send to a pod without route_localnet, as with the CNI portmap plugin. Ports 24400-24499:
 * etcd 24400.., apiserver 24410, kubelet 24420/24421, hostPorts 24450-24453.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Docker from 'dockerode';
import { findResource, type Event as CoreEvent, type Pod } from '@skiff/api';
import { RestClient, isNotFound, loadKubeconfig } from '@skiff/client';
import { cleanupHostPorts, runInContainer } from '@skiff/kubelet';
import { ensureUdpEchoImage, hostPortPod, udpAsk } from '../e2e/edge/host-port-steps.ts';
import { httpGet } from '../e2e/http-load.ts';
import {
  allowPrivilegedPods,
  REPO_ROOT,
  cleanupNodeContainers,
  eventually,
  sh,
  startKubelet,
  startTestCluster,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const NODE = 'hp-node';
const DUMMY = 'hp-test0';
const ADDR = '169.254.99.1';
const OTHER_ADDR = '169.254.99.2';
const pods = findResource('', 'v1', 'pods')!;
const events = findResource('', 'v1', 'events')!;
const runAsRoot = process.getuid?.() === 0;

let cluster: TestCluster;
let kubelet: KubeletProcess | undefined;
let api: RestClient;
let udpImage = '';

const natRules = () => execFileSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' });

async function runningPod(name: string): Promise<Pod> {
  return eventually(
    async () => {
      const p = await api.get<Pod>(pods, 'default', name);
      const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (!ready || !p.status?.podIP) throw new Error(`pod ${name} not ready: ${JSON.stringify(p.status)}${kubelet?.logTail(5) ?? ''}`);
      return p;
    },
    90_000,
    500,
  );
}

async function httpBody(url: string): Promise<string> {
  const r = await httpGet(url, 2000);
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
  return r.body.trim();
}

async function deletePod(name: string): Promise<void> {
  await api.delete(pods, 'default', name).catch((err) => {
    if (!isNotFound(err)) throw err;
  });
  await eventually(
    async () => {
      const gone = await api.get(pods, 'default', name).then(
        () => false,
        (err) => isNotFound(err),
      );
      if (!gone) throw new Error(`pod ${name} still there`);
    },
    60_000,
    500,
  );
}

describe('kubelet on Docker: hostPort', { skip: runAsRoot ? false : 'needs root (iptables, an interface of its own)', timeout: 600_000 }, () => {
  before(async () => {
    sh(['ip', 'link', 'del', DUMMY], true);
    for (const args of [
      ['link', 'add', DUMMY, 'type', 'bridge'],
      ['addr', 'add', `${ADDR}/32`, 'dev', DUMMY],
      ['addr', 'add', `${OTHER_ADDR}/32`, 'dev', DUMMY],
      ['link', 'set', DUMMY, 'up'],
    ]) {
      sh(['ip', ...args]);
    }
    await cleanupNodeContainers(NODE);
    udpImage = await ensureUdpEchoImage(new Docker());
    cluster = await startTestCluster({ basePort: 24400, apiServerPort: 24410, etcdMembers: 1 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    await allowPrivilegedPods(api, 'default'); // hostPath / hostPort pods, refused by the default baseline
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.202.44.0/24', networkName: 'hp-pods', port: 24420, healthzPort: 24421 });
  });

  after(async () => {
    await kubelet?.stop().catch(() => kubelet?.kill());
    await cleanupNodeContainers(NODE);
    await cleanupHostPorts().catch(() => undefined);
    api?.close();
    await cluster?.stop();
    sh(['ip', 'link', 'del', DUMMY], true);
  });

  it("a pod's TCP and UDP hostPorts answer on a node address, DNATed to the pod", async () => {
    await api.create(pods, hostPortPod({ name: 'hp-web', udpImage, tcpHostPort: 24450, udpHostPort: 24451, nodeName: NODE }), { namespace: 'default' });
    const pod = await runningPod('hp-web');
    const podIP = pod.status!.podIP!;
    // The rules follow the pod's status by a sync: wait for the answer rather than assume it.
    const body = await eventually(() => httpBody(`http://${ADDR}:24450/`), 30_000, 500);
    assert.equal(body, 'hostport web on hp-web');
    assert.equal(await httpBody(`http://${OTHER_ADDR}:24450/`), 'hostport web on hp-web', 'no hostIP: every local address');
    const echo = await eventually(() => udpAsk(ADDR, 24451, 'ping'), 30_000, 500);
    assert.equal(echo, `ping from ${ADDR}`, "the pod sees the client's address (no masquerade from outside the pod CIDR)");
    const rules = natRules();
    assert.match(rules, new RegExp(`-A SKIFFHP-DN-\\w+ .*--dport 24450 -j DNAT --to-destination ${podIP.replace(/\./g, '\\.')}:8080`));
    assert.match(rules, new RegExp(`-A SKIFFHP-DN-\\w+ .*-p udp .*--dport 24451 -j DNAT --to-destination ${podIP.replace(/\./g, '\\.')}:5353`));
    assert.match(rules, /-A PREROUTING .*-m addrtype --dst-type LOCAL -j SKIFFHP-DNAT/);
    assert.match(rules, /-A OUTPUT .*-m addrtype --dst-type LOCAL -j SKIFFHP-DNAT/);
    // The gauges are set once a pass has also set hairpin mode and cleared UDP flows: after the rules work.
    await eventually(async () => {
      const metrics = await (await fetch('http://127.0.0.1:24421/metrics')).text();
      assert.match(metrics, /kubelet_hostport_syncs_total\{result="success"[^}]*\} [1-9]/);
      assert.match(metrics, /kubelet_hostport_mappings(\{[^}]*\})? 2\n/);
    });
  });

  it('the pod reaches its own hostPort through a node address (hairpin)', async () => {
    const pod = await api.get<Pod>(pods, 'default', 'hp-web');
    const id = pod.status?.containerStatuses?.find((c) => c.name === 'web')?.containerID?.replace('docker://', '');
    assert.ok(id, 'no containerID for hp-web/web');
    const r = await runInContainer(new Docker(), id, ['timeout', '10', 'wget', '-qO-', `http://${ADDR}:24450/`], 15_000);
    assert.equal(r.exitCode, 0, r.stderr + kubelet!.logTail(10));
    assert.equal(r.stdout.trim(), 'hostport web on hp-web');
  });

  it('a hostIP publishes on that address only', async () => {
    await api.create(pods, hostPortPod({ name: 'hp-pinned', udpImage, tcpHostPort: 24452, udpHostPort: 24453, nodeName: NODE, hostIP: OTHER_ADDR }), {
      namespace: 'default',
    });
    await runningPod('hp-pinned');
    assert.equal(await eventually(() => httpBody(`http://${OTHER_ADDR}:24452/`), 30_000, 500), 'hostport web on hp-pinned');
    assert.equal(await udpAsk(OTHER_ADDR, 24453, 'hello'), `hello from ${OTHER_ADDR}`);
    await assert.rejects(httpGet(`http://${ADDR}:24452/`, 2000), /ECONNREFUSED/);
    await assert.rejects(udpAsk(ADDR, 24453, 'hello', 1000), /no UDP answer/);
    await deletePod('hp-pinned');
  });

  it('after the pod is deleted its rules are gone and the ports refuse', async () => {
    const podIP = (await api.get<Pod>(pods, 'default', 'hp-web')).status!.podIP!;
    await deletePod('hp-web');
    await eventually(
      async () => {
        const left = natRules()
          .split('\n')
          .filter((l) => l.includes('SKIFFHP-') && (l.includes(`${podIP}:`) || l.includes('hp-web') || l.includes('hp-pinned')));
        if (left.length) throw new Error(`rules left:\n${left.join('\n')}`);
      },
      30_000,
      500,
    );
    await assert.rejects(httpGet(`http://${ADDR}:24450/`, 2000), /ECONNREFUSED/);
    await assert.rejects(udpAsk(ADDR, 24451, 'ping', 1000), /no UDP answer/);
    const warnings = (await api.list<CoreEvent>(events, 'default')).items.filter((e) => e.reason === 'FailedHostPortMapping');
    assert.deepEqual(warnings, [], 'no sync failed');
  });

  it('kubelet --cleanup-hostports removes every SKIFFHP- chain and jump', async () => {
    await kubelet!.stop();
    const before = natRules();
    assert.match(before, /:SKIFFHP-DNAT /, 'the kubelet left its (empty) chains for the next start');
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'apps/kubelet/src/main.ts'), '--cleanup-hostports', '--log-level=warn'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const rest = natRules();
    assert.doesNotMatch(rest, /SKIFFHP-/);
  });
});
