/**
 * `kubectl patch (-f FILENAME | TYPE NAME) -p PATCH [--type strategic|merge|json]`: sends the
 * patch as given (YAML or JSON) and prints `deployment.apps/web patched`, or `patched (no
 * change)` when the object the server answers equals the one read before. --dry-run=client
 * applies the patch locally to the object read, as kubectl does; --subresource status|scale.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';
import { apiVersionOf, applyJsonPatch, applyMergePatch, applyStrategicMergePatch, patchMetaFor, PatchError } from '@skiff/api';
import { ApiStatusError, type KubeObject, type PatchType } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf } from '../dry-run.ts';
import { CliError } from '../errors.ts';
import { MAX_ALIAS_COUNT } from '../manifests.ts';
import { parseOutputFormat, printObjects } from '../printers/object-printer.ts';
import { kindPrefix, type ResourceMapping } from '../rest-mapper.ts';
import { namespaceFor, resolveFileTargets } from '../resource-args.ts';
import { resolveTargets } from './scale.ts';

const PATCH_TYPES = ['json', 'merge', 'strategic'] as const;
const contentTypes: Record<(typeof PATCH_TYPES)[number], string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** `--type`, case-insensitive as kubectl; kubectl's message for anything else. */
export function patchTypeOf(value: string | undefined): (typeof PATCH_TYPES)[number] {
  const type = (value || 'strategic').toLowerCase();
  if ((PATCH_TYPES as readonly string[]).includes(type)) return type as (typeof PATCH_TYPES)[number];
  throw new CliError(`--type must be one of [${PATCH_TYPES.join(' ')}], not "${value}"`);
}

/** The patch text (JSON or YAML, as kubectl's yaml.ToJSON reads it) as a value. */
export function parsePatch(text: string): unknown {
  try {
    return parse(text, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new CliError(`unable to parse "${text}": ${(err as Error).message.split('\n')[0]}`);
  }
}

/** What --dry-run=client shows: the patch applied to the object read, without the server. */
export function applyPatchLocally(obj: KubeObject, type: (typeof PATCH_TYPES)[number], patch: unknown, mapping: ResourceMapping): KubeObject {
  try {
    if (type === 'json') return applyJsonPatch(obj, patch) as KubeObject;
    if (type === 'merge') return applyMergePatch(obj, patch) as KubeObject;
    const typeKey = `${apiVersionOf(mapping)}/${mapping.kind}`;
    if (!patchMetaFor(typeKey)) throw new CliError(`strategic merge patch is not supported for ${gvkString(mapping)} locally, try --type merge`);
    return applyStrategicMergePatch(obj, patch, typeKey) as KubeObject;
  } catch (err) {
    if (err instanceof PatchError) throw new CliError(err.message);
    throw err;
  }
}

/** Go's GroupVersionKind.String(): `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`. */
function gvkString(m: Pick<ResourceMapping, 'group' | 'version' | 'kind'>): string {
  return `${m.group}/${m.version}, Kind=${m.kind}`;
}

/**
 * Prints a command's result as kubectl's printers do: with -o (name, yaml, json, jsonpath)
 * the object itself, else `kind.group/name <operation>`.
 */
export function printResult(ctx: CommandContext, mapping: ResourceMapping, obj: KubeObject, operation: string): void {
  const output = ctx.flags.string('output');
  if (!output) {
    ctx.out.write(`${kindPrefix(mapping)}/${obj.metadata?.name ?? ''} ${operation}\n`);
    return;
  }
  const format = parseOutputFormat(output);
  if (format.kind === 'table')
    throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, yaml, name, jsonpath`);
  ctx.out.write(printObjects([obj], format, { single: true, prefixOf: () => kindPrefix(mapping) }));
}

function readPatch(ctx: CommandContext): string {
  const inline = ctx.flags.string('patch') ?? '';
  const file = ctx.flags.string('patch-file') ?? '';
  if (inline && file) throw new CliError('cannot specify --patch and --patch-file together');
  if (!inline && !file) throw new CliError('must specify --patch or --patch-file containing the contents of the patch');
  if (!file) return inline;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`unable to read patch file: ${(err as Error).message}`);
  }
}

async function runPatch(ctx: CommandContext, args: string[]): Promise<number> {
  const text = readPatch(ctx);
  const dryRun = dryRunOf(ctx.flags.string('dry-run'));
  const type = patchTypeOf(ctx.flags.string('type'));
  const patch = parsePatch(text);
  const subresource = ctx.flags.string('subresource') || undefined;
  if (subresource && subresource !== 'status' && subresource !== 'scale') {
    throw new CliError(`invalid subresource value: "${subresource}". Must be one of [status scale]`);
  }
  const targets =
    ctx.flags.list('filename').length > 0
      ? (await resolveFileTargets(ctx)).map((t) => ({ res: t.mapping, name: t.names[0], namespace: namespaceFor(ctx, t.mapping, t.namespaces?.[0]) }))
      : (await resolveTargets((a) => ctx.resolve(a), args)).map((t) => ({ ...t, namespace: namespaceFor(ctx, t.res) }));
  if (targets.length === 0) throw new CliError('no objects passed to patch');
  for (const { res, name, namespace } of targets) {
    // kubectl reads the object first (the builder's lazy GET) and compares it with the answer.
    const before = await ctx.client.get<KubeObject>(res, namespace, name, { subresource });
    let after: KubeObject;
    if (dryRun === 'client') {
      after = applyPatchLocally(before, type, patch, res);
    } else {
      try {
        after = await ctx.client.patch<KubeObject>(res, namespace, name, type as PatchType, patch, {
          subresource,
          dryRun: dryRun === 'server',
          fieldManager: ctx.flags.string('field-manager'),
        });
      } catch (err) {
        if (err instanceof ApiStatusError && err.code === 415) {
          throw new CliError(`${contentTypes[type]} is not supported by ${gvkString(res)}: ${err.status.message ?? err.message}`);
        }
        throw err;
      }
    }
    // kubectl's dry-run suffix is overwritten by the operation it passes to its printer: no "(dry run)".
    printResult(ctx, res, after, isDeepStrictEqual(before, after) ? 'patched (no change)' : 'patched');
  }
  return 0;
}

registerCommand({
  name: 'patch',
  summary: 'Update fields of a resource',
  long: 'Update fields of a resource using strategic merge patch, a JSON merge patch, or a JSON patch.\n\n JSON and YAML formats are accepted.\n\n Note: Strategic merge patch is not supported for custom resources.',
  usage: 'patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE] [options]',
  examples: [
    '  # Partially update a node using a strategic merge patch, specifying the patch as JSON',
    '  kubectl patch node k8s-node-1 -p \'{"spec":{"unschedulable":true}}\'',
    '',
    '  # Partially update a node using a strategic merge patch, specifying the patch as YAML',
    "  kubectl patch node k8s-node-1 -p $'spec:\\n unschedulable: true'",
    '',
    '  # Partially update a node identified by the type and name specified in "node.json" using strategic merge patch',
    '  kubectl patch -f node.json -p \'{"spec":{"unschedulable":true}}\'',
    '',
    "  # Update a container's image; spec.containers[*].name is required because it's a merge key",
    '  kubectl patch pod valid-pod -p \'{"spec":{"containers":[{"name":"kubernetes-serve-hostname","image":"new image"}]}}\'',
    '',
    "  # Update a container's image using a JSON patch with positional arrays",
    '  kubectl patch pod valid-pod --type=\'json\' -p=\'[{"op": "replace", "path": "/spec/containers/0/image", "value":"new image"}]\'',
    '',
    "  # Update a deployment's replicas through the 'scale' subresource using a merge patch",
    "  kubectl patch deployment nginx-deployment --subresource='scale' --type='merge' -p '{\"spec\":{\"replicas\":2}}'",
  ].join('\n'),
  flags: [
    { name: 'patch', short: 'p', type: 'string', usage: 'The patch to be applied to the resource JSON file.' },
    { name: 'patch-file', type: 'string', usage: 'A file containing a patch to be applied to the resource.' },
    { name: 'type', type: 'string', default: 'strategic', usage: 'The type of patch being provided; one of [json merge strategic]' },
    {
      name: 'subresource',
      type: 'string',
      usage: 'If specified, patch will operate on the subresource of the requested object. Must be one of [status scale].',
    },
    { name: 'field-manager', type: 'string', default: 'kubectl-patch', usage: 'Name of the manager used to track field ownership.' },
    {
      ...DRY_RUN_FLAG,
      default: 'none',
      usage:
        'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.',
    },
  ],
  sharedFlags: ['output', 'filename', 'recursive'],
  run: runPatch,
});
