import type { ResourceInfo } from '@skiff/api';
import type { KubeObject, RestClient } from '@skiff/client';
import { registerCommand } from '../command.ts';
import { CliError } from '../errors.ts';
import { objectRef, resolveTargets } from './scale.ts';

/** `k=v` sets, `k-` removes. */
export interface MetadataChanges {
  set: Record<string, string>;
  remove: string[];
}

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
export async function changeMetadata(
  client: RestClient,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  field: 'labels' | 'annotations',
  changes: MetadataChanges,
  overwrite: boolean,
): Promise<string> {
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

const LABEL_HELP = {
  long: [
    'Update the labels on a resource.',
    '',
    '  *  A label key and value must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters each.',
    "  *  Optionally, the key can begin with a DNS subdomain prefix and a single '/', like example.com/my-app.",
    '  *  If --overwrite is true, then existing labels can be overwritten, otherwise attempting to overwrite a label will result in an error.',
  ].join('\n'),
  usage: 'label [--overwrite] (TYPE NAME | TYPE/NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [options]',
  examples: [
    "  # Update pod 'foo' with the label 'unhealthy' and the value 'true'",
    '  kubectl label pods foo unhealthy=true',
    '',
    "  # Update pod 'foo' with the label 'status' and the value 'unhealthy', overwriting any existing value",
    '  kubectl label --overwrite pods foo status=unhealthy',
    '',
    "  # Update pod 'foo' by removing a label named 'bar' if it exists",
    '  # Does not require the --overwrite flag',
    '  kubectl label pods foo bar-',
  ].join('\n'),
};

const ANNOTATE_HELP = {
  long: [
    'Update the annotations on one or more resources.',
    '',
    ' All Kubernetes objects support the ability to store additional data with the object as annotations. Annotations are key/value pairs that can be larger than labels and include arbitrary string values such as structured JSON. Tools and system extensions may use annotations to store their own data.',
    '',
    ' Attempting to set an annotation that already exists will fail unless --overwrite is set.',
  ].join('\n'),
  usage: 'annotate [--overwrite] (TYPE NAME | TYPE/NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [options]',
  examples: [
    "  # Update pod 'foo' with the annotation 'description' and the value 'my frontend'",
    '  # If the same annotation is set multiple times, only the last value will be applied',
    "  kubectl annotate pods foo description='my frontend'",
    '',
    "  # Update pod 'foo' with the annotation 'description' and the value 'my frontend running nginx', overwriting any existing value",
    "  kubectl annotate --overwrite pods foo description='my frontend running nginx'",
    '',
    "  # Update pod 'foo' by removing an annotation named 'description' if it exists",
    '  # Does not require the --overwrite flag',
    '  kubectl annotate pods foo description-',
  ].join('\n'),
};

for (const [name, field] of [
  ['label', 'labels'],
  ['annotate', 'annotations'],
] as const) {
  registerCommand({
    name,
    summary: field === 'labels' ? 'Update the labels on a resource' : 'Update the annotations on a resource',
    ...(field === 'labels' ? LABEL_HELP : ANNOTATE_HELP),
    flags: [
      {
        name: 'overwrite',
        type: 'bool',
        usage: `If true, allow ${field} to be overwritten, otherwise reject ${field.slice(0, -1)} updates that overwrite existing ${field}.`,
      },
    ],
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
