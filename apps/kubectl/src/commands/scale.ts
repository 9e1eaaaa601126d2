import { qualifiedResource, type ResourceInfo, type Scale } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { registerCommand } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf, type DryRun } from '../dry-run.ts';
import { CliError } from '../errors.ts';
import { kindPrefix } from '../rest-mapper.ts';

export interface ScaleOptions {
  replicas: number;
  /** Precondition: fail unless the scale currently reads this many replicas. */
  currentReplicas?: number;
  /** client: print the result and send nothing, as kubectl; server: the write with dryRun. */
  dryRun?: DryRun;
}

/**
 * `kubectl scale`: reads the object's scale subresource, checks `--current-replicas`, and
 * writes the new replica count back with the read resourceVersion, so a concurrent change
 * between the check and the write fails with a conflict instead of being overwritten.
 */
export async function scaleResource(client: RestClient, res: ResourceInfo, namespace: string | undefined, name: string, opts: ScaleOptions): Promise<string> {
  if (!res.subresources.includes('scale')) throw new CliError(`${qualifiedResource(res)} "${name}" cannot be scaled`);
  if (opts.dryRun === 'client') return `${objectRef(res, name)} scaled (dry run)`;
  const scale = await client.get<Scale>(res, namespace, name, { subresource: 'scale' });
  if (opts.currentReplicas !== undefined && (scale.spec?.replicas ?? 0) !== opts.currentReplicas) {
    throw new CliError(`Expected replicas to be ${opts.currentReplicas}, was ${scale.spec?.replicas ?? 0}`);
  }
  const next: Scale = { ...scale, spec: { ...scale.spec, replicas: opts.replicas } };
  await client.update<Scale>(res, next, { subresource: 'scale', dryRun: opts.dryRun === 'server' });
  return `${objectRef(res, name)} scaled${opts.dryRun === 'server' ? ' (server dry run)' : ''}`;
}

/** `deployment.apps/web`, `node/n1`: how kubectl names an object in its one-line results. */
export function objectRef(res: Pick<ResourceInfo, 'kind' | 'group'>, name: string): string {
  return `${kindPrefix(res)}/${name}`;
}

/** `deploy/web`, `deploy web`, `deployment.apps/web`: the objects a command line names. */
export async function resolveTargets(resolve: (arg: string) => Promise<ResourceInfo>, args: string[]): Promise<{ res: ResourceInfo; name: string }[]> {
  if (args.length === 0) throw new CliError('you must specify the type of resource and a name');
  if (!args[0].includes('/')) {
    if (args.length < 2) throw new CliError(`resource(s) were provided, but no name was specified`);
    const res = await resolve(args[0]);
    return args.slice(1).map((name) => ({ res, name }));
  }
  const out: { res: ResourceInfo; name: string }[] = [];
  for (const arg of args) {
    const slash = arg.indexOf('/');
    if (slash < 0)
      throw new CliError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`,
      );
    out.push({ res: await resolve(arg.slice(0, slash)), name: arg.slice(slash + 1) });
  }
  return out;
}

registerCommand({
  name: 'scale',
  summary: 'Set a new size for a deployment, replica set, replication controller, or stateful set',
  long: [
    'Set a new size for a deployment, replica set, replication controller, or stateful set.',
    '',
    ' Scale also allows users to specify one or more preconditions for the scale action.',
    '',
    ' If --current-replicas is specified, it is validated before the scale is attempted, and it is guaranteed that the precondition holds true when the scale is sent to the server.',
  ].join('\n'),
  usage: 'scale [--current-replicas=count] --replicas=COUNT (TYPE NAME | TYPE/NAME) [options]',
  examples: [
    "  # Scale a replica set named 'foo' to 3",
    '  kubectl scale --replicas=3 rs/foo',
    '',
    "  # If the deployment named mysql's current size is 2, scale mysql to 3",
    '  kubectl scale --current-replicas=2 --replicas=3 deployment/mysql',
    '',
    '  # Scale multiple deployments',
    '  kubectl scale --replicas=5 deploy/example1 deploy/example2 deploy/example3',
    '',
    "  # Scale stateful set named 'web' to 3",
    '  kubectl scale --replicas=3 statefulset/web',
  ].join('\n'),
  flags: [
    { name: 'replicas', type: 'int', usage: 'The new desired number of replicas. Required.' },
    {
      name: 'current-replicas',
      type: 'int',
      default: -1,
      usage: 'Precondition for current size. Requires that the current size of the resource match this value in order to scale. -1 (default) for no condition.',
    },
    DRY_RUN_FLAG,
  ],
  async run(ctx, args) {
    const replicas = ctx.flags.int('replicas');
    if (replicas === undefined || replicas < 0) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
    const current = ctx.flags.int('current-replicas') ?? -1;
    for (const { res, name } of await resolveTargets((a) => ctx.resolve(a), args)) {
      const line = await scaleResource(ctx.client, res, res.namespaced ? ctx.namespace : undefined, name, {
        replicas,
        currentReplicas: current >= 0 ? current : undefined,
        dryRun: dryRunOf(ctx.flags.string('dry-run')),
      });
      ctx.out.write(`${line}\n`);
    }
    return 0;
  },
});
