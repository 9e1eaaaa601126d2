import { apiVersionOf, createThreeWayMergePatch, findResourceByKind, type ResourceInfo } from '@skiff/api';
import { isNotFound, type KubeObject, type RestClient } from '@skiff/client';
import { registerCommand } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf, type DryRun } from '../dry-run.ts';
import { CliError, formatError } from '../errors.ts';
import { fieldValidationOf, VALIDATE_FLAG, type FieldValidation } from '../field-validation.ts';
import { readManifests } from '../manifests.ts';
import { objectRef } from './scale.ts';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
export const APPLY_FIELD_MANAGER = 'kubectl';

export interface ApplyOptions {
  /** Namespace for namespaced objects whose manifest names none. */
  namespace: string;
  serverSide?: boolean;
  /** Server-side apply: take over fields other managers own. */
  forceConflicts?: boolean;
  /** Server-side apply's manager name (default kubectl). */
  fieldManager?: string;
  dryRun?: DryRun;
  /** Unknown fields (kubectl's --validate): Strict unless asked otherwise. */
  fieldValidation?: FieldValidation;
  /** Looks a kind up when the built-in table does not know it (defaults to the table). */
  resolve?: (apiVersion: string, kind: string) => Promise<ResourceInfo>;
}

type ApplyResult = 'created' | 'configured' | 'unchanged' | 'serverside-applied';

/**
 * Applies one manifest object as `kubectl apply` does and answers kubectl's line,
 * `deployment.apps/web created|configured|unchanged`.
 *
 * Client-side (the default): absent objects are created carrying the
 * last-applied-configuration annotation; present ones get the three-way strategic merge
 * patch between that annotation (original), the manifest plus its new annotation
 * (modified) and the live object (current). Server-side: one apply patch, fieldManager
 * kubectl, and the server merges by field ownership.
 */
export async function applyObject(client: RestClient, obj: KubeObject, opts: ApplyOptions): Promise<string> {
  const { apiVersion, kind } = obj;
  const name = obj.metadata?.name;
  if (!apiVersion || !kind) throw new CliError('manifest object is missing apiVersion or kind');
  const res = opts.resolve ? await opts.resolve(apiVersion, kind) : findResourceByKind(apiVersion, kind);
  if (!res) throw new CliError(`resource mapping not found for kind "${kind}" in version "${apiVersion}"`);
  const namespace = res.namespaced ? (obj.metadata?.namespace ?? opts.namespace) : undefined;
  // kubectl finds out when it GETs the live object: the same words, after the kind was mapped.
  if (!name) {
    const gv = `${res.group}/${res.version}`;
    throw new CliError(
      `error when retrieving current configuration of:\nResource: "${gv}, Resource=${res.resource}", GroupVersionKind: "${gv}, Kind=${kind}"\nName: "", Namespace: "${namespace ?? ''}"\nfrom server: resource name may not be empty`,
    );
  }
  const dryRun = opts.dryRun ?? 'none';
  const suffix = dryRun === 'none' ? '' : dryRun === 'server' ? ' (server dry run)' : ' (dry run)';
  const result = opts.serverSide
    ? await applyServerSide(client, res, namespace, name, obj, opts)
    : await applyClientSide(client, res, namespace, name, obj, dryRun, opts.fieldValidation ?? 'Strict');
  return `${objectRef(res, name)} ${result}${suffix}`;
}

async function applyServerSide(
  client: RestClient,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  obj: KubeObject,
  opts: ApplyOptions,
): Promise<ApplyResult> {
  if (opts.dryRun === 'client') return 'serverside-applied';
  // JSON is YAML: the client's JSON body is a valid apply-patch+yaml document.
  await client.patch(res, namespace, name, 'apply', obj, {
    fieldManager: opts.fieldManager ?? APPLY_FIELD_MANAGER,
    force: opts.forceConflicts || undefined,
    dryRun: opts.dryRun === 'server',
    fieldValidation: opts.fieldValidation ?? 'Strict',
  });
  return 'serverside-applied';
}

async function applyClientSide(
  client: RestClient,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  obj: KubeObject,
  dryRun: DryRun,
  fieldValidation: FieldValidation,
): Promise<ApplyResult> {
  const modified = withLastApplied(obj);
  let current: KubeObject;
  try {
    current = await client.get(res, namespace, name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    if (dryRun !== 'client') await client.create(res, modified, { namespace, dryRun: dryRun === 'server', fieldValidation });
    return 'created';
  }
  const originalText = current.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  const original = originalText ? parseLastApplied(originalText) : undefined;
  const patch = createThreeWayMergePatch(original, modified, current, `${apiVersionOf(res)}/${res.kind}`);
  if (Object.keys(patch).length === 0) return 'unchanged';
  if (dryRun !== 'client') await client.patch(res, namespace, name, 'strategic', patch, { dryRun: dryRun === 'server', fieldValidation });
  return 'configured';
}

/**
 * The manifest as kubectl stores it: its own JSON (without the annotation itself) in the
 * last-applied annotation, so the next apply knows which fields the user set.
 */
export function withLastApplied(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  const annotations = { ...(copy.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED_ANNOTATION];
  const recorded = structuredClone(copy);
  recorded.metadata = { ...recorded.metadata, annotations };
  if (Object.keys(annotations).length === 0) delete recorded.metadata.annotations;
  copy.metadata = { ...copy.metadata, annotations: { ...annotations, [LAST_APPLIED_ANNOTATION]: `${JSON.stringify(recorded)}\n` } };
  return copy;
}

function parseLastApplied(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // A corrupt annotation: behave as if there were none (no deletions), like a first apply.
    return undefined;
  }
}

registerCommand({
  name: 'apply',
  summary: 'Apply a configuration to a resource by file name or stdin',
  long: [
    "Apply a configuration to a resource by file name or stdin. The resource name must be specified. This resource will be created if it doesn't exist yet. To use 'apply', always create the resource initially with 'apply'.",
    '',
    ' JSON and YAML formats are accepted.',
  ].join('\n'),
  usage: 'apply -f FILENAME [options]',
  examples: [
    '  # Apply the configuration in pod.json to a pod',
    '  kubectl apply -f ./pod.json',
    '',
    '  # Apply the JSON passed into stdin to a pod',
    '  cat pod.json | kubectl apply -f -',
    '',
    '  # Apply every manifest in a directory and its subdirectories',
    '  kubectl apply -R -f ./manifests/',
    '',
    '  # Apply server-side, taking ownership of conflicting fields',
    '  kubectl apply --server-side --force-conflicts -f app.yaml',
  ].join('\n'),
  flags: [
    { name: 'server-side', type: 'bool', usage: 'If true, apply runs in the server instead of the client.' },
    { name: 'force-conflicts', type: 'bool', usage: 'If true, server-side apply will force the changes against conflicts.' },
    { name: 'field-manager', type: 'string', usage: 'Name of the manager used to track field ownership.' },
    DRY_RUN_FLAG,
    VALIDATE_FLAG,
  ],
  sharedFlags: ['filename', 'recursive'],
  async run(ctx, args) {
    if (args.length > 0) throw new CliError(`Unexpected args: [${args.join(' ')}]`);
    const filenames = ctx.flags.list('filename');
    if (filenames.length === 0) throw new CliError('must specify one of -f and -k');
    const dryRun = dryRunOf(ctx.flags.string('dry-run'));
    const fieldValidation = fieldValidationOf(ctx.flags.string('validate'));
    const manifests = await readManifests(filenames, { recursive: ctx.flags.bool('recursive'), stdin: ctx.stdin });
    let failed = false;
    // Like kubectl: one object's failure is reported and the rest are still applied.
    for (const { object } of manifests) {
      try {
        const line = await applyObject(ctx.client, object, {
          namespace: ctx.namespace,
          serverSide: ctx.flags.bool('server-side'),
          forceConflicts: ctx.flags.bool('force-conflicts'),
          fieldManager: ctx.flags.string('field-manager'),
          dryRun,
          fieldValidation,
          resolve: (apiVersion, kind) => ctx.resolveKind(apiVersion, kind),
        });
        ctx.out.write(`${line}\n`);
      } catch (err) {
        if (manifests.length === 1) throw err;
        ctx.err.write(`${formatError(err)}\n`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
});
