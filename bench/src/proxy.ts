/**
 * `./skiff bench proxy [--services=1000] [--endpoints=10] [--rounds=3]`: how long kube-proxy takes
 * to program a whole rule set, beside the floor under it: a raw `iptables-restore --noflush` of the
 * very same payload, in the same run, in the same throwaway network namespace (k6-bench-<pid>).
 *
 * No apiserver: Services and EndpointSlices are synthesized in memory and fed to the real Proxier
 * through stand-in informers, so a "sync" is exactly what the daemon does per sync — build the
 * state from the caches, render the payload, ensure the jumps, restore, check UDP conntrack.
 * Each round: (1) the raw restore of the payload into empty tables, (2) everything flushed, a full
 * sync by a fresh proxier, (3) one endpoint of one service changes and the proxier syncs again
 * (incremental: it renders everything again, but restores only the chains that changed —
 * partial-restore.ts). Medians over the rounds are reported. Needs root (ip netns, iptables).
 */
import type { EndpointSlice, Node, Service } from '@skiff/api';
import { Iptables, Proxier, renderRules, runCommand } from '@skiff/kube-proxy';
import { createLogger } from '@skiff/log';
import { ipString, median, parseIntegerFlags, staticInformer, withThrowawayNetns } from './bench-tools.ts';

const usage = 'usage: skiff bench proxy [--services=1000] [--endpoints=10] [--rounds=3]';
const CLUSTER_CIDR = '10.244.0.0/16';
const NODE = 'k6-bench-node';

/** --services, --endpoints, --rounds: positive integers within bounds, or an error with the usage. */
function parseProxyBenchArgs(args: string[]) {
  return parseIntegerFlags(
    args,
    {
      services: { default: 1000, max: 60_000 },
      endpoints: { default: 10, max: 1000 },
      rounds: { default: 3, max: 50 },
    },
    usage,
  );
}

/** Service i: ClusterIP 10.96.x.y, port 80 → 8080; its endpoints are pods across 10.244.0.0/16. */
function synthesize(services: number, endpoints: number): { services: Service[]; slices: EndpointSlice[] } {
  const svcs: Service[] = [];
  const slices: EndpointSlice[] = [];
  let pod = 0;
  for (let i = 0; i < services; i++) {
    const name = `svc-${i}`;
    const ip = 0x0a600000 + 10 + i; // 10.96.0.10 upwards
    svcs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace: 'bench' },
      spec: { type: 'ClusterIP', clusterIP: ipString(ip), ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }] },
    } as Service);
    const eps = [];
    for (let e = 0; e < endpoints; e++, pod++) {
      eps.push({ addresses: [ipString(0x0af40000 + 2 + pod)], conditions: { ready: true }, nodeName: `node-${pod % 50}` });
    }
    slices.push(slice(name, eps));
  }
  return { services: svcs, slices };
}

function slice(service: string, endpoints: EndpointSlice['endpoints']): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    addressType: 'IPv4',
    metadata: { name: `${service}-abcde`, namespace: 'bench', labels: { 'kubernetes.io/service-name': service } },
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    endpoints,
  } as EndpointSlice;
}

export async function runProxyBench(args: string[]): Promise<void> {
  const opts = parseProxyBenchArgs(args);
  const netns = `k6-bench-${process.pid}`;
  const logger = createLogger('bench-proxy', 'warn');
  await withThrowawayNetns('proxy', netns, async () => {
    const iptables = new Iptables({ ipNetns: netns });
    const data = synthesize(opts.services, opts.endpoints);
    const nodes: Node[] = [
      { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, status: { addresses: [{ type: 'InternalIP', address: '192.168.50.10' }] } } as Node,
    ];
    let slices = data.slices;
    const newProxier = () =>
      new Proxier({
        nodeName: NODE,
        services: staticInformer(() => data.services),
        slices: staticInformer(() => slices),
        nodes: staticInformer(() => nodes),
        iptables,
        clusterCIDR: CLUSTER_CIDR,
        minSyncPeriodMs: 0,
        logger,
        conntrack: (a) => runCommand('ip', ['netns', 'exec', netns, 'conntrack', ...a]),
      });
    const payload = renderRules(newProxier().buildState());
    const ruleCount = payload.split('\n').filter((l) => l.startsWith('-A ')).length;
    console.log(
      `proxy bench: ${opts.services} services × ${opts.endpoints} endpoints = ${ruleCount} rules, ${(payload.length / 1024 / 1024).toFixed(1)} MiB payload, netns ${netns}, ${opts.rounds} rounds`,
    );

    const raw: number[] = [];
    const full: number[] = [];
    const incremental: number[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      slices = data.slices;
      await iptables.cleanup();
      let t = performance.now();
      const restored = await runCommand('ip', ['netns', 'exec', netns, 'iptables-restore', '-w', '--noflush'], payload);
      raw.push(performance.now() - t);
      if (restored.code !== 0) throw new Error(`raw iptables-restore failed: ${restored.stderr.trim()}`);

      await iptables.cleanup();
      const proxier = newProxier();
      t = performance.now();
      await proxier.sync();
      full.push(performance.now() - t);

      // One endpoint of one service moves to a new pod IP: the next sync must rewrite it.
      const changed = round % data.slices.length;
      slices = data.slices.map((s, i) =>
        i !== changed
          ? s
          : slice(`svc-${i}`, [...s.endpoints.slice(1), { addresses: [ipString(0x0af50000 + round)], conditions: { ready: true }, nodeName: 'node-0' }]),
      );
      t = performance.now();
      await proxier.sync();
      incremental.push(performance.now() - t);
      const kind = iptables.lastRestore;
      await proxier.stop();
      console.log(
        `round ${round}/${opts.rounds}: raw iptables-restore ${raw.at(-1)!.toFixed(0)} ms, full sync ${full.at(-1)!.toFixed(0)} ms, incremental sync ${incremental.at(-1)!.toFixed(0)} ms (${kind} restore)`,
      );
    }
    await iptables.cleanup();
    const syncMs = median(full);
    const rawMs = median(raw);
    console.log(
      `median over ${opts.rounds}: full sync ${syncMs.toFixed(0)} ms, raw restore ${rawMs.toFixed(0)} ms, incremental ${median(incremental).toFixed(0)} ms`,
    );
    console.log(
      `RESULT proxy sync_ms=${syncMs.toFixed(0)} raw_restore_ms=${rawMs.toFixed(0)} ratio=${(syncMs / rawMs).toFixed(2)} incremental_ms=${median(incremental).toFixed(0)}`,
    );
  });
}
