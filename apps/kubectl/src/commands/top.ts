/**
 * `kubectl top pods|nodes [NAME] [-l SEL] [-A]` from metrics.k8s.io/v1beta1, printed as kubectl:
 * pods `NAME CPU(cores) MEMORY(bytes)`, nodes `NAME CPU(cores) CPU% MEMORY(bytes) MEMORY%`
 * (percent of the node's allocatable), CPU in millicores and memory in Mi.
 */
import { parseQuantity, type Node } from '@skiff/api';
import { ApiStatusError } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError, unknownSubcommandError } from '../errors.ts';

interface Usage {
  cpu?: string;
  memory?: string;
}
interface PodMetrics {
  metadata: { name: string; namespace?: string };
  containers: { name: string; usage: Usage }[];
}
interface NodeMetrics {
  metadata: { name: string };
  usage: Usage;
}

function quantityValue(q: string | undefined): number {
  if (!q) return 0;
  const parsed = parseQuantity(q) as unknown as { value?: () => number; toNumber?: () => number } | number;
  if (typeof parsed === 'number') return parsed;
  return Number(String(parsed.value?.() ?? parsed.toNumber?.() ?? q));
}

export function cpuMillis(q: string | undefined): number {
  if (!q) return 0;
  const m = /^(\d+(?:\.\d+)?)(n|u|m)?$/.exec(q);
  if (m) return Math.round(Number(m[1]) * ({ n: 1e-6, u: 1e-3, m: 1 }[m[2] as 'n' | 'u' | 'm'] ?? 1000));
  return Math.round(quantityValue(q) * 1000);
}

export function memoryBytes(q: string | undefined): number {
  if (!q) return 0;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  const mult: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  if (m) return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
  return quantityValue(q);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] + 3)))
          .join('')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

async function getMetrics<T>(ctx: CommandContext, path: string, query: Record<string, string | undefined>): Promise<T> {
  try {
    return await ctx.client.request<T>('GET', path, { query });
  } catch (err) {
    if (err instanceof ApiStatusError && (err.code === 404 || err.code === 503)) throw new CliError('Metrics API not available');
    throw err;
  }
}

async function topPods(ctx: CommandContext, args: string[]): Promise<number> {
  const all = ctx.flags.bool('all-namespaces');
  const base = all ? '/apis/metrics.k8s.io/v1beta1/pods' : `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(ctx.namespace)}/pods`;
  let items: PodMetrics[];
  if (args[0]) {
    items = [await getMetrics<PodMetrics>(ctx, `${base}/${encodeURIComponent(args[0])}`, {})];
  } else {
    items = (await getMetrics<{ items: PodMetrics[] }>(ctx, base, { labelSelector: ctx.flags.string('selector') })).items ?? [];
  }
  if (items.length === 0) {
    ctx.err.write(all ? 'No resources found\n' : `No resources found in ${ctx.namespace} namespace.\n`);
    return 0;
  }
  const rows = [[...(all ? ['NAMESPACE'] : []), 'NAME', 'CPU(cores)', 'MEMORY(bytes)']];
  for (const p of items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const cpu = p.containers.reduce((s, c) => s + cpuMillis(c.usage.cpu), 0);
    const mem = p.containers.reduce((s, c) => s + memoryBytes(c.usage.memory), 0);
    rows.push([...(all ? [p.metadata.namespace ?? ''] : []), p.metadata.name, `${cpu}m`, `${Math.floor(mem / 1024 / 1024)}Mi`]);
  }
  ctx.out.write(table(rows));
  return 0;
}

async function topNodes(ctx: CommandContext, args: string[]): Promise<number> {
  const base = '/apis/metrics.k8s.io/v1beta1/nodes';
  const items = args[0]
    ? [await getMetrics<NodeMetrics>(ctx, `${base}/${encodeURIComponent(args[0])}`, {})]
    : ((await getMetrics<{ items: NodeMetrics[] }>(ctx, base, { labelSelector: ctx.flags.string('selector') })).items ?? []);
  if (items.length === 0) {
    ctx.err.write('No resources found\n');
    return 0;
  }
  const nodes = await ctx.client.list<Node>(await ctx.resolve('nodes'));
  const rows = [['NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%']];
  for (const n of items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    const node = nodes.items.find((x) => x.metadata?.name === n.metadata.name);
    const allocatable = (node?.status?.allocatable ?? {}) as Record<string, string>;
    const cpu = cpuMillis(n.usage.cpu);
    const mem = memoryBytes(n.usage.memory);
    const cpuCap = cpuMillis(allocatable.cpu);
    const memCap = memoryBytes(allocatable.memory);
    rows.push([
      n.metadata.name,
      `${cpu}m`,
      cpuCap ? `${Math.floor((cpu * 100) / cpuCap)}%` : '<unknown>',
      `${Math.floor(mem / 1024 / 1024)}Mi`,
      memCap ? `${Math.floor((mem * 100) / memCap)}%` : '<unknown>',
    ]);
  }
  ctx.out.write(table(rows));
  return 0;
}

registerCommand({
  name: 'top',
  summary: 'Display resource (CPU/memory) usage',
  long: 'Display resource (CPU/memory) usage.\n\n The top command allows you to see the resource consumption for nodes or pods.\n\n This command requires Metrics Server to be correctly configured and working on the server.',
  usage: 'top [flags] [options]',
  subcommands: [
    {
      name: 'pod',
      aliases: ['pods', 'po'],
      summary: 'Display resource (CPU/memory) usage of pods',
      long: "Display resource (CPU/memory) usage of pods.\n\n The 'top pod' command allows you to see the resource consumption of pods.\n\n Due to the metrics pipeline delay, they may be unavailable for a few minutes since pod creation.",
      usage: 'top pod [NAME | -l label] [options]',
      examples: [
        '  # Show metrics for all pods in the default namespace',
        '  kubectl top pod',
        '',
        '  # Show metrics for all pods in the given namespace',
        '  kubectl top pod --namespace=NAMESPACE',
        '',
        '  # Show metrics for the pods defined by label name=myLabel',
        '  kubectl top pod -l name=myLabel',
      ].join('\n'),
      sharedFlags: ['all-namespaces', 'selector'],
    },
    {
      name: 'node',
      aliases: ['nodes', 'no'],
      summary: 'Display resource (CPU/memory) usage of nodes',
      long: 'Display resource (CPU/memory) usage of nodes.\n\n The top-node command allows you to see the resource consumption of nodes.',
      usage: 'top node [NAME | -l label] [options]',
      examples: '  # Show metrics for all nodes\n  kubectl top node\n\n  # Show metrics for a given node\n  kubectl top node NODE_NAME',
      sharedFlags: ['selector'],
    },
  ],
  async run(ctx, args) {
    const [what, ...rest] = args;
    if (what === 'pod' || what === 'pods' || what === 'po') return topPods(ctx, rest);
    if (what === 'node' || what === 'nodes' || what === 'no') return topNodes(ctx, rest);
    if (!what) throw new CliError('You must specify the type of resource to get. Valid resource types include:\n\n  * nodes\n  * pods');
    throw unknownSubcommandError('top', args);
  },
});
