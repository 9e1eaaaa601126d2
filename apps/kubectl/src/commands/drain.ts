import { findResourceByKind, type Pod } from '@skiff/api';
import { isNotFound, type RestClient } from '@skiff/client';
import type { Writable } from 'node:stream';
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';
import { setUnschedulable } from './cordon.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface DrainOptions {
  ignoreDaemonSets?: boolean;
  deleteEmptyDirData?: boolean;
  /** Also delete pods no controller owns (they will not come back). */
  force?: boolean;
  timeoutMs?: number;
  out: Writable;
}

/**
 * Which pods drain removes, and why it refuses: kubectl's filters. Mirror pods are skipped
 * (the kubelet owns them), DaemonSet pods are skipped only with --ignore-daemonsets, and
 * unmanaged pods or pods with emptyDir data block the drain unless --force /
 * --delete-emptydir-data say losing them is fine.
 */
export function selectPodsToEvict(pods: Pod[], opts: Omit<DrainOptions, 'out'>): { evict: Pod[]; errors: string[]; warnings: string[] } {
  const evict: Pod[] = [];
  const errors: string[] = [];
  const warnings: string[] = [];
  const ref = (p: Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;
  for (const pod of pods) {
    if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) continue;
    const phase = pod.status?.phase;
    const finished = phase === 'Succeeded' || phase === 'Failed';
    const controller = pod.metadata?.ownerReferences?.find((o) => o.controller);
    if (controller?.kind === 'DaemonSet') {
      if (opts.ignoreDaemonSets) warnings.push(`ignoring DaemonSet-managed Pods: ${ref(pod)}`);
      else errors.push(`cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ${ref(pod)}`);
      continue;
    }
    if (!controller && !finished) {
      if (!opts.force) {
        errors.push(`cannot delete Pods that declare no controller (use --force to override): ${ref(pod)}`);
        continue;
      }
      warnings.push(`deleting Pods that declare no controller: ${ref(pod)}`);
    }
    if (!finished && pod.spec?.volumes?.some((v) => v.emptyDir) && !opts.deleteEmptyDirData) {
      errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${ref(pod)}`);
      continue;
    }
    evict.push(pod);
  }
  return { evict, errors, warnings };
}

/** Cordons the node, evicts (or, where eviction is not served, deletes) its pods, and waits for them to go. */
export async function drainNode(client: RestClient, nodeName: string, opts: DrainOptions): Promise<void> {
  opts.out.write(`${await setUnschedulable(client, nodeName, true)}\n`);
  const pods = (await client.list<Pod>(PODS, undefined, { fieldSelector: `spec.nodeName=${nodeName}` })).items;
  const { evict, errors, warnings } = selectPodsToEvict(pods, opts);
  if (errors.length > 0) throw new CliError(`unable to drain node "${nodeName}" due to error: ${errors.join(', ')}, continuing command...`);
  if (warnings.length > 0) opts.out.write(`Warning: ${warnings.join('; ')}\n`);
  for (const pod of evict) {
    const { namespace, name } = pod.metadata as { namespace: string; name: string };
    opts.out.write(`evicting pod ${namespace}/${name}\n`);
    await evictPod(client, namespace, name);
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (const pod of evict) {
    const { namespace, name, uid } = pod.metadata as { namespace: string; name: string; uid?: string };
    for (;;) {
      const gone = await client.get<Pod>(PODS, namespace, name).then((p) => p.metadata?.uid !== uid, (err) => {
        if (isNotFound(err)) return true;
        throw err;
      });
      if (gone) break;
      if (Date.now() > deadline) throw new CliError(`drain did not complete within the timeout: pod ${namespace}/${name} is still there`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    opts.out.write(`pod/${name} evicted\n`);
  }
  opts.out.write(`node/${nodeName} drained\n`);
}

/** The Eviction API honours PodDisruptionBudgets; a server without it gets a plain delete, as kubectl falls back. */
async function evictPod(client: RestClient, namespace: string, name: string): Promise<void> {
  const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } };
  try {
    await client.create(PODS, eviction, { namespace, name, subresource: 'eviction' });
    return;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await client.delete(PODS, namespace, name).catch((err) => {
    if (!isNotFound(err)) throw err;
  });
}

registerCommand({
  name: 'drain',
  summary: 'Drain node in preparation for maintenance',
  flags: [
    { name: 'ignore-daemonsets', type: 'bool' },
    { name: 'delete-emptydir-data', type: 'bool' },
    { name: 'force', type: 'bool' },
    { name: 'timeout', type: 'string' },
  ],
  async run(ctx, args) {
    if (args.length !== 1) throw new CliError('USAGE: drain NODE [flags]');
    const timeout = ctx.flags.string('timeout');
    await drainNode(ctx.client, args[0].replace(/^nodes?\//, ''), {
      ignoreDaemonSets: ctx.flags.bool('ignore-daemonsets'),
      deleteEmptyDirData: ctx.flags.bool('delete-emptydir-data'),
      force: ctx.flags.bool('force'),
      timeoutMs: timeout ? parseDurationMs(timeout) : undefined,
      out: ctx.out,
    });
    return 0;
  },
});

/** `30s`, `2m`, `1h`, `500ms`; a bare number is seconds. 0 means no limit (a day). */
export function parseDurationMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new CliError(`invalid duration "${text}"`);
  const ms = Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return ms === 0 ? 86_400_000 : ms;
}
