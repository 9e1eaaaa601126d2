/**
 * `kubectl diff -f FILE [-R] [--server-side]`: for each object, the live version and the
 * version `kubectl apply` would leave (the server's answer to apply's own request sent
 * with dryRun=All: the client-side three-way strategic patch, a create when the object is
 * absent, or with --server-side the apply patch) as YAML in two temp dirs named as
 * kubectl names them (LIVE-xxxx/apps.v1.Deployment.default.web, MERGED-xxxx/...), compared
 * with `$KUBECTL_EXTERNAL_DIFF` or `diff -u -N`. managedFields are left out and Secret
 * values masked unless asked. Exit 0: no differences, 1: differences, >1: an error
 * (kubectl's convention). metadata.generation is kept, as kubectl keeps it: the dry run
 * bumps it whenever the spec changes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiVersionOf, createThreeWayMergePatch } from '@skiff/api';
import { isNotFound, type KubeObject, type RestClient } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError, formatError } from '../errors.ts';
import { readManifests } from '../manifests.ts';
import { toYaml } from '../printers/object-printer.ts';
import type { ResourceMapping } from '../rest-mapper.ts';
import { APPLY_FIELD_MANAGER, LAST_APPLIED_ANNOTATION } from './apply.ts';

export interface DiffOptions {
  serverSide: boolean;
  forceConflicts: boolean;
  fieldManager?: string;
}

/** kubectl's file name for an object: `[group.]version.Kind.namespace.name`. */
export function diffFileName(mapping: Pick<ResourceMapping, 'group' | 'version' | 'kind'>, namespace: string, name: string): string {
  return `${mapping.group ? `${mapping.group}.` : ''}${mapping.version}.${mapping.kind}.${namespace}.${name}`;
}

/** What apply would leave: the server's dry-run answer to apply's request (the live object when the patch is empty). */
export async function mergedObject(
  client: RestClient,
  mapping: ResourceMapping,
  namespace: string | undefined,
  local: KubeObject,
  live: KubeObject | undefined,
  opts: DiffOptions,
): Promise<KubeObject> {
  const name = local.metadata?.name ?? '';
  if (opts.serverSide) {
    return client.patch(mapping, namespace, name, 'apply', local, {
      fieldManager: opts.fieldManager ?? APPLY_FIELD_MANAGER,
      force: opts.forceConflicts || undefined,
      dryRun: true,
    });
  }
  if (!live) return client.create(mapping, local, { namespace, dryRun: true });
  // kubectl's GetModifiedConfiguration(annotate=false): the manifest without the annotation.
  // Like kubectl, annotations become {} rather than vanish: the recorded configuration
  // usually says `annotations: {}`, and a missing key would read as "delete them all".
  const modified = structuredClone(local);
  const annotations = { ...modified.metadata?.annotations };
  delete annotations[LAST_APPLIED_ANNOTATION];
  modified.metadata = { ...modified.metadata, annotations };
  const originalText = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  let original: unknown;
  try {
    original = originalText ? JSON.parse(originalText) : undefined;
  } catch {
    original = undefined;
  }
  const patch = createThreeWayMergePatch(original, modified, live, `${apiVersionOf(mapping)}/${mapping.kind}`);
  if (Object.keys(patch).length === 0) return live;
  return client.patch(mapping, namespace, name, 'strategic', patch, { dryRun: true });
}

function withoutManagedFields(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  if (copy.metadata) delete copy.metadata.managedFields;
  return copy;
}

/** kubectl's Masker: Secret data values print as `***`, or `*** (before)`/`*** (after)` when they differ. */
export function maskSecrets(from: KubeObject | undefined, to: KubeObject): [KubeObject | undefined, KubeObject] {
  const fromData = (from as { data?: Record<string, string> } | undefined)?.data;
  const toData = (to as { data?: Record<string, string> }).data;
  const mask = (data: Record<string, string> | undefined, other: Record<string, string> | undefined, suffix: string): Record<string, string> | undefined =>
    data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, other && k in other && other[k] !== v ? `*** (${suffix})` : '***']));
  const maskedFrom = from && ({ ...from, ...(fromData ? { data: mask(fromData, toData, 'before') } : {}) } as KubeObject);
  const maskedTo = { ...to, ...(toData ? { data: mask(toData, fromData, 'after') } : {}) } as KubeObject;
  return [maskedFrom, maskedTo];
}

/** `diff -u -N from to`, or $KUBECTL_EXTERNAL_DIFF with its safe extra words after the dirs (kubectl's order). */
export function diffCommand(env: NodeJS.ProcessEnv, from: string, to: string): [string, string[]] {
  const external = env.KUBECTL_EXTERNAL_DIFF;
  if (!external) return ['diff', ['-u', '-N', from, to]];
  const [program, ...extra] = external.split(' ');
  return [program, [from, to, ...extra.filter((a) => /^[a-zA-Z0-9-=]+$/.test(a))]];
}

function runDiffProgram(ctx: CommandContext, from: string, to: string): Promise<number> {
  const [program, args] = diffCommand(process.env, from, to);
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => ctx.out.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => ctx.err.write(chunk));
    child.on('error', (err) => reject(new CliError(`failed to run "${program}": ${err.message}`)));
    child.on('close', (code) => {
      if (code === 0 || code === 1) resolve(code);
      else reject(new CliError(`failed to run "${program}": exit status ${code ?? 'signal'}`));
    });
  });
}

async function diffObjects(ctx: CommandContext, liveDir: string, mergedDir: string): Promise<void> {
  const opts: DiffOptions = {
    serverSide: ctx.flags.bool('server-side'),
    forceConflicts: ctx.flags.bool('force-conflicts'),
    fieldManager: ctx.flags.string('field-manager'),
  };
  const manifests = await readManifests(ctx.flags.list('filename'), { recursive: ctx.flags.bool('recursive'), stdin: ctx.stdin });
  for (const { object } of manifests) {
    const mapping = await ctx.resolveKind(object.apiVersion ?? '', object.kind ?? '');
    const namespace = mapping.namespaced ? (object.metadata?.namespace ?? ctx.namespace) : undefined;
    const name = object.metadata?.name ?? '';
    let live: KubeObject | undefined;
    try {
      live = await ctx.client.get(mapping, namespace, name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    let merged = await mergedObject(ctx.client, mapping, namespace, object, live, opts);
    let shown = live;
    if (!ctx.flags.bool('show-managed-fields')) {
      shown = shown && withoutManagedFields(shown);
      merged = withoutManagedFields(merged);
    }
    if (mapping.group === '' && mapping.version === 'v1' && mapping.kind === 'Secret' && !ctx.flags.bool('show-secrets'))
      [shown, merged] = maskSecrets(shown, merged);
    const file = diffFileName(mapping, namespace ?? '', name);
    if (shown) writeFileSync(join(liveDir, file), toYaml(shown));
    writeFileSync(join(mergedDir, file), toYaml(merged));
  }
}

async function runDiff(ctx: CommandContext, args: string[]): Promise<number> {
  // kubectl diff: every failure exits >1, since 1 means "differences found".
  const liveDir = mkdtempSync(join(tmpdir(), 'LIVE-'));
  const mergedDir = mkdtempSync(join(tmpdir(), 'MERGED-'));
  try {
    if (args.length > 0) throw new CliError(`Unexpected args: [${args.join(' ')}]`);
    if (ctx.flags.list('filename').length === 0) throw new CliError('must specify one of -f and -k');
    await diffObjects(ctx, liveDir, mergedDir);
    return await runDiffProgram(ctx, liveDir, mergedDir);
  } catch (err) {
    ctx.err.write(`${formatError(err)}\n`);
    return 2;
  } finally {
    rmSync(liveDir, { recursive: true, force: true });
    rmSync(mergedDir, { recursive: true, force: true });
  }
}

registerCommand({
  name: 'diff',
  summary: 'Diff the live version against a would-be applied version',
  long: `Diff configurations specified by file name or stdin between the current online configuration, and the configuration as it would be if applied.

 The output is always YAML.

 KUBECTL_EXTERNAL_DIFF environment variable can be used to select your own diff command. Users can use external commands with params too, example: KUBECTL_EXTERNAL_DIFF="colordiff -N -u"

 By default, the "diff" command available in your path will be run with the "-u" (unified diff) and "-N" (treat absent files as empty) options.

 Exit status:
 0 No differences were found.
 1 Differences were found.
 >1 Kubectl or diff failed with an error.

 Note: KUBECTL_EXTERNAL_DIFF, if used, is expected to follow that convention.`,
  usage: 'diff -f FILENAME',
  examples: `  # Diff resources included in pod.json
  kubectl diff -f pod.json

  # Diff file read from stdin
  cat service.yaml | kubectl diff -f -`,
  flags: [
    { name: 'server-side', type: 'bool', usage: 'If true, apply runs in the server instead of the client.' },
    { name: 'force-conflicts', type: 'bool', usage: 'If true, server-side apply will force the changes against conflicts.' },
    { name: 'field-manager', type: 'string', usage: 'Name of the manager used to track field ownership.' },
    { name: 'show-managed-fields', type: 'bool', usage: 'If true, include managed fields in the diff.' },
    { name: 'show-secrets', type: 'bool', usage: 'If true, do not mask secret values in the diff.' },
  ],
  run: runDiff,
});
