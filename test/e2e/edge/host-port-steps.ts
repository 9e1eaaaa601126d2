/**
 * hostPort on the service-networking lab (issue #17 §3): a pod pinned to node A publishes a TCP
 * port (busybox httpd) and a UDP port (a Node.js echo) with `hostPort`; both answer on A's address
 * from the host, the TCP one also from another pod on A and from the pod itself through A's address
 * (hairpin); after the pod is deleted the ports refuse and A's iptables holds no DNAT for them.
 * The pod spec and the UDP image are exported for test/integration/kubelet-hostport.test.ts.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { it } from 'node:test';
import Docker from 'dockerode';
import { ensureNodeImage } from '@skiff/images';
import { isPodReady, listPods, waitFor } from '../cluster-checks.ts';
import { httpGet } from '../http-load.ts';
import type { EdgeContext } from './edge-context.ts';

const UDP_ECHO = `
import { createSocket } from 'node:dgram';
const port = Number(process.env.UDP_PORT);
const sock = createSocket('udp4');
// Answers with what it got and the address it came from.
sock.on('message', (msg, from) => sock.send(msg.toString().trim() + ' from ' + from.address + '\\n', from.port, from.address));
sock.bind(port, () => console.log('udp echo on :' + port));
`;

/** A tiny UDP echo server image (libs/images' node image), built once per content. */
export function ensureUdpEchoImage(docker: Docker): Promise<string> {
  return ensureNodeImage(docker, { repository: 'skiff/udp-echo', app: [{ name: 'main.mjs', data: Buffer.from(UDP_ECHO) }] });
}

export interface HostPortPodOptions {
  name: string;
  udpImage: string;
  tcpHostPort: number;
  udpHostPort: number;
  /** Pinning: spec.nodeName (no scheduler) or a nodeSelector on the lab node label. */
  nodeName?: string;
  labNode?: string;
  hostIP?: string;
}

/** httpd on 8080 → tcpHostPort, UDP echo on 5353 → udpHostPort. */
export function hostPortPod(o: HostPortPodOptions): Record<string, unknown> {
  const hostIP = o.hostIP ? { hostIP: o.hostIP } : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: o.name, namespace: 'default', labels: { app: o.name } },
    spec: {
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
      ...(o.labNode ? { nodeSelector: { 'skiff.dev/lab-node': o.labNode } } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image: 'skiff/busybox:test',
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', 'mkdir -p /www && echo "hostport web on $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www'],
          ports: [{ name: 'http', containerPort: 8080, hostPort: o.tcpHostPort, ...hostIP }],
        },
        {
          name: 'udp',
          image: o.udpImage,
          imagePullPolicy: 'Never',
          env: [{ name: 'UDP_PORT', value: '5353' }],
          ports: [{ name: 'echo', containerPort: 5353, hostPort: o.udpHostPort, protocol: 'UDP', ...hostIP }],
        },
      ],
    },
  };
}

/** One datagram to host:port; the first answer, or an error after `timeoutMs`. */
export function udpAsk(host: string, port: number, text: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP answer from ${host}:${port} in ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg.toString().trim());
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      sock.close();
      reject(err);
    });
    sock.send(text, port, host);
  });
}

/** Copies an image from the host's engine into a node's (the lab loads only pause, busybox and web). */
async function copyImage(from: Docker, to: Docker, ref: string): Promise<void> {
  if (
    await to
      .getImage(ref)
      .inspect()
      .then(
        () => true,
        () => false,
      )
  )
    return;
  const tar = await from.getImage(ref).get();
  const progress = await to.loadImage(tar);
  await new Promise<void>((resolve, reject) => to.modem.followProgress(progress, (err) => (err ? reject(err) : resolve())));
}

const TCP_PORT = 18080;
const UDP_PORT = 15353;
const POD = 'hostport-echo';
const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';

export function registerHostPortSteps(ctx: EdgeContext): void {
  const nodeIP = () => ctx.lab.nodes.find((n) => n.name === ctx.nodes[0])!.ip;

  it("hostport: a pod with TCP and UDP hostPorts on node A answers on A's address from the host", async () => {
    const host = new Docker();
    const image = await ensureUdpEchoImage(host);
    await copyImage(host, ctx.lab.docker(ctx.nodes[0]), image);
    // hostPort breaks the baseline Pod Security Standard the apiserver enforces; the label comes off with the pod.
    await ctx.kc(['label', 'namespace', 'default', `${ENFORCE_LABEL}=privileged`, '--overwrite']);
    await ctx.kc(
      ['apply', '-f', '-'],
      JSON.stringify(hostPortPod({ name: POD, udpImage: image, tcpHostPort: TCP_PORT, udpHostPort: UDP_PORT, labNode: ctx.nodes[0] })),
    );
    await waitFor(
      `pod ${POD} Ready`,
      async () => {
        const pod = (await listPods(ctx.client, `app=${POD}`))[0];
        return pod && isPodReady(pod) ? undefined : `phase ${pod?.status?.phase ?? 'none'}`;
      },
      180_000,
    );
    const pod = (await listPods(ctx.client, `app=${POD}`))[0]!;
    assert.equal(pod.spec?.nodeName, ctx.nodes[0]);
    await waitFor(
      `http://${nodeIP()}:${TCP_PORT}/`,
      async () => {
        const r = await httpGet(`http://${nodeIP()}:${TCP_PORT}/`).catch((err: Error) => ({ status: 0, body: err.message }));
        return r.status === 200 && r.body.includes(`hostport web on ${POD}`) ? undefined : `HTTP ${r.status}: ${r.body}`;
      },
      30_000,
    );
    await waitFor(
      `udp ${nodeIP()}:${UDP_PORT}`,
      async () => {
        const r = await udpAsk(nodeIP(), UDP_PORT, 'ping').catch((err: Error) => err.message);
        return /^ping from /.test(r) ? undefined : r;
      },
      30_000,
    );
    // The other nodes publish nothing for it.
    const other = ctx.lab.nodes.find((n) => n.name === ctx.nodes[1])!.ip;
    await assert.rejects(httpGet(`http://${other}:${TCP_PORT}/`, 2000));
  });

  it("hostport: another pod on node A and the pod itself (hairpin) reach it through A's address", async () => {
    const url = `http://${nodeIP()}:${TCP_PORT}/`;
    const fromClient = await ctx.inPod(ctx.nodes[0], 'client', ['timeout', '10', 'wget', '-qO-', url]);
    assert.equal(fromClient.exitCode, 0, fromClient.output);
    assert.match(fromClient.output, new RegExp(`hostport web on ${POD}`));
    const hairpin = await ctx.lab.exec(ctx.nodes[0], { pod: POD, container: 'web' }, ['timeout', '10', 'wget', '-qO-', url]);
    assert.equal(hairpin.exitCode, 0, hairpin.output);
    assert.match(hairpin.output, new RegExp(`hostport web on ${POD}`));
  });

  it('hostport: after the pod is deleted the ports refuse and node A has no DNAT for them', async () => {
    await ctx.kc(['delete', 'pod', POD, '--wait=true', '--timeout=60s']);
    await ctx.kc(['label', 'namespace', 'default', `${ENFORCE_LABEL}-`]);
    await waitFor(
      'the hostPort rules gone from node A',
      async () => {
        const saved = await ctx.lab.execInNode(ctx.nodes[0], ['iptables-save', '-t', 'nat']);
        const left = saved.output.split('\n').filter((l) => l.startsWith('-A SKIFFHP-') && l.includes('-j DNAT'));
        return left.length === 0 ? undefined : left.join('\n');
      },
      30_000,
    );
    await assert.rejects(httpGet(`http://${nodeIP()}:${TCP_PORT}/`, 2000));
    await assert.rejects(udpAsk(nodeIP(), UDP_PORT, 'ping', 1500));
  });
}
