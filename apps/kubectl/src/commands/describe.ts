/**
 * `kubectl describe`: a readable report of an object in kubectl's layout — kind-specific
 * describers under describe/ (pods, services, nodes, namespaces, workloads, jobs, cron
 * jobs, storage classes, claims and volumes), a generic key/value dump for the rest —
 * ending with the object's Events (field selector on involvedObject).
 */
import { findResourceByKind, formatAge } from '@skiff/api';
import type { KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError } from '../errors.ts';
import type { DescribeEnv } from '../describe/describer.ts';
import { describerFor } from '../describe/describers.ts';
import { formatSelector, Lines, type Obj } from '../describe/lines.ts';
import { tabbed } from '../printers/tabwriter.ts';
import { namespaceFor, noResourcesMessage, resolveFileTargets, resolveResourceArgs } from '../resource-args.ts';
import type { ResourceMapping } from '../rest-mapper.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const REPLICASETS = findResourceByKind('apps/v1', 'ReplicaSet')!;

async function describeEvents(ctx: CommandContext, w: Lines, o: KubeObject, mapping: ResourceMapping): Promise<void> {
  const events = await ctx.client.list(await ctx.resolve('events'), mapping.namespaced ? o.metadata?.namespace : undefined, {
    fieldSelector: `involvedObject.name=${o.metadata?.name},involvedObject.kind=${mapping.kind},involvedObject.uid=${o.metadata?.uid}`,
  });
  if (events.items.length === 0) {
    w.add(0, 'Events:\t<none>');
    return;
  }
  const now = ctx.now();
  const sorted = (events.items as Obj[]).sort((a, b) =>
    String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(String(b.lastTimestamp ?? b.eventTime ?? '')),
  );
  w.add(0, 'Events:').add(1, 'Type\tReason\tAge\tFrom\tMessage').add(1, '----\t------\t----\t----\t-------');
  for (const e of sorted) {
    const age = formatAge(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp, now);
    const count = (e.count ?? 1) > 1 ? ` (x${e.count} over ${formatAge(e.firstTimestamp, now)})` : '';
    w.add(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${age}${count}\t${e.source?.component ?? e.reportingComponent ?? ''}\t${String(e.message ?? '').trim()}`);
  }
}

function describeEnv(ctx: CommandContext): DescribeEnv {
  return {
    async controlled(resource, o) {
      const selector = formatSelector(o.spec?.selector);
      if (selector === '<none>') return [];
      const list = await ctx.client.list(resource === 'pods' ? PODS : REPLICASETS, o.metadata?.namespace, { labelSelector: selector });
      return (list.items as Obj[]).filter((p) => (p.metadata?.ownerReferences ?? []).some((ref: Obj) => ref.controller && ref.uid === o.metadata?.uid));
    },
    async podsUsingClaim(namespace, claim) {
      const pods = await ctx.client.list(PODS, namespace);
      return (pods.items as Obj[]).filter((p) => (p.spec?.volumes ?? []).some((v: Obj) => v.persistentVolumeClaim?.claimName === claim));
    },
  };
}

export async function describeObject(ctx: CommandContext, mapping: ResourceMapping, o: KubeObject): Promise<string> {
  const w = new Lines();
  await describerFor(mapping)(w, o as Obj, describeEnv(ctx));
  await describeEvents(ctx, w, o, mapping);
  return tabbed(w.toString());
}

async function runDescribe(ctx: CommandContext, args: string[]): Promise<number> {
  const fromFiles = ctx.flags.list('filename').length > 0;
  if (!fromFiles && args.length === 0)
    throw new CliError('You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.');
  const targets = fromFiles ? await resolveFileTargets(ctx) : await resolveResourceArgs(ctx, args);
  const reports: string[] = [];
  for (const t of targets) {
    if (t.names.length > 0) {
      for (const [i, name] of t.names.entries()) {
        // Errors (NotFound) end the command with kubectl's message, as kubectl describe does.
        const o = await ctx.client.get(t.mapping, namespaceFor(ctx, t.mapping, t.namespaces?.[i]), name);
        reports.push(await describeObject(ctx, t.mapping, o));
      }
      continue;
    }
    const list = await ctx.client.list(t.mapping, namespaceFor(ctx, t.mapping), { labelSelector: ctx.flags.string('selector') });
    for (const o of list.items) reports.push(await describeObject(ctx, t.mapping, { apiVersion: list.apiVersion, kind: t.mapping.kind, ...o }));
  }
  if (reports.length === 0) {
    ctx.err.write(noResourcesMessage(ctx, targets));
    return 0;
  }
  ctx.out.write(reports.join('\n\n'));
  return 0;
}

registerCommand({
  name: 'describe',
  summary: 'Show details of a specific resource or group of resources',
  long: [
    'Show details of a specific resource or group of resources.',
    '',
    ' Print a detailed description of the selected resources, including related resources such as events or controllers. You may select a single object by name, all objects of that type, provide a name prefix, or label selector. For example:',
    '',
    '        $ kubectl describe TYPE NAME_PREFIX',
    '',
    ' will first check for an exact match on TYPE and NAME_PREFIX. If no such resource exists, it will output details for every resource that has a name prefixed with NAME_PREFIX.',
  ].join('\n'),
  usage: 'describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]',
  examples: [
    '  # Describe a node',
    '  kubectl describe nodes kubernetes-node-emt8.c.myproject.internal',
    '',
    '  # Describe a pod',
    '  kubectl describe pods/nginx',
    '',
    '  # Describe a pod identified by type and name in "pod.json"',
    '  kubectl describe -f pod.json',
    '',
    '  # Describe all pods',
    '  kubectl describe pods',
    '',
    '  # Describe pods by label name=myLabel',
    '  kubectl describe pods -l name=myLabel',
  ].join('\n'),
  sharedFlags: ['filename', 'recursive', 'selector', 'all-namespaces'],
  run: runDescribe,
});
