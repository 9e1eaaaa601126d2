/**
 * `./skiff bench netpol [--pods=1000] [--policies=100] [--rounds=3]`: how long one NetworkPolicy
 * rule sync takes for a whole cluster's worth of policies, beside the floor under it: a raw
 * `iptables-restore --noflush` of the very same payload, in the same run, in the same throwaway
 * network namespace (npbench<pid>).
 *
 * No apiserver: pods, namespaces and policies are synthesized in memory and fed to the real
 * PolicyEnforcer through stand-in informers, so a "sync" is exactly what the daemon does per sync —
 * resolve selectors, render, read our chains, restore, check the jumps' place. Every pod is put on
 * the bench node (the worst case for one node: all of them may be isolated). Policies mix the
 * features: podSelector peers, namespaceSelector AND podSelector, named ports, endPort ranges,
 * ipBlocks with except, egress. Medians over the rounds. Needs root (ip netns, iptables).
 */
import type { Namespace, NetworkPolicy, Pod } from '@skiff/api';
import { createLogger } from '@skiff/log';
import { execCommand, Iptables, PolicyEnforcer, renderRules, resolvePolicies } from '@skiff/network-policy';
import { ipString, median, parseIntegerFlags, staticInformer, withThrowawayNetns } from './bench-tools.ts';

const usage = 'usage: skiff bench netpol [--pods=1000] [--policies=100] [--rounds=3]';
const NODE = 'npbench-node';
const NAMESPACES = 10;
/** Distinct app labels per namespace: each policy selects one, so ~pods/(10·20) pods apiece. */
const APPS = 20;

/** --pods, --policies, --rounds: positive integers within bounds, or an error with the usage. */
function parseNetpolBenchArgs(args: string[]) {
  return parseIntegerFlags(
    args,
    {
      pods: { default: 1000, max: 60_000 },
      policies: { default: 100, max: 10_000 },
      rounds: { default: 3, max: 50 },
    },
    usage,
  );
}

/** Pod i: namespace ns-(i mod 10), app-(i/10 mod 20), IP 10.244.x.y, a named port http → 8080. */
export function synthesize(pods: number, policies: number): { pods: Pod[]; namespaces: Namespace[]; policies: NetworkPolicy[] } {
  const namespaces: Namespace[] = Array.from({ length: NAMESPACES }, (_, i) => ({ metadata: { name: `ns-${i}`, labels: { team: `team-${i % 3}` } } }));
  const podList: Pod[] = Array.from({ length: pods }, (_, i) => ({
    metadata: { namespace: `ns-${i % NAMESPACES}`, name: `pod-${i}`, labels: { app: `app-${Math.floor(i / NAMESPACES) % APPS}`, tier: i % 2 ? 'web' : 'db' } },
    spec: { nodeName: NODE, containers: [{ name: 'c', image: 'x', ports: [{ name: 'http', containerPort: 8080 + (i % 3) }] }] },
    status: { phase: 'Running', podIP: ipString(0x0af40000 + 2 + i) },
  }));
  const policyList: NetworkPolicy[] = Array.from({ length: policies }, (_, j) => {
    const ns = `ns-${j % NAMESPACES}`;
    const app = (k: number) => ({ matchLabels: { app: `app-${k % APPS}` } });
    const k = Math.floor(j / NAMESPACES);
    const shapes: NonNullable<NetworkPolicy['spec']>[] = [
      { podSelector: app(k), ingress: [{ from: [{ podSelector: app(k + 1) }], ports: [{ port: 8080 }] }] },
      {
        podSelector: app(k),
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { team: 'team-1' } }, podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 'http' }] },
        ],
      },
      {
        podSelector: app(k),
        policyTypes: ['Egress'],
        egress: [
          {
            to: [{ podSelector: app(k + 2) }, { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] } }],
            ports: [{ protocol: 'UDP', port: 53 }, { port: 443 }],
          },
        ],
      },
      {
        podSelector: app(k),
        ingress: [{ from: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.1.0/24'] } }], ports: [{ port: 30000, endPort: 30100 }] }],
      },
    ];
    return { metadata: { namespace: ns, name: `policy-${j}` }, spec: shapes[j % shapes.length]! };
  });
  return { pods: podList, namespaces, policies: policyList };
}

export async function runNetpolBench(args: string[]): Promise<void> {
  const opts = parseNetpolBenchArgs(args);
  const netns = `npbench${process.pid}`;
  const logger = createLogger('bench-netpol', 'warn');
  await withThrowawayNetns('netpol', netns, async () => {
    const data = synthesize(opts.pods, opts.policies);
    const iptables = new Iptables({ ipNetns: netns });
    const rendered = renderRules(resolvePolicies({ nodeName: NODE, ...data }));
    console.log(
      `netpol bench: ${opts.pods} pods × ${opts.policies} policies = ${rendered.ruleCount} rules in ${rendered.chains.length} chains, ${(rendered.payload.length / 1024 / 1024).toFixed(1)} MiB payload, netns ${netns}, ${opts.rounds} rounds`,
    );
    const raw: number[] = [];
    const sync: number[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      await iptables.cleanup();
      let t = performance.now();
      const restored = await execCommand('ip', ['netns', 'exec', netns, 'iptables-restore', '-w', '--noflush'], rendered.payload);
      raw.push(performance.now() - t);
      if (restored.code !== 0) throw new Error(`raw iptables-restore failed: ${restored.stderr.trim()}`);

      await iptables.cleanup();
      const enforcer = new PolicyEnforcer({
        nodeName: NODE,
        pods: staticInformer(() => data.pods),
        namespaces: staticInformer(() => data.namespaces),
        policies: staticInformer(() => data.policies),
        iptables,
        minSyncPeriodMs: 0,
        logger,
      });
      t = performance.now();
      await enforcer.sync();
      sync.push(performance.now() - t);
      console.log(`round ${round}/${opts.rounds}: raw iptables-restore ${raw.at(-1)!.toFixed(0)} ms, full sync ${sync.at(-1)!.toFixed(0)} ms`);
    }
    await iptables.cleanup();
    const syncMs = median(sync);
    const rawMs = median(raw);
    console.log(
      `RESULT netpol pods=${opts.pods} policies=${opts.policies} rules=${rendered.ruleCount} sync_ms=${syncMs.toFixed(0)} raw_restore_ms=${rawMs.toFixed(0)} ratio=${(syncMs / rawMs).toFixed(2)}`,
    );
  });
}
