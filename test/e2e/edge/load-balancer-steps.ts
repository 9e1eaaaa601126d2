/**
 * The load-balancer steps of the edge suite (issue #17 §2 and §5), on the service-networking lab:
 * a LoadBalancer for the web example gets the three node addresses and answers on each from the
 * host; a Local one (the `solo` pod pinned to the first node) only on that node, with its health
 * check node port 200 there and 503 elsewhere; deleting releases the address; a NodePort answers
 * on a second address of a node. Service ports 8088/8089 stay clear of the ingress controller's :80.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Service } from '@skiff/api';
import { isNotFound } from '@skiff/client';
import { SERVICES, waitFor } from '../cluster-checks.ts';
import { httpGet } from '../http-load.ts';
import type { EdgeContext } from './edge-context.ts';

const WEB_LB_PORT = 8088;
const SOLO_LB_PORT = 8089;
/** The example's NodePort (deploy/examples/web.yaml). */
const WEB_NODE_PORT = 30080;

function loadBalancer(name: string, app: string, port: number, local: boolean): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  type: LoadBalancer
  externalTrafficPolicy: ${local ? 'Local' : 'Cluster'}
  selector: { app: ${app} }
  ports: [{ name: http, port: ${port}, targetPort: http }]
`;
}

/** `HTTP <code>: <body>` or `error: <code>`, never throws: steps compare what a user would see. */
async function probe(url: string): Promise<string> {
  try {
    const r = await httpGet(url, 3000);
    return `HTTP ${r.status}: ${r.body.trim()}`;
  } catch (err) {
    return `error: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  }
}

export function registerLoadBalancerSteps(ctx: EdgeContext): void {
  const ipOf = (node: string) => ctx.lab.nodes.find((n) => n.name === node)!.ip;
  const ingressOf = async (name: string) =>
    ((await ctx.client.get<Service>(SERVICES, 'default', name)).status?.loadBalancer?.ingress ?? []).map((i) => i.ip).sort();

  it('loadbalancer: a LoadBalancer for the web example gets the three node addresses and answers on each', async () => {
    await ctx.kc(['apply', '-f', '-'], loadBalancer('web-lb', 'web', WEB_LB_PORT, false));
    const want = ctx.lab.nodes.map((n) => n.ip).sort();
    await waitFor(
      'web-lb ingress = the node addresses',
      async () => {
        const got = await ingressOf('web-lb');
        return got.join(',') === want.join(',') ? undefined : `ingress ${got.join(',') || 'none'}`;
      },
      60_000,
    );
    const table = await ctx.kc(['get', 'svc', 'web-lb']);
    assert.match(
      table,
      new RegExp(`web-lb\\s+LoadBalancer\\s+\\S+\\s+${want.map((ip) => ip.replaceAll('.', '\\.')).join(',')}\\s+${WEB_LB_PORT}:\\d+/TCP`),
      table,
    );
    for (const ip of want) {
      await waitFor(
        `web-lb on ${ip}:${WEB_LB_PORT}`,
        async () => {
          const r = await probe(`http://${ip}:${WEB_LB_PORT}/`);
          return /^HTTP 200: skiff web v1 on web-/.test(r) ? undefined : r;
        },
        60_000,
      );
    }
  });

  it('loadbalancer: Local answers only on the node with an endpoint; its health check node port says 200 there, 503 elsewhere', async () => {
    const [withPod, other] = ctx.nodes;
    await ctx.kc(['apply', '-f', '-'], loadBalancer('solo-lb', 'solo', SOLO_LB_PORT, true));
    await waitFor(
      'solo-lb ingress = the first node only',
      async () => {
        const got = await ingressOf('solo-lb');
        return got.join(',') === ipOf(withPod) ? undefined : `ingress ${got.join(',') || 'none'}`;
      },
      60_000,
    );
    const hc = (await ctx.client.get<Service>(SERVICES, 'default', 'solo-lb')).spec?.healthCheckNodePort;
    assert.ok(hc, 'a healthCheckNodePort was allocated');
    await waitFor(
      `solo-lb on ${ipOf(withPod)}:${SOLO_LB_PORT}`,
      async () => {
        const r = await probe(`http://${ipOf(withPod)}:${SOLO_LB_PORT}/`);
        return /^HTTP 200: skiff web v1 on solo-/.test(r) ? undefined : r;
      },
      60_000,
    );
    assert.match(await probe(`http://${ipOf(other)}:${SOLO_LB_PORT}/`), /^error: /, 'not a load balancer address of the other node');
    await waitFor(
      'health checks',
      async () => {
        const here = await probe(`http://${ipOf(withPod)}:${hc}/`);
        const there = await probe(`http://${ipOf(other)}:${hc}/`);
        const ok =
          here ===
            'HTTP 200: ' + JSON.stringify({ service: { namespace: 'default', name: 'solo-lb' }, localEndpoints: 1, serviceProxyHealthy: true }, undefined, 2) &&
          there.startsWith('HTTP 503: ') &&
          JSON.parse(there.slice('HTTP 503: '.length)).localEndpoints === 0;
        return ok ? undefined : `${withPod}: ${here}; ${other}: ${there}`;
      },
      60_000,
    );
  });

  it('loadbalancer: deleting releases the address; the port no longer answers and the health check closes', async () => {
    const hc = (await ctx.client.get<Service>(SERVICES, 'default', 'solo-lb')).spec?.healthCheckNodePort;
    await ctx.kc(['delete', 'service', 'web-lb', 'solo-lb', '--wait=true']);
    for (const name of ['web-lb', 'solo-lb']) {
      await assert.rejects(ctx.client.get(SERVICES, 'default', name), (err) => isNotFound(err), `${name} is gone (its finalizer was released)`);
    }
    const ip = ipOf(ctx.nodes[1]);
    await waitFor(
      'web-lb and the health check gone',
      async () => {
        const lb = await probe(`http://${ip}:${WEB_LB_PORT}/`);
        const health = await probe(`http://${ipOf(ctx.nodes[0])}:${hc}/`);
        return lb.startsWith('error: ') && health.startsWith('error: ') ? undefined : `${lb}; ${health}`;
      },
      30_000,
    );
  });

  it('loadbalancer: a NodePort answers on a second address of a node', async () => {
    const node = ctx.nodes[2];
    const second = `10.250.1.${200 + 2}`;
    const add = await ctx.lab.execInNode(node, ['ip', 'addr', 'add', `${second}/32`, 'dev', 'eth0']);
    assert.equal(add.exitCode, 0, add.output);
    try {
      await waitFor(
        `NodePort ${WEB_NODE_PORT} on ${second}`,
        async () => {
          const r = await probe(`http://${second}:${WEB_NODE_PORT}/`);
          return /^HTTP 200: skiff web v1 on web-/.test(r) ? undefined : r;
        },
        30_000,
      );
    } finally {
      await ctx.lab.execInNode(node, ['ip', 'addr', 'del', `${second}/32`, 'dev', 'eth0']);
    }
  });
}
