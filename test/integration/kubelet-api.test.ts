/**
 * The kubelet API through the apiserver, as kubectl uses it: pods/log, pods/exec and pods/portforward
 * (WebSocket channel protocols, proxied by the apiserver to the kubelet with its kubelet-client
 * certificate), nodes/proxy/stats/summary and metrics.k8s.io; and the kubelet refusing callers that
 * are not the apiserver. Docker objects: skiff.node=k4-api, network k4-api; ports 27300.. (apiserver
 * 27400), kubelet 27350/27351.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import Docker from 'dockerode';
import WebSocket from 'ws';
import { findResource, type Pod } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '@skiff/kubelet';
import { issueClientCertificate } from '@skiff/pki';
import {
  cleanupNodeContainers,
  eventually,
  kubectl,
  kubectlBinaries,
  startKubelet,
  startTestCluster,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const NODE = 'k4-api';
const NETWORK = 'k4-api';
const POD_CIDR = '10.204.1.0/24';
const KUBELET_PORT = 27350;
const pods = findResource('', 'v1', 'pods')!;
const docker = new Docker();

let cluster: TestCluster;
let kubelet: KubeletProcess | undefined;
let api: RestClient;

interface Answer {
  status: number;
  body: string;
}

/** A GET with the admin's certificate (or `identity`) against `base` (default: the apiserver). */
function get(path: string, identity?: { cert?: string; key?: string }, base?: string): Promise<Answer> {
  const url = new URL(path, base ?? cluster.server);
  const id = identity ?? { cert: cluster.pki.adminCert, key: cluster.pki.adminKey };
  return new Promise((resolve, reject) => {
    const r = httpsRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, ca: cluster.pki.caCert, rejectUnauthorized: !base, ...id },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    r.on('error', reject);
    r.end();
  });
}

interface WsSession {
  channels: Map<number, Buffer>;
  ws: WebSocket;
  closed: Promise<void>;
}

/** Opens a channel-protocol WebSocket to the apiserver and collects what arrives per channel. */
function openWs(path: string, protocols: string[]): Promise<WsSession> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(new URL(path, cluster.server.replace('https', 'wss')).toString(), protocols, {
      ca: cluster.pki.caCert,
      cert: cluster.pki.adminCert,
      key: cluster.pki.adminKey,
    });
    const channels = new Map<number, Buffer>();
    ws.on('message', (data: Buffer) => {
      if (data.length === 0) return;
      channels.set(data[0]!, Buffer.concat([channels.get(data[0]!) ?? Buffer.alloc(0), data.subarray(1)]));
    });
    const closed = new Promise<void>((done) => ws.on('close', () => done()));
    ws.once('open', () => resolve({ channels, ws, closed }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => reject(new Error(`upgrade refused: ${res.statusCode} ${body}`)));
    });
    ws.once('error', reject);
  });
}

const text = (s: WsSession, channel: number) => s.channels.get(channel)?.toString('utf8') ?? '';

async function waitRunning(name: string): Promise<Pod> {
  return eventually(
    async () => {
      const p = await api.get<Pod>(pods, 'default', name);
      if (p.status?.phase !== 'Running' || !p.status.containerStatuses?.every((c) => c.state?.running)) {
        throw new Error(`pod ${name} not running yet: ${JSON.stringify(p.status?.containerStatuses)}${kubelet?.logTail(5) ?? ''}`);
      }
      return p;
    },
    120_000,
    500,
  );
}

describe('kubelet API through the apiserver', { timeout: 600_000 }, () => {
  before(async () => {
    await cleanupNodeContainers(NODE);
    await ensureBusyboxImage(docker, BUSYBOX_IMAGE);
    cluster = await startTestCluster({ basePort: 27300, etcdMembers: 1, kubeletClientCert: true });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: POD_CIDR, networkName: NETWORK, port: KUBELET_PORT, healthzPort: 27351 });
    await api.create(
      pods,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'talker', namespace: 'default' },
        spec: {
          nodeName: NODE,
          terminationGracePeriodSeconds: 1,
          containers: [
            {
              name: 'main',
              image: BUSYBOX_IMAGE,
              command: [
                'sh',
                '-c',
                'echo line-1; echo line-2; echo line-3; mkdir -p /www; echo hello-from-httpd > /www/index.html; httpd -p 8080 -h /www; while true; do sleep 1; if [ -f /tmp/tick ]; then echo tick; rm /tmp/tick; fi; done',
              ],
            },
          ],
        },
      },
      { namespace: 'default' },
    );
    await waitRunning('talker');
  });

  after(async () => {
    await kubelet?.stop().catch(() => kubelet?.kill());
    await cleanupNodeContainers(NODE);
    api?.close();
    await cluster?.stop();
  });

  it('serves pods/log with tailLines and timestamps', async () => {
    const all = await eventually(
      async () => {
        const r = await get('/api/v1/namespaces/default/pods/talker/log');
        assert.equal(r.status, 200, r.body);
        assert.match(r.body, /line-3/);
        return r.body;
      },
      30_000,
      500,
    );
    assert.equal(all.split('\n').slice(0, 3).join(','), 'line-1,line-2,line-3');
    const tail = await get('/api/v1/namespaces/default/pods/talker/log?tailLines=1&container=main');
    assert.equal(tail.status, 200);
    assert.equal(tail.body.trim().split('\n').length, 1);
    const stamped = await get('/api/v1/namespaces/default/pods/talker/log?timestamps=true');
    assert.match(stamped.body, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z line-1$/m);
    const previous = await get('/api/v1/namespaces/default/pods/talker/log?previous=true');
    assert.equal(previous.status, 400);
    assert.match(JSON.parse(previous.body).message, /previous terminated container "main" in pod "talker" not found/);
  });

  it('refuses pods/log in Kubernetes words: no container named among several, pod not bound', async () => {
    await api.create(
      pods,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'unbound', namespace: 'default' },
        spec: {
          containers: [
            { name: 'a', image: BUSYBOX_IMAGE },
            { name: 'b', image: BUSYBOX_IMAGE },
          ],
        },
      },
      { namespace: 'default' },
    );
    const r = await get('/api/v1/namespaces/default/pods/unbound/log');
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).message, 'a container name must be specified for pod unbound, choose one of: [a b]');
    const unbound = await get('/api/v1/namespaces/default/pods/unbound/log?container=a');
    assert.equal(unbound.status, 400);
    assert.equal(JSON.parse(unbound.body).message, 'pod unbound does not have a host assigned');
    await api.delete(pods, 'default', 'unbound');
  });

  it('follows a log: a line written later arrives on the open stream', async () => {
    const url = new URL('/api/v1/namespaces/default/pods/talker/log?follow=true&tailLines=0', cluster.server);
    const got = await new Promise<string>((resolve, reject) => {
      const r = httpsRequest(
        { host: url.hostname, port: url.port, path: url.pathname + url.search, ca: cluster.pki.caCert, cert: cluster.pki.adminCert, key: cluster.pki.adminKey },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += c.toString();
            if (body.includes('tick')) {
              r.destroy();
              resolve(body);
            }
          });
        },
      );
      r.on('error', (err) => {
        if (!(err as NodeJS.ErrnoException).code?.includes('RESET')) reject(err);
      });
      r.end();
      setTimeout(() => {
        void openWs('/api/v1/namespaces/default/pods/talker/exec?command=touch&command=/tmp/tick&stdout=1', ['v5.channel.k8s.io']).catch(reject);
      }, 1000);
    });
    assert.match(got, /tick/);
  });

  it('execs through the apiserver over WebSocket v5: stdout, stderr and the exit code in the Status', async () => {
    const cmd = ['sh', '-c', 'echo hi; echo err >&2; exit 3'].map((c) => `command=${encodeURIComponent(c)}`).join('&');
    const s = await openWs(`/api/v1/namespaces/default/pods/talker/exec?${cmd}&stdout=1&stderr=1`, ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    assert.equal(s.ws.protocol, 'v5.channel.k8s.io');
    await s.closed;
    assert.equal(text(s, 1), 'hi\n');
    assert.equal(text(s, 2), 'err\n');
    const status = JSON.parse(text(s, 3));
    assert.equal(status.status, 'Failure');
    assert.equal(status.reason, 'NonZeroExitCode');
    assert.deepEqual(status.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  });

  it('feeds stdin to `cat` and ends it with the v5 close channel', async () => {
    const s = await openWs('/api/v1/namespaces/default/pods/talker/exec?command=cat&stdin=1&stdout=1&stderr=1', ['v5.channel.k8s.io']);
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('echo me\n')]));
    s.ws.send(Buffer.from([255, 0]));
    await s.closed;
    assert.equal(text(s, 1), 'echo me\n');
    assert.equal(JSON.parse(text(s, 3)).status, 'Success');
  });

  it('port-forwards to the httpd in the pod (WebSocket v4, first frame per channel = the port)', async () => {
    const s = await openWs('/api/v1/namespaces/default/pods/talker/portforward?ports=8080', ['v4.channel.k8s.io']);
    s.ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET /index.html HTTP/1.0\r\nHost: x\r\n\r\n')]));
    await s.closed;
    const data = s.channels.get(0)!;
    assert.equal(data.readUInt16LE(0), 8080);
    assert.match(data.subarray(2).toString(), /hello-from-httpd/);
  });

  it('shows the pod with memory in /stats/summary (nodes/proxy) and in metrics.k8s.io', async () => {
    // The kubelet samples every 5 s and reports a container from its second reading on.
    await eventually(async () => {
      const r = await get(`/api/v1/nodes/${NODE}/proxy/stats/summary`);
      assert.equal(r.status, 200, r.body);
      const summary = JSON.parse(r.body);
      assert.equal(summary.node.nodeName, NODE);
      const pod = summary.pods.find((p: { podRef: { name: string } }) => p.podRef.name === 'talker');
      assert.ok(pod, 'talker missing from the summary');
      assert.ok(pod.containers[0].memory.workingSetBytes > 0, 'no memory');
    }, 30_000);
    const groups = JSON.parse((await get('/apis')).body);
    assert.ok(groups.groups.some((g: { name: string }) => g.name === 'metrics.k8s.io'));
    const m = await get('/apis/metrics.k8s.io/v1beta1/namespaces/default/pods');
    assert.equal(m.status, 200, m.body);
    const item = JSON.parse(m.body).items.find((i: { metadata: { name: string } }) => i.metadata.name === 'talker');
    assert.ok(item, m.body);
    assert.match(item.containers[0].usage.memory, /^\d+Ki$/);
    assert.match(item.containers[0].usage.cpu, /^\d+n$/);
    const nodesMetrics = JSON.parse((await get('/apis/metrics.k8s.io/v1beta1/nodes')).body);
    assert.ok(nodesMetrics.items.some((n: { metadata: { name: string } }) => n.metadata.name === NODE));
  });

  it('the kubelet refuses callers other than the apiserver: no certificate 401, another identity 403', async () => {
    const kubeletUrl = `https://127.0.0.1:${KUBELET_PORT}`;
    assert.equal((await get('/healthz', {}, kubeletUrl)).status, 200);
    assert.equal((await get('/stats/summary', {}, kubeletUrl)).status, 401);
    const other = await issueClientCertificate(cluster.pki, 'someone', ['developers']);
    assert.equal((await get('/stats/summary', { cert: other.cert, key: other.key }, kubeletUrl)).status, 403);
  });

  it('kubectl (newest on the machine) logs, exec with its exit code, and top pod', async (t) => {
    const latest = (await kubectlBinaries()).find((b) => b.name === 'kubectl-latest');
    if (!latest) {
      t.skip('no kubectl >= 1.30 on PATH (kubectl 1.20 speaks SPDY only)');
      return;
    }
    const opts = { kubeconfig: cluster.kubeconfigPath, timeoutMs: 90_000 };
    const logs = await kubectl(latest, ['logs', 'talker', '--tail=2'], opts);
    assert.equal(logs.code, 0, logs.stderr);
    assert.equal(logs.stdout.trim().split('\n').length, 2);
    const exec = await kubectl(latest, ['exec', 'talker', '--', 'sh', '-c', 'echo out; echo err >&2; exit 4'], opts);
    assert.equal(exec.stdout, 'out\n');
    assert.match(exec.stderr, /err/);
    assert.equal(exec.code, 4, exec.stderr);
    const stdin = await kubectl(latest, ['exec', '-i', 'talker', '--', 'cat'], { ...opts, stdin: 'piped in\n' });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.equal(stdin.stdout, 'piped in\n');
    const top = await kubectl(latest, ['top', 'pod', 'talker'], opts);
    assert.equal(top.code, 0, top.stderr);
    assert.match(top.stdout, /talker\s+\d+m\s+\d+Mi/);
  });

  it('logs --previous shows the instance before a restart', async () => {
    await api.create(
      pods,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'restarter', namespace: 'default' },
        spec: {
          nodeName: NODE,
          terminationGracePeriodSeconds: 1,
          restartPolicy: 'Always',
          containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo started-at-$(date +%s); sleep 2; exit 1'] }],
        },
      },
      { namespace: 'default' },
    );
    await eventually(
      async () => {
        const p = await api.get<Pod>(pods, 'default', 'restarter');
        if (!p.status?.containerStatuses?.[0]?.lastState?.terminated) throw new Error(`no restart yet: ${JSON.stringify(p.status?.containerStatuses)}`);
      },
      120_000,
      500,
    );
    const previous = await get('/api/v1/namespaces/default/pods/restarter/log?previous=true');
    assert.equal(previous.status, 200, previous.body);
    assert.match(previous.body, /^started-at-\d+$/m);
  });
});
