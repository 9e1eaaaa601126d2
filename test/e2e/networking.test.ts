/**
 * Service networking on a 3-node lab with real pods (issue #5 §4): ClusterIP spread, NodePort on every
 * node (also one without a local endpoint), pod-to-pod across nodes keeping the source address, cluster
 * DNS names and NXDOMAIN, a not-ready pod leaving the rotation, a service without endpoints refusing,
 * and nothing of Skiff's left in iptables after the lab stops. Uses lab slot 1 (cluster.test.ts has 0).
 * Steps build on each other and run in order. Needs root and Docker.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Service } from '@skiff/api';
import { RestClient } from '@skiff/client';
import { kubectlBinaries, REPO_ROOT, type KubectlBinary } from '../harness/index.ts';
import { startLab, type Lab } from '../harness/lab.ts';
import { SERVICES, isPodReady, kubectlOk, listPods, waitFor, waitForReadyReplicas } from './cluster-checks.ts';
import { httpGet } from './http-load.ts';
import { emptyEdgeContext } from './edge/edge-context.ts';
import { registerHostPortSteps } from './edge/host-port-steps.ts';
import { registerIngressSteps } from './edge/ingress-steps.ts';
import { registerLoadBalancerSteps } from './edge/load-balancer-steps.ts';
import { registerNetworkPolicySteps } from './edge/network-policy-steps.ts';

const WEB = 'app=web';
const EXAMPLE = readFileSync(join(REPO_ROOT, 'deploy/examples/web.yaml'), 'utf8');
const SOLO_NODE_PORT = 30081;

/** A sleeping busybox pod pinned to a node, to run wget/nslookup from. */
function clientPod(name: string, node: string, namespace = 'default'): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${namespace}, labels: { app: ${name} } }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
    - { name: client, image: skiff/busybox:test, imagePullPolicy: IfNotPresent, command: ["sleep", "3600"] }
`;
}

/**
 * An HTTP server that answers with the client address it sees (busybox httpd's CGI REMOTE_ADDR) and
 * writes it to its own log, pinned to a node.
 */
function echoPod(node: string): string {
  return `apiVersion: v1
kind: Pod
metadata: { name: echo, labels: { app: echo } }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
    - name: echo
      image: skiff/busybox:test
      imagePullPolicy: IfNotPresent
      command:
        - sh
        - -c
        - |
          mkdir -p /www/cgi-bin
          cat > /www/cgi-bin/ip <<'EOF'
          #!/bin/sh
          echo "client $REMOTE_ADDR" > /proc/1/fd/1
          printf 'Content-Type: text/plain\\r\\n\\r\\n%s\\n' "$REMOTE_ADDR"
          EOF
          chmod +x /www/cgi-bin/ip
          exec httpd -f -p 8080 -h /www
`;
}

/** One web replica pinned to one node, behind its own NodePort: the other nodes have no local endpoint. */
function soloDeployment(node: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: solo }
spec:
  replicas: 1
  selector: { matchLabels: { app: solo } }
  template:
    metadata: { labels: { app: solo } }
    spec:
      nodeSelector: { skiff.dev/lab-node: ${node} }
      containers:
        - { name: web, image: skiff/web:v1, imagePullPolicy: IfNotPresent, ports: [{ name: http, containerPort: 8080 }] }
---
apiVersion: v1
kind: Service
metadata: { name: solo }
spec:
  type: NodePort
  selector: { app: solo }
  ports: [{ name: http, port: 80, targetPort: http, nodePort: ${SOLO_NODE_PORT} }]
---
apiVersion: v1
kind: Service
metadata: { name: nobody }
spec:
  selector: { app: nobody }
  ports: [{ name: http, port: 80, targetPort: 8080 }]
`;
}

const runAsRoot = process.getuid?.() === 0;

describe('service networking on a 3-node lab', { skip: runAsRoot ? false : 'needs root (netns, iptables, dockerd)', timeout: 20 * 60_000 }, () => {
  let lab: Lab;
  let client: RestClient;
  let bin: KubectlBinary;
  let nodeA: string;
  let nodeB: string;
  let nodeC: string;
  const edge = emptyEdgeContext();

  const kc = (args: string[], stdin?: string, timeoutMs?: number) => kubectlOk(bin, lab.kubeconfigPath, args, stdin, timeoutMs);
  const inPod = (node: string, pod: string, cmd: string[], namespace = 'default') => lab.exec(node, { namespace, pod }, cmd);
  const clusterIP = async (name: string) => (await client.get<Service>(SERVICES, 'default', name)).spec!.clusterIP!;
  const podReady = (name: string, namespace = 'default') =>
    waitFor(
      `pod ${namespace}/${name} Ready`,
      async () => {
        const pod = (await listPods(client, `app=${name}`, namespace))[0];
        return pod && isPodReady(pod) ? undefined : `phase ${pod?.status?.phase ?? 'none'}`;
      },
      180_000,
    );
  /** `count` fresh wget connections from the client pod; how many answers each web pod gave. */
  const spread = async (url: string, count: number) => {
    const r = await inPod(nodeA, 'client', ['sh', '-c', `for i in $(seq ${count}); do timeout 5 wget -qO- ${url} || echo FAILED; done`]);
    const counts = new Map<string, number>();
    for (const line of r.output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean))
      counts.set(line, (counts.get(line) ?? 0) + 1);
    return counts;
  };

  before(async () => {
    lab = await startLab({ nodes: 3, slot: 1 });
    [nodeA, nodeB, nodeC] = lab.nodes.map((n) => n.name) as [string, string, string];
    client = RestClient.fromKubeconfig(lab.kubeconfigPath, { timeoutMs: 15_000 });
    bin = (await kubectlBinaries()).at(-1)!;
    await kc(['apply', '-f', '-'], EXAMPLE);
    await kc(['apply', '-f', '-'], clientPod('client', nodeA));
    await kc(['apply', '-f', '-'], echoPod(nodeB));
    await kc(['apply', '-f', '-'], soloDeployment(nodeA));
    await kc(['create', 'namespace', 'other']);
    await kc(['apply', '-f', '-'], clientPod('visitor', nodeC, 'other'));
    await waitForReadyReplicas(client, WEB, 'web', 3);
    for (const name of ['client', 'echo', 'solo']) await podReady(name);
    await podReady('visitor', 'other');
    Object.assign(edge, { lab, client, bin, nodes: [nodeA, nodeB, nodeC], kc, inPod });
  });

  after(async () => {
    client?.close();
    await lab?.stop();
  });

  it('300 requests from a pod to a ClusterIP reach all 3 backends, none below 20%', async () => {
    const ip = await clusterIP('web');
    let counts = new Map<string, number>();
    await waitFor(
      'the ClusterIP answering',
      async () => {
        counts = await spread(`http://${ip}/`, 3);
        return counts.has('FAILED') ? 'a request failed' : undefined;
      },
      60_000,
    );
    counts = await spread(`http://${ip}/`, 300);
    console.log(`# ClusterIP spread: ${[...counts].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    assert.equal(counts.get('FAILED') ?? 0, 0);
    const backends = [...counts].filter(([k]) => /^skiff web v1 on web-/.test(k));
    assert.equal(backends.length, 3, `answers: ${JSON.stringify([...counts])}`);
    for (const [pod, n] of backends) assert.ok(n >= 60, `${pod} answered ${n} of 300`);
  });

  it('the NodePort answers on every node, including nodes without a local endpoint', async () => {
    for (const node of lab.nodes) {
      await waitFor(
        `NodePort ${SOLO_NODE_PORT} on ${node.name}`,
        async () => {
          const r = await httpGet(`http://${node.ip}:${SOLO_NODE_PORT}/`);
          return r.status === 200 && /skiff web v1 on solo-/.test(r.body) ? undefined : `HTTP ${r.status}: ${r.body}`;
        },
        60_000,
      );
    }
  });

  it("a pod on node A fetches from a pod IP on node B, and the server sees and logs A's pod IP", async () => {
    const [clientP] = await listPods(client, 'app=client');
    const [echoP] = await listPods(client, 'app=echo');
    const from = clientP!.status!.podIP!;
    assert.notEqual(clientP!.spec!.nodeName, echoP!.spec!.nodeName);
    const r = await inPod(nodeA, 'client', ['timeout', '10', 'wget', '-qO-', `http://${echoP!.status!.podIP}:8080/cgi-bin/ip`]);
    assert.equal(r.exitCode, 0, r.output);
    // busybox httpd writes an IPv4 client on its IPv6 socket as [::ffff:a.b.c.d].
    assert.equal(
      r.output
        .trim()
        .replace(/^\[?(::ffff:)?/, '')
        .replace(/\]$/, ''),
      from,
    );
    const logs = await kc(['logs', 'echo']);
    assert.match(logs, new RegExp(`client \\[?(::ffff:)?${from.replaceAll('.', '\\.')}\\b`));
  });

  it("resolves service names from the pod's namespace and across namespaces; unknown names get NXDOMAIN", async () => {
    for (const url of ['http://web.default.svc.cluster.local/', 'http://web/']) {
      const r = await inPod(nodeA, 'client', ['timeout', '10', 'wget', '-qO-', url]);
      assert.equal(r.exitCode, 0, `${url}: ${r.output}`);
      assert.match(r.output, /skiff web v1 on web-/);
    }
    const visitor = await inPod(nodeC, 'visitor', ['timeout', '10', 'wget', '-qO-', 'http://web.default/'], 'other');
    assert.equal(visitor.exitCode, 0, visitor.output);
    assert.match(visitor.output, /skiff web v1 on web-/);
    const unknown = await inPod(nodeA, 'client', ['timeout', '5', 'nslookup', 'no-such-service.default.svc.cluster.local']);
    assert.notEqual(unknown.exitCode, 0);
    assert.match(unknown.output, /NXDOMAIN/, unknown.output);
  });

  it('a pod turning not-ready leaves the rotation within seconds, and comes back', async () => {
    const ip = await clusterIP('web');
    const pods = await listPods(client, WEB);
    const victim = pods[0]!;
    const name = victim.metadata!.name!;
    // The readiness probe GETs /healthz every second: without the file it fails at once.
    const broke = await inPod(victim.spec!.nodeName!, name, ['rm', '/www/healthz']);
    assert.equal(broke.exitCode, 0, broke.output);
    await waitFor(
      `${name} out of the rotation`,
      async () => {
        const counts = await spread(`http://${ip}/`, 30);
        return counts.has(`skiff web v1 on ${name}`) ? `${name} still answers` : undefined;
      },
      60_000,
      1000,
    );
    const counts = await spread(`http://${ip}/`, 30);
    assert.equal(counts.get('FAILED') ?? 0, 0, 'the other pods keep answering');
    await inPod(victim.spec!.nodeName!, name, ['sh', '-c', 'echo ok > /www/healthz']);
    await waitForReadyReplicas(client, WEB, 'web', 3);
  });

  it('a service with no endpoints refuses at once', async () => {
    const ip = await clusterIP('nobody');
    await waitFor(
      'the empty service rejecting',
      async () => {
        const r = await inPod(nodeA, 'client', ['timeout', '5', 'wget', '-qO-', `http://${ip}/`]);
        // busybox wget: "can't connect to remote host (...): Connection refused"; exit 143 would be a timeout.
        return r.exitCode !== 143 && /refused/i.test(r.output) ? undefined : `exit ${r.exitCode}: ${r.output}`;
      },
      60_000,
    );
  });

  // The edge of the cluster (issue #17) on the same lab: Ingress, LoadBalancer, hostPort, NetworkPolicy.
  registerIngressSteps(edge);
  registerLoadBalancerSteps(edge);
  registerHostPortSteps(edge);
  registerNetworkPolicySteps(edge);

  it("after the lab stops, nothing of Skiff's is left in iptables or routes", async () => {
    const during = await lab.execInNode(nodeA, ['iptables-save']);
    assert.match(during.output, /SKIFF-SERVICES/, 'the node had Skiff rules while running');
    const routes = await lab.execInNode(nodeA, ['ip', 'route', 'show', 'proto', '211']);
    assert.equal(routes.output.trim().split('\n').length, 2, `routes to the two other nodes' pod CIDRs: ${routes.output}`);
    await lab.stop();
    const host = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout;
    assert.doesNotMatch(host, /skiff-lab1\b/);
    const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    for (const node of lab.nodes) assert.doesNotMatch(netns, new RegExp(`^${node.name}\\b`, 'm'));
  });
});
