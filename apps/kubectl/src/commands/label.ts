import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, RestClient } from '@skiff/client';
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';
import { objectRef, resolveTargets } from './scale.ts';

/** `k=v` sets, `k-` removes. */
export interface MetadataChanges { set: Record<string, string>; remove: string[] }

export function parseMetadataChanges(args: string[]): MetadataChanges {
  const out: MetadataChanges = { set: {}, remove: [] };
  for (const arg of args) {
    if (arg.endsWith('-') && !arg.includes('=')) out.remove.push(arg.slice(0, -1));
    else if (arg.indexOf('=') > 0) out.set[arg.slice(0, arg.indexOf('='))] = arg.slice(arg.indexOf('=') + 1);
    else throw new CliError(`invalid label spec: ${arg}`);
  }
  return out;
}

/**
 * `kubectl label` / `kubectl annotate`: refuses to change an existing value without
 * --overwrite, then sends a merge patch guarded by the read resourceVersion (so the
 * overwrite check cannot race another writer).
 */
export async function changeMetadata(client: RestClient, res: ResourceInfo, namespace: string | undefined, name: string, field: 'labels' | 'annotations', changes: MetadataChanges, overwrite: boolean): Promise<string> {
  const obj = await client.get<KubeObject>(res, namespace, name);
  const existing = obj.metadata?.[field] ?? {};
  const patch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(changes.set)) {
    if (existing[key] !== undefined && existing[key] !== value && !overwrite) {
      throw new CliError(`'${key}' already has a value (${existing[key]}), and --overwrite is false`);
    }
    if (existing[key] !== value) patch[key] = value;
  }
  for (const key of changes.remove) if (existing[key] !== undefined) patch[key] = null;
  const verb = field === 'labels' ? 'labeled' : 'annotated';
  if (Object.keys(patch).length === 0) return `${objectRef(res, name)} not ${verb}`;
  await client.patch(res, namespace, name, 'merge', { metadata: { [field]: patch, resourceVersion: obj.metadata?.resourceVersion } });
  return `${objectRef(res, name)} ${verb}`;
}

for (const [name, field] of [['label', 'labels'], ['annotate', 'annotations']] as const) {
  registerCommand({
    name,
    summary: field === 'labels' ? 'Update the labels on a resource' : 'Update the annotations on a resource',
    flags: [{ name: 'overwrite', type: 'bool' }],
    async run(ctx, args) {
      const first = args.findIndex((a) => a.includes('=') || (a.endsWith('-') && !a.includes('/')));
      if (first < 1) throw new CliError(`at least one ${field === 'labels' ? 'label' : 'annotation'} update is required`);
      const changes = parseMetadataChanges(args.slice(first));
      for (const { res, name: objName } of await resolveTargets((a) => ctx.resolve(a), args.slice(0, first))) {
        const ns = res.namespaced ? ctx.namespace : undefined;
        ctx.out.write(`${await changeMetadata(ctx.client, res, ns, objName, field, changes, ctx.flags.bool('overwrite'))}\n`);
      }
      return 0;
    },
  });
}
