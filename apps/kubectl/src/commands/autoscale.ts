/**
 * `kubectl autoscale deployment/web --min=2 --max=5 --cpu-percent=50`: creates a
 * HorizontalPodAutoscaler for a Deployment, ReplicaSet, StatefulSet or ReplicationController,
 * as upstream's autoscale.go builds it. autoscaling/v2 when the server serves it (as kubectl
 * ≥ 1.23 does), else autoscaling/v1; the HPA is named after the target unless --name says
 * otherwise. --dry-run and -o as `kubectl create`.
 */
import { apiVersionOf, checkDns1123Subdomain } from '@skiff/api';
import type { KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf } from '../dry-run.ts';
import { CliError } from '../errors.ts';
import { parseOutputFormat, printObjects } from '../printers/object-printer.ts';
import { kindPrefix, type ResourceMapping } from '../rest-mapper.ts';
import { resolveTargets } from './scale.ts';

/** canBeAutoscaled: the kinds whose scale subresource the HPA controller drives. */
const autoscalable = new Set(['/ReplicationController', 'apps/Deployment', 'apps/StatefulSet', 'apps/ReplicaSet']);

export interface AutoscaleOptions {
  name: string;
  target: Pick<ResourceMapping, 'group' | 'version' | 'kind'> & { name: string };
  /** < 1: unset (the server defaults it to 1). */
  min: number;
  max: number;
  /** < 0: unset (the server's default is 80% cpu). */
  cpuPercent: number;
}

type HpaObject = KubeObject & { spec: Record<string, unknown> };

/** The autoscaling/v2 HPA kubectl builds (createHorizontalPodAutoscalerV2). */
export function hpaV2For(opts: AutoscaleOptions): HpaObject {
  const spec: Record<string, unknown> = {
    scaleTargetRef: { kind: opts.target.kind, name: opts.target.name, apiVersion: apiVersionOf(opts.target) },
    ...(opts.min > 0 ? { minReplicas: opts.min } : {}),
    maxReplicas: opts.max,
  };
  if (opts.cpuPercent >= 0)
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: opts.cpuPercent } } }];
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: opts.name }, spec };
}

/** The autoscaling/v1 HPA, for servers without v2. */
export function hpaV1For(opts: AutoscaleOptions): HpaObject {
  const spec: Record<string, unknown> = {
    scaleTargetRef: { kind: opts.target.kind, name: opts.target.name, apiVersion: apiVersionOf(opts.target) },
    ...(opts.min > 0 ? { minReplicas: opts.min } : {}),
    maxReplicas: opts.max,
    ...(opts.cpuPercent >= 0 ? { targetCPUUtilizationPercentage: opts.cpuPercent } : {}),
  };
  return { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: opts.name }, spec };
}

/** AutoscaleOptions.Validate, in kubectl's words. */
export function checkBounds(min: number, max: number): void {
  if (max < 1) throw new CliError(`--max=MAXPODS is required and must be at least 1, max: ${max}`);
  if (max < min) throw new CliError(`--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`);
}

/** The HPA mapping the server prefers: v2, else v1. */
async function hpaMapping(ctx: CommandContext): Promise<ResourceMapping> {
  try {
    return await ctx.resolveKind('autoscaling/v2', 'HorizontalPodAutoscaler');
  } catch {
    return ctx.resolveKind('autoscaling/v1', 'HorizontalPodAutoscaler');
  }
}

async function runAutoscale(ctx: CommandContext, args: string[]): Promise<number> {
  const min = ctx.flags.int('min') ?? -1;
  const max = ctx.flags.int('max') ?? -1;
  const cpuPercent = ctx.flags.int('cpu-percent') ?? -1;
  checkBounds(min, max);
  const dryRun = dryRunOf(ctx.flags.string('dry-run'));
  const output = ctx.flags.string('output');
  const format = output ? parseOutputFormat(output) : undefined;
  if (format?.kind === 'table')
    throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, yaml, name, jsonpath`);
  const mapping = await hpaMapping(ctx);
  for (const { res, name } of await resolveTargets((a) => ctx.resolve(a), args)) {
    if (!autoscalable.has(`${res.group}/${res.kind}`)) throw new CliError(`cannot autoscale a ${res.group ? `${res.kind}.${res.group}` : res.kind}`);
    // The target must exist, as kubectl reads it before building the autoscaler.
    await ctx.client.get(res, res.namespaced ? ctx.namespace : undefined, name);
    const hpaName = ctx.flags.string('name') || name;
    const invalid = checkDns1123Subdomain(hpaName);
    if (invalid.length > 0) throw new CliError(`invalid name "${hpaName}": ${invalid.join(', ')}`);
    const opts: AutoscaleOptions = { name: hpaName, target: { ...res, name }, min, max, cpuPercent };
    const hpa = mapping.version === 'v2' ? hpaV2For(opts) : hpaV1For(opts);
    const written =
      dryRun === 'client'
        ? hpa
        : await ctx.client.create(mapping, hpa, { namespace: ctx.namespace, dryRun: dryRun === 'server', fieldManager: 'kubectl-autoscale' });
    if (format) {
      ctx.out.write(printObjects([written], format, { single: true, prefixOf: () => kindPrefix(mapping) }));
    } else {
      const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
      ctx.out.write(`${kindPrefix(mapping)}/${hpaName} autoscaled${suffix}\n`);
    }
  }
  return 0;
}

registerCommand({
  name: 'autoscale',
  summary: 'Auto-scale a deployment, replica set, stateful set, or replication controller',
  long: [
    'Creates an autoscaler that automatically chooses and sets the number of pods that run in a Kubernetes cluster.',
    '',
    ' Looks up a deployment, replica set, stateful set, or replication controller by name and creates an autoscaler that uses the given resource as a reference. An autoscaler can automatically increase or decrease number of pods deployed within the system as needed.',
  ].join('\n'),
  usage: 'autoscale (TYPE NAME | TYPE/NAME) [--min=MINPODS] --max=MAXPODS [--cpu-percent=CPU] [options]',
  examples: [
    '  # Auto scale a deployment "foo", with the number of pods between 2 and 10, no target CPU utilization specified so a default autoscaling policy will be used',
    '  kubectl autoscale deployment foo --min=2 --max=10',
    '',
    '  # Auto scale a stateful set "foo", with the number of pods between 1 and 5, target CPU utilization at 80%',
    '  kubectl autoscale statefulset foo --max=5 --cpu-percent=80',
  ].join('\n'),
  flags: [
    {
      name: 'min',
      type: 'int',
      default: -1,
      usage:
        "The lower limit for the number of pods that can be set by the autoscaler. If it's not specified or negative, the server will apply a default value.",
    },
    { name: 'max', type: 'int', default: -1, usage: 'The upper limit for the number of pods that can be set by the autoscaler. Required.' },
    {
      name: 'cpu-percent',
      type: 'int',
      default: -1,
      usage:
        "The target average CPU utilization (represented as a percent of requested CPU) over all the pods. If it's not specified or negative, a default autoscaling policy will be used.",
    },
    { name: 'name', type: 'string', usage: 'The name for the newly created object. If not specified, the name of the input resource will be used.' },
    DRY_RUN_FLAG,
  ],
  sharedFlags: ['output'],
  run: runAutoscale,
});
