/**
 * The network-policy steps of the edge suite (issue #17 §4, §6), on the service-networking lab:
 * `client` (default, node A), `echo` (default, httpd :8080, node B), `visitor` (namespace other,
 * node C). Default deny on echo cuts traffic within seconds; an allow rule lets only app=client
 * through across nodes; a namespaceSelector admits `other`; an ipBlock with except admits all but
 * the client; egress deny on the client stops pods and DNS (node-local, on the node itself) until
 * DNS is allowed. The last step deletes every policy: later steps find the cluster open.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from '@skiff/api';
import { PODS, waitFor } from '../cluster-checks.ts';
import type { EdgeContext } from './edge-context.ts';

type Who = 'client' | 'visitor';

function policy(name: string, namespace: string, spec: string): string {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${spec}`;
}

const ECHO_INGRESS = '  podSelector: { matchLabels: { app: echo } }\n  policyTypes: [Ingress]\n';

export function registerNetworkPolicySteps(ctx: EdgeContext): void {
  const ip = async (name: string, namespace = 'default') => (await ctx.client.get<Pod>(PODS, namespace, name)).status!.podIP!;
  const where: Record<Who, { node: () => string; namespace: string }> = {
    client: { node: () => ctx.nodes[0], namespace: 'default' },
    visitor: { node: () => ctx.nodes[2], namespace: 'other' },
  };
  /** A fresh GET of echo's /cgi-bin/ip: the address echo saw, or `blocked` (a dropped SYN times out). */
  const fetchEcho = async (who: Who): Promise<string> => {
    const r = await ctx.inPod(where[who].node(), who, ['timeout', '3', 'wget', '-qO-', `http://${await ip('echo')}:8080/cgi-bin/ip`], where[who].namespace);
    return r.exitCode === 0
      ? r.output
          .trim()
          .replace(/^\[?(::ffff:)?/, '')
          .replace(/\]$/, '')
      : 'blocked';
  };
  /**
   * Waits until each pod sees what it should: its own IP echoed (`open`) or `blocked`. Returns the
   * seconds to the start of the round that passed (a blocked probe itself takes its 3 s timeout).
   */
  const expect = async (want: Partial<Record<Who, 'open' | 'blocked'>>, timeoutMs = 30_000): Promise<number> => {
    const start = Date.now();
    let roundStart = start;
    await waitFor(
      `echo reachability ${JSON.stringify(want)}`,
      async () => {
        roundStart = Date.now();
        for (const [who, state] of Object.entries(want) as [Who, 'open' | 'blocked'][]) {
          const got = await fetchEcho(who);
          const expected = state === 'open' ? await ip(who, where[who].namespace) : 'blocked';
          if (got !== expected) return `${who} got ${got}, want ${expected}`;
        }
        return undefined;
      },
      timeoutMs,
      250,
    );
    return (roundStart - start) / 1000;
  };
  const apply = (yaml: string) => ctx.kc(['apply', '-f', '-'], yaml);
  const remove = (namespace: string, ...names: string[]) => ctx.kc(['delete', 'networkpolicy', '-n', namespace, '--wait=true', ...names]);
  /** nslookup of the web Service from the client through the node-local DNS on node A. */
  const lookup = async () => (await ctx.inPod(ctx.nodes[0], 'client', ['timeout', '4', 'nslookup', 'web.default.svc.cluster.local'])).exitCode === 0;

  it('netpol: default-deny ingress on echo cuts traffic from every pod within seconds', async () => {
    await expect({ client: 'open', visitor: 'open' }, 60_000);
    await apply(policy('echo-deny', 'default', ECHO_INGRESS));
    const seconds = await expect({ client: 'blocked', visitor: 'blocked' });
    console.log(`# default deny took effect within ${seconds.toFixed(1)} s`);
    assert.ok(seconds < 5, `deny took ${seconds} s`);
  });

  it("netpol: an allow rule lets only app=client through, across nodes, and echo sees the client's pod IP", async () => {
    await apply(
      policy(
        'echo-allow-client',
        'default',
        `${ECHO_INGRESS}  ingress: [{ from: [{ podSelector: { matchLabels: { app: client } } }], ports: [{ port: 8080 }] }]\n`,
      ),
    );
    await expect({ client: 'open', visitor: 'blocked' });
    const out = await ctx.kc(['get', 'networkpolicy', '-n', 'default']);
    assert.match(out, /echo-allow-client/);
  });

  it('netpol: a namespaceSelector admits the pods of namespace other', async () => {
    await apply(
      policy(
        'echo-allow-other',
        'default',
        `${ECHO_INGRESS}  ingress: [{ from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: other } } }] }]\n`,
      ),
    );
    await expect({ client: 'open', visitor: 'open' });
    await remove('default', 'echo-allow-client', 'echo-allow-other');
    await expect({ client: 'blocked', visitor: 'blocked' });
  });

  it('netpol: an ipBlock with except admits everyone but the excepted client', async () => {
    await apply(
      policy('echo-allow-block', 'default', `${ECHO_INGRESS}  ingress: [{ from: [{ ipBlock: { cidr: 0.0.0.0/0, except: [${await ip('client')}/32] } }] }]\n`),
    );
    await expect({ client: 'blocked', visitor: 'open' });
    await remove('default', 'echo-deny', 'echo-allow-block');
    await expect({ client: 'open', visitor: 'open' });
  });

  it('netpol: egress deny on the client stops pods and DNS until DNS egress is allowed', async () => {
    assert.ok(await lookup(), 'DNS answers before any egress policy');
    await apply(policy('client-egress', 'default', '  podSelector: { matchLabels: { app: client } }\n  policyTypes: [Egress]\n'));
    await expect({ client: 'blocked', visitor: 'open' });
    await waitFor('DNS blocked for the client', async () => ((await lookup()) ? 'nslookup still answers' : undefined), 30_000);
    await apply(
      policy(
        'client-dns',
        'default',
        `  podSelector: { matchLabels: { app: client } }
  policyTypes: [Egress]
  egress: [{ to: [{ ipBlock: { cidr: 169.254.20.10/32 } }], ports: [{ protocol: UDP, port: 53 }, { protocol: TCP, port: 53 }] }]
`,
      ),
    );
    await waitFor('DNS allowed again for the client', async () => ((await lookup()) ? undefined : 'nslookup fails'), 30_000);
    await expect({ client: 'blocked' });
  });

  it('netpol: removing every policy opens the cluster again', async () => {
    for (const ns of ['default', 'other']) await ctx.kc(['delete', 'networkpolicy', '--all', '-n', ns, '--wait=true']);
    await expect({ client: 'open', visitor: 'open' }, 60_000);
    await waitFor('DNS for the client', async () => ((await lookup()) ? undefined : 'nslookup fails'), 30_000);
  });
}
