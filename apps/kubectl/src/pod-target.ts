/**
 * The pod a logs/exec/port-forward command talks to: `NAME` or `pod/NAME` directly, or for a
 * workload (`deploy/NAME`, `rs/NAME`, `sts/…`, `svc/NAME`) the first pod its selector matches,
 * preferring running-and-ready, then older pods, as kubectl's GetFirstPod does.
 */
import { selectorToString, type LabelSelector, type Pod } from '@skiff/api';
import type { CommandContext } from './command.ts';
import { CliError } from './errors.ts';

export interface PodTarget {
  pod: Pod;
  /** The object the user named when it was not a pod (services map ports through it). */
  owner?: { kind: string; name: string; object: Record<string, unknown> };
}

function rank(pod: Pod): number {
  const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  if (pod.metadata?.deletionTimestamp) return 3;
  if (pod.status?.phase === 'Running' && ready) return 0;
  if (pod.status?.phase === 'Running') return 1;
  return 2;
}

export function firstPod(pods: Pod[]): Pod | undefined {
  return [...pods].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      String(a.metadata?.creationTimestamp ?? '').localeCompare(String(b.metadata?.creationTimestamp ?? '')) ||
      String(a.metadata?.name).localeCompare(String(b.metadata?.name)),
  )[0];
}

export async function podsForSelector(ctx: CommandContext, namespace: string, selector: string): Promise<Pod[]> {
  const pods = await ctx.resolve('pods');
  return (await ctx.client.list<Pod>(pods, namespace, { labelSelector: selector })).items;
}

export async function resolvePodTarget(ctx: CommandContext, arg: string, namespace: string): Promise<PodTarget> {
  const slash = arg.indexOf('/');
  const podsRes = await ctx.resolve('pods');
  if (slash < 0) return { pod: await ctx.client.get<Pod>(podsRes, namespace, arg) };
  const mapping = await ctx.resolve(arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  if (mapping.group === '' && mapping.resource === 'pods') return { pod: await ctx.client.get<Pod>(podsRes, namespace, name) };
  const object = await ctx.client.get<{ metadata?: { name?: string }; spec?: { selector?: LabelSelector | Record<string, string> } }>(mapping, namespace, name);
  const raw = object.spec?.selector;
  if (!raw) throw new CliError(`cannot attach to ${mapping.kind}: selector for ${mapping.kind.toLowerCase()}/${name} is empty`);
  // Services and ReplicationControllers carry a plain map; the apps kinds a LabelSelector.
  const isLabelSelector = 'matchLabels' in raw || 'matchExpressions' in raw;
  const selector = selectorToString(isLabelSelector ? (raw as LabelSelector) : { matchLabels: raw as Record<string, string> });
  const pod = firstPod(await podsForSelector(ctx, namespace, selector));
  if (!pod) throw new CliError(`timed out waiting for the condition`);
  return { pod, owner: { kind: mapping.kind, name, object: object as Record<string, unknown> } };
}

/** -c, else the kubectl.kubernetes.io/default-container annotation, else the first container. */
export function pickContainer(ctx: CommandContext, pod: Pod, flag: string | undefined): string {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  if (flag) {
    const all = [
      ...names,
      ...(pod.spec?.initContainers ?? []).map((c) => c.name),
      ...((pod.spec as { ephemeralContainers?: { name: string }[] })?.ephemeralContainers ?? []).map((c) => c.name),
    ];
    if (!all.includes(flag)) throw new CliError(`container ${flag} is not valid for pod ${pod.metadata?.name}`);
    return flag;
  }
  const annotated = pod.metadata?.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && names.includes(annotated)) return annotated;
  if (names.length > 1) ctx.err.write(`Defaulted container "${names[0]}" out of: ${names.join(', ')}\n`);
  return names[0];
}
