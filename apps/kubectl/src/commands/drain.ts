/**
 * kubectl drain, as k8s.io/kubectl/pkg/drain does it: cordon the node, pick its pods through
 * kubectl's filters, then evict each through the Eviction API (which honours
 * PodDisruptionBudgets), retrying every 429 after 5 s until --timeout, and wait for each pod to be
 * gone. The messages and exit codes are kubectl 1.33's, so scripts that read them keep working.
 */
import { findResourceByKind, goDuration, parseLabelSelector, type Node, type Pod } from '@skiff/api';
import { ApiStatusError, isNotFound, type RestClient } from '@skiff/client';
import type { Writable } from 'node:stream';
import { registerCommand, type CommandContext } from '../command.ts';
import { dryRunOf, DRY_RUN_FLAG, type DryRun } from '../dry-run.ts';
import { parseDuration } from '../duration.ts';
import { CliError } from '../errors.ts';
import { setUnschedulable } from './cordon.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const NODES = findResourceByKind('v1', 'Node')!;
const DAEMONSETS = findResourceByKind('apps/v1', 'DaemonSet')!;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** kubectl retries a refused eviction after this long, and polls for the pod's end this often. */
const RETRY_AFTER_MS = 5000;
const POLL_MS = 1000;

export interface DrainOptions {
  ignoreDaemonSets?: boolean;
  deleteEmptyDirData?: boolean;
  /** Also remove pods no controller owns (they will not come back), and pods of a DaemonSet that is gone. */
  force?: boolean;
  /** undefined: the pod's own terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number;
  /** 0 or undefined: wait forever, as kubectl. */
  timeoutMs?: number;
  podSelector?: string;
  disableEviction?: boolean;
  dryRun?: DryRun;
  out: Writable;
  err: Writable;
}

type Verdict = { delete: boolean; warning?: string; error?: string };
type Filters = Pick<DrainOptions, 'ignoreDaemonSets' | 'deleteEmptyDirData' | 'force'>;

const KEEP: Verdict = { delete: true };
const isFinished = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const controllerOf = (pod: Pod) => pod.metadata?.ownerReferences?.find((o) => o.controller);

/**
 * kubectl's filters, in its order: DaemonSet pods would come straight back, mirror pods are the
 * kubelet's, emptyDir data and unmanaged pods would be lost for good. `daemonSetMissing` is the
 * server's not-found message when the pod's DaemonSet is gone.
 */
function podFilters(opts: Filters, daemonSetMissing: string | undefined): Array<(pod: Pod) => Verdict> {
  return [
    (pod) => {
      if (controllerOf(pod)?.kind !== 'DaemonSet' || isFinished(pod)) return KEEP;
      if (daemonSetMissing) return opts.force ? { delete: true, warning: daemonSetMissing } : { delete: false, error: daemonSetMissing };
      if (!opts.ignoreDaemonSets) return { delete: false, error: 'DaemonSet-managed Pods (use --ignore-daemonsets to ignore)' };
      return { delete: false, warning: 'ignoring DaemonSet-managed Pods' };
    },
    (pod) => (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined ? { delete: false } : KEEP),
    (pod) => {
      if (isFinished(pod) || !pod.spec?.volumes?.some((v) => v.emptyDir)) return KEEP;
      if (!opts.deleteEmptyDirData) return { delete: false, error: 'Pods with local storage (use --delete-emptydir-data to override)' };
      return { delete: true, warning: 'deleting Pods with local storage' };
    },
    (pod) => {
      if (isFinished(pod) || controllerOf(pod)) return KEEP;
      if (!opts.force) return { delete: false, error: 'cannot delete Pods that declare no controller (use --force to override)' };
      return { delete: true, warning: 'deleting Pods that declare no controller' };
    },
  ];
}

/** The first filter that keeps the pod back decides; otherwise the last one does (so, as upstream, an earlier warning can be lost). */
export function judgePod(pod: Pod, opts: Filters, daemonSetMissing?: string): Verdict {
  let verdict = KEEP;
  for (const filter of podFilters(opts, daemonSetMissing)) {
    verdict = filter(pod);
    if (!verdict.delete) break;
  }
  return verdict;
}

/** Groups pods by message as kubectl does: `<message>: ns/a, ns/b`; errors all start with "cannot delete". */
function grouped(entries: Array<[string, Pod]>, asError: boolean): string[] {
  const byMessage = new Map<string, string[]>();
  for (const [message, pod] of entries) byMessage.set(message, [...(byMessage.get(message) ?? []), `${pod.metadata?.namespace}/${pod.metadata?.name}`]);
  return [...byMessage].map(([message, pods]) => {
    const text = asError && !message.toLowerCase().startsWith('cannot delete') ? `cannot delete ${message}` : message;
    return `${text}: ${pods.join(', ')}`;
  });
}

/** The node's pods to evict, the refusals that stop the drain, and the warnings to print. */
export function selectPodsToEvict(
  pods: Pod[],
  opts: Filters,
  missingDaemonSets: ReadonlyMap<string, string> = new Map(),
): { evict: Pod[]; errors: string[]; warnings: string } {
  const evict: Pod[] = [];
  const errors: Array<[string, Pod]> = [];
  const warnings: Array<[string, Pod]> = [];
  for (const pod of pods) {
    const owner = controllerOf(pod);
    const verdict = judgePod(pod, opts, owner ? missingDaemonSets.get(`${pod.metadata?.namespace}/${owner.name}`) : undefined);
    if (verdict.error) errors.push([verdict.error, pod]);
    if (verdict.warning) warnings.push([verdict.warning, pod]);
    if (verdict.delete) evict.push(pod);
  }
  return { evict, errors: grouped(errors, true), warnings: grouped(warnings, false).join('; ') };
}

/** `daemonsets.apps "x" not found` for each DaemonSet a running pod names but that is gone (kubectl asks the server). */
async function findMissingDaemonSets(client: RestClient, pods: Pod[]): Promise<Map<string, string>> {
  const missing = new Map<string, string>();
  for (const pod of pods) {
    const owner = pod.metadata?.ownerReferences?.find((o) => o.controller && o.kind === 'DaemonSet');
    const key = `${pod.metadata?.namespace}/${owner?.name}`;
    if (!owner || missing.has(key)) continue;
    await client.get(DAEMONSETS, pod.metadata?.namespace, owner.name).catch((err) => {
      if (!(err instanceof ApiStatusError)) throw err;
      missing.set(key, err.status.message ?? err.message);
    });
  }
  return missing;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ref = (pod: Pod) => ({ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' });
const messageOf = (err: unknown) => (err instanceof ApiStatusError ? (err.status.message ?? err.message) : (err as Error).message);

/** Resolves once the pod is gone: not found, or a new pod (another uid) under its name. Throws at the deadline. */
async function waitForGone(client: RestClient, pod: Pod, deadline: number, timeoutText: string): Promise<void> {
  const { namespace, name } = ref(pod);
  for (;;) {
    const gone = await client.get<Pod>(PODS, namespace, name).then(
      (p) => p.metadata?.uid !== pod.metadata?.uid,
      (err) => {
        if (isNotFound(err)) return true;
        throw err;
      },
    );
    if (gone) return;
    if (Date.now() >= deadline) throw new Error(`global timeout reached: ${timeoutText}`);
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

/** One pod: evict (retrying 429s), then wait for it to be gone; answers the error kubectl reports, if any. */
async function evictAndWait(client: RestClient, pod: Pod, opts: DrainOptions, deadline: number, timeoutText: string): Promise<string | undefined> {
  const { namespace, name } = ref(pod);
  const deleteOptions = {
    ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
    ...(opts.dryRun === 'server' ? { dryRun: ['All'] } : {}),
  };
  const eviction = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions };
  for (;;) {
    opts.out.write(`evicting pod ${namespace}/${name}${opts.dryRun === 'server' ? ' (server dry run)' : ''}\n`);
    if (Date.now() >= deadline) return `error when evicting pods/"${name}" -n "${namespace}": global timeout reached: ${timeoutText}`;
    try {
      await client.create(PODS, eviction, { namespace, name, subresource: 'eviction' });
      break;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      if (!(err instanceof ApiStatusError) || err.code !== 429) return `error when evicting pods/"${name}" -n "${namespace}": ${messageOf(err)}`;
      opts.err.write(`error when evicting pods/"${name}" -n "${namespace}" (will retry after 5s): ${messageOf(err)}\n`);
      // The wait ends at --timeout too, so the drain gives up when it says it would.
      await sleep(Math.min(RETRY_AFTER_MS, Math.max(0, deadline - Date.now())));
    }
  }
  if (opts.dryRun === 'server') return undefined;
  try {
    await waitForGone(client, pod, deadline, timeoutText);
  } catch (err) {
    return `error when waiting for pod "${name}" in namespace "${namespace}" to terminate: ${messageOf(err)}`;
  }
  opts.out.write(`pod/${name} evicted\n`);
  return undefined;
}

/** --disable-eviction: plain deletes (no budget is asked), then wait for all of them. */
async function deleteAndWait(client: RestClient, pods: Pod[], opts: DrainOptions, deadline: number, timeoutText: string): Promise<string[]> {
  for (const pod of pods) {
    const { namespace, name } = ref(pod);
    await client
      .delete(PODS, namespace, name, {
        ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}),
        ...(opts.dryRun === 'server' ? { dryRun: true } : {}),
      })
      .catch((err) => {
        if (!isNotFound(err)) throw err;
      });
  }
  if (opts.dryRun === 'server') return [];
  const errors: string[] = [];
  for (const pod of pods) {
    try {
      await waitForGone(client, pod, deadline, timeoutText);
      opts.out.write(`pod/${ref(pod).name} deleted\n`);
    } catch (err) {
      errors.push(messageOf(err));
      break;
    }
  }
  return errors;
}

async function listNodePods(client: RestClient, nodeName: string, podSelector: string | undefined): Promise<Pod[]> {
  return (await client.list<Pod>(PODS, undefined, { fieldSelector: `spec.nodeName=${nodeName}`, ...(podSelector ? { labelSelector: podSelector } : {}) }))
    .items;
}

/** kubectl's cordon step, dry runs included (client: nothing sent; server: the patch with dryRun=All). */
async function cordon(client: RestClient, nodeName: string, dryRun: DryRun): Promise<string> {
  if (dryRun === 'none') return setUnschedulable(client, nodeName, true);
  const node = await client.get<Node>(NODES, undefined, nodeName);
  if (node.spec?.unschedulable) return `node/${nodeName} already cordoned`;
  if (dryRun === 'server') await client.patch(NODES, undefined, nodeName, 'merge', { spec: { unschedulable: true } }, { dryRun: true });
  return `node/${nodeName} cordoned (${dryRun === 'server' ? 'server dry run' : 'dry run'})`;
}

/**
 * Drains one node; answers the aggregated error (kubectl's text) or undefined once drained. The
 * caller prints the summary kubectl prints around a failed node.
 */
export async function drainNode(client: RestClient, nodeName: string, opts: DrainOptions): Promise<string[] | undefined> {
  const dryRun = opts.dryRun ?? 'none';
  opts.out.write(`${await cordon(client, nodeName, dryRun)}\n`);
  const pods = await listNodePods(client, nodeName, opts.podSelector);
  const { evict, errors, warnings } = selectPodsToEvict(pods, opts, await findMissingDaemonSets(client, pods));
  if (errors.length > 0) return errors;
  if (warnings) opts.err.write(`Warning: ${warnings}\n`);
  if (dryRun === 'client') {
    for (const pod of evict) opts.out.write(`evicting pod ${pod.metadata?.namespace}/${pod.metadata?.name} (dry run)\n`);
    return undefined;
  }
  const timeoutText = opts.timeoutMs ? goDuration(opts.timeoutMs) : '2562047h47m16.854775807s';
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Number.POSITIVE_INFINITY;
  const failures = opts.disableEviction
    ? await deleteAndWait(client, evict, opts, deadline, timeoutText)
    : (await Promise.all(evict.map((pod) => evictAndWait(client, pod, opts, deadline, timeoutText)))).filter((e): e is string => e !== undefined);
  if (failures.length === 0) return undefined;
  const aggregate = failures.length === 1 ? failures[0] : `[${failures.join(', ')}]`;
  const pending = selectPodsToEvict(await listNodePods(client, nodeName, opts.podSelector), opts).evict;
  if (pending.length > 0) {
    opts.err.write(`There are pending pods in node "${nodeName}" when an error occurred: ${aggregate}\n`);
    for (const pod of pending) opts.err.write(`pod/${pod.metadata?.name}\n`);
  }
  return failures;
}

async function drainCommand(ctx: CommandContext, args: string[]): Promise<number> {
  if (args.length !== 1) throw new CliError('USAGE: drain NODE [flags]');
  const nodeName = args[0].replace(/^nodes?\//, '');
  const podSelector = ctx.flags.string('pod-selector');
  if (podSelector !== undefined) {
    try {
      parseLabelSelector(podSelector);
    } catch {
      throw new CliError('--pod-selector=<pod_selector> must be a valid label selector');
    }
  }
  const timeout = ctx.flags.string('timeout');
  const grace = ctx.flags.int('grace-period');
  const dryRun = dryRunOf(ctx.flags.string('dry-run'));
  const errors = await drainNode(ctx.client, nodeName, {
    ignoreDaemonSets: ctx.flags.bool('ignore-daemonsets'),
    deleteEmptyDirData: ctx.flags.bool('delete-emptydir-data') || ctx.flags.bool('delete-local-data'),
    force: ctx.flags.bool('force'),
    ...(grace !== undefined && grace >= 0 ? { gracePeriodSeconds: grace } : {}),
    ...(timeout ? { timeoutMs: parseDuration(timeout) } : {}),
    ...(podSelector ? { podSelector } : {}),
    disableEviction: ctx.flags.bool('disable-eviction'),
    dryRun,
    out: ctx.out,
    err: ctx.err,
  });
  if (!errors) {
    const suffix = dryRun === 'none' ? '' : dryRun === 'server' ? ' (server dry run)' : ' (dry run)';
    ctx.out.write(`node/${nodeName} drained${suffix}\n`);
    return 0;
  }
  const aggregate = errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`;
  ctx.err.write(`error: unable to drain node "${nodeName}" due to error: ${aggregate}, continuing command...\n`);
  ctx.err.write(`There are pending nodes to be drained:\n ${nodeName}\n`);
  // kubectl's CheckErr prints each error of the aggregate on its own line, without a prefix.
  for (const e of errors) ctx.err.write(`${e}\n`);
  return 1;
}

registerCommand({
  name: 'drain',
  summary: 'Drain node in preparation for maintenance',
  long: [
    'Drain node in preparation for maintenance.',
    '',
    " The given node will be marked unschedulable to prevent new pods from arriving. 'drain' evicts the pods if the API server supports eviction. Otherwise, it will use normal DELETE to delete the pods. The 'drain' evicts or deletes all pods except mirror pods (which cannot be deleted through the API server).  If there are daemon set-managed pods, drain will not proceed without --ignore-daemonsets, and regardless it will not delete any daemon set-managed pods, because those pods would be immediately replaced by the daemon set controller, which ignores unschedulable markings.  If there are any pods that are neither mirror pods nor managed by a replication controller, replica set, daemon set, stateful set, or job, then drain will not delete any pods unless you use --force.  --force will also allow deletion to proceed if the managing resource of one or more pods is missing.",
    '',
    " 'drain' waits for graceful termination. You should not operate on the machine until the command completes.",
    '',
    ' When you are ready to put the node back into service, use kubectl uncordon, which will make the node schedulable again.',
  ].join('\n'),
  usage: 'drain NODE [options]',
  examples: [
    '  # Drain node "foo", even if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set on it',
    '  kubectl drain foo --force',
    '',
    '  # As above, but abort if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set, and use a grace period of 15 minutes',
    '  kubectl drain foo --grace-period=900',
  ].join('\n'),
  flags: [
    { name: 'ignore-daemonsets', type: 'bool', usage: 'Ignore DaemonSet-managed pods.' },
    {
      name: 'delete-emptydir-data',
      type: 'bool',
      usage: 'Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained).',
    },
    {
      name: 'delete-local-data',
      type: 'bool',
      usage: 'Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained).',
    },
    { name: 'force', type: 'bool', usage: 'Continue even if there are pods that do not declare a controller.' },
    {
      name: 'grace-period',
      type: 'int',
      default: -1,
      usage: 'Period of time in seconds given to each pod to terminate gracefully. If negative, the default value specified in the pod will be used.',
    },
    { name: 'timeout', type: 'string', usage: 'The length of time to wait before giving up, zero means infinite' },
    { name: 'pod-selector', type: 'string', usage: 'Label selector to filter pods on the node' },
    {
      name: 'disable-eviction',
      type: 'bool',
      usage: 'Force drain to use delete, even if eviction is supported. This will bypass checking PodDisruptionBudgets, use with caution.',
    },
    DRY_RUN_FLAG,
  ],
  run: drainCommand,
});
