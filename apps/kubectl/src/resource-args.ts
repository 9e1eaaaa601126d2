/**
 * The resource arguments kubectl commands share: `TYPE [NAME...]`, `TYPE1,TYPE2`,
 * `TYPE/NAME [TYPE/NAME...]`, the `all` category, and `-f` manifests — each turned
 * into mappings and names, in the order given.
 */
import type { CommandContext } from './command.ts';
import { CliError } from './errors.ts';
import { readManifests } from './manifests.ts';
import type { ResourceMapping } from './rest-mapper.ts';

export interface ResourceTarget {
  mapping: ResourceMapping;
  /** Empty: the whole collection (subject to selectors). */
  names: string[];
  /** Per-name namespace override (from -f manifests); else the command's namespace. */
  namespaces?: (string | undefined)[];
}

/**
 * A category's resources in the order kubectl lists them: groups in discovery order, and
 * within a group by resource name, as a Kubernetes server's discovery sorts them — so
 * `get all` prints pods, services, daemonsets, deployments, replicasets, statefulsets,
 * cronjobs, jobs.
 */
export function categoryMembers(mappings: ResourceMapping[], category: string): ResourceMapping[] {
  const groups = [...new Set(mappings.map((m) => m.group))];
  // A kind served in several versions (autoscaling/v2 and v1) is listed once, in its first (preferred) version.
  const seen = new Set<string>();
  return mappings
    .filter((m) => m.categories.includes(category))
    .filter((m) => !seen.has(`${m.group}/${m.resource}`) && Boolean(seen.add(`${m.group}/${m.resource}`)))
    .sort((a, b) => groups.indexOf(a.group) - groups.indexOf(b.group) || a.resource.localeCompare(b.resource));
}

/** Expands a type token that may be a category ('all') into mappings. */
async function expandType(ctx: CommandContext, token: string): Promise<ResourceMapping[]> {
  const mappings = await ctx.mapper.mappings();
  const inCategory = categoryMembers(mappings, token);
  if (inCategory.length > 0 && !mappings.some((m) => m.resource === token || m.singular === token || m.shortNames.includes(token))) {
    return inCategory;
  }
  return [await ctx.resolve(token)];
}

/** True when the arguments name several kinds (names then print as kind/name). */
export function isMultiKind(targets: ResourceTarget[], args: string[]): boolean {
  return (
    new Set(targets.map((t) => `${t.mapping.group}/${t.mapping.resource}`)).size > 1 || args.some((a) => a.includes('/') || a === 'all' || a.includes(','))
  );
}

export async function resolveResourceArgs(ctx: CommandContext, args: string[]): Promise<ResourceTarget[]> {
  if (args.length === 0) return [];
  const slashed = args.filter((a) => a.includes('/'));
  if (slashed.length > 0) {
    if (slashed.length !== args.length) {
      throw new CliError(
        `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'`,
      );
    }
    const targets: ResourceTarget[] = [];
    for (const arg of args) {
      const [type, name] = arg.split('/', 2);
      if (!name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
      const mapping = await ctx.resolve(type);
      const existing = targets.find((t) => t.mapping === mapping);
      if (existing) existing.names.push(name);
      else targets.push({ mapping, names: [name] });
    }
    return targets;
  }
  const [types, ...names] = args;
  const targets: ResourceTarget[] = [];
  for (const token of types.split(',').filter(Boolean)) {
    for (const mapping of await expandType(ctx, token)) {
      if (!targets.some((t) => t.mapping === mapping)) targets.push({ mapping, names: [...names] });
    }
  }
  return targets;
}

/** Targets from -f manifests: one entry per object, with its own namespace when it sets one. */
export async function resolveFileTargets(ctx: CommandContext): Promise<ResourceTarget[]> {
  const manifests = await readManifests(ctx.flags.list('filename'), { recursive: ctx.flags.bool('recursive'), stdin: ctx.stdin });
  const targets: ResourceTarget[] = [];
  for (const { object } of manifests) {
    const mapping = await ctx.resolveKind(object.apiVersion!, object.kind!);
    const name = object.metadata?.name;
    if (!name) throw new CliError(`resource name may not be empty`);
    const ns = object.metadata?.namespace;
    if (mapping.namespaced && ns && ctx.namespaceExplicit && ns !== ctx.namespace) {
      throw new CliError(
        `the namespace from the provided object "${ns}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${ns}' to perform this operation.`,
      );
    }
    targets.push({ mapping, names: [name], namespaces: [mapping.namespaced ? object.metadata?.namespace : undefined] });
  }
  return targets;
}

/** kubectl's line when nothing matched: the namespace is named unless every kind is cluster-scoped or -A. */
export function noResourcesMessage(ctx: CommandContext, targets: ResourceTarget[]): string {
  const namespaced = targets.some((t) => t.mapping.namespaced);
  if (!namespaced || ctx.flags.bool('all-namespaces')) return 'No resources found\n';
  return `No resources found in ${ctx.namespace} namespace.\n`;
}

/** The namespace a request for `mapping` goes to: undefined for cluster-scoped or -A. */
export function namespaceFor(ctx: CommandContext, mapping: ResourceMapping, override?: string): string | undefined {
  if (!mapping.namespaced) return undefined;
  if (override) return override;
  return ctx.flags.bool('all-namespaces') ? undefined : ctx.namespace;
}
