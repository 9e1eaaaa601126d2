/**
 * `kubectl edit (TYPE NAME | TYPE/NAME | -f FILE) [-o yaml|json] [--output-patch] [--save-config]`:
 * writes the live object (managedFields stripped, as kubectl ≥ 1.21) under kubectl's comment
 * header to a temp file, runs `$KUBE_EDITOR`, else `$EDITOR`, else `vi` on it through `sh -c`
 * (so `EDITOR="code -w"` works), and sends the difference as a patch — strategic for built-in
 * kinds, JSON merge otherwise — carrying the read resourceVersion, so an edit of a stale copy
 * fails with a conflict instead of overwriting someone else's change.
 *
 * As kubectl: an unchanged file cancels ("Edit cancelled, no changes made."); an invalid
 * object or a syntax error re-opens the editor with the reasons as a comment block at the
 * top; saving that unchanged gives up ("error: Edit cancelled, no valid changes were saved.",
 * exit 1) and says where the copy of the changes is.
 */
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiVersionOf, createThreeWayMergePatch, patchMetaFor } from '@skiff/api';
import { ApiStatusError, isNotFound, type KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError } from '../errors.ts';
import { parseManifests } from '../manifests.ts';
import { toJson, toYaml } from '../printers/object-printer.ts';
import { displayName, type ResourceMapping } from '../rest-mapper.ts';
import { resolveFileTargets } from '../resource-args.ts';
import { withLastApplied } from './apply.ts';
import { NO_RESOURCES_GIVEN } from './expose.ts';
import { objectRef, resolveTargets } from './scale.ts';

export const EDIT_HEADER = [
  "# Please edit the object below. Lines beginning with a '#' will be ignored,",
  '# and an empty file will abort the edit. If an error occurs while saving this file will be',
  '# reopened with the relevant failures.',
  '#',
  '',
].join('\n');

/** One block of the header: `# head:` then `# * other` lines, then `#`. */
export interface EditReason {
  head: string;
  other?: string[];
}

/** kubectl's header with the reasons the last save failed. */
export function editHeader(reasons: EditReason[]): string {
  const hash = (text: string) => text.replaceAll('\n', '\n# ');
  let out = EDIT_HEADER;
  for (const r of reasons) {
    out += r.other?.length ? `# ${hash(r.head)}:\n` : `# ${hash(r.head)}\n`;
    for (const o of r.other ?? []) out += `# * ${hash(o)}\n`;
    out += '#\n';
  }
  return out;
}

/** Every line whose first non-blank character is '#' dropped (kubectl's StripComments). */
export function stripComments(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n');
}

/** Only the leading comment block dropped (kubectl's ManualStrip): what is re-opened after an error. */
export function stripHeader(text: string): string {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trimStart().startsWith('#')) i++;
  return lines.slice(i).join('\n');
}

/** The object as the editor shows it: no managedFields (kubectl ≥ 1.21). */
export function editableObject(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  if (copy.metadata) delete (copy.metadata as { managedFields?: unknown }).managedFields;
  return copy;
}

/**
 * The patch from `original` to `edited`: a two-way strategic merge patch (the three-way one
 * with the original as the live object), plus the read resourceVersion as a precondition.
 * Undefined when nothing changed.
 */
export function editPatch(original: KubeObject, edited: KubeObject, typeKey: string): Record<string, unknown> | undefined {
  const patch = createThreeWayMergePatch(original, edited, original, typeKey);
  if (Object.keys(patch).length === 0) return undefined;
  const metadata = (patch.metadata ?? {}) as Record<string, unknown>;
  return { ...patch, metadata: { ...metadata, resourceVersion: original.metadata?.resourceVersion } };
}

/** The editor command kubectl picks: $KUBE_EDITOR, $EDITOR, else vi. */
export function editorCommand(env: NodeJS.ProcessEnv): string {
  return env.KUBE_EDITOR?.trim() || env.EDITOR?.trim() || 'vi';
}

function launchEditor(editor: string, file: string): void {
  // Through the shell, as kubectl does, so "code -w" or "emacsclient -t" work.
  const result = spawnSync('sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
  if (result.error || result.status !== 0) throw new CliError(`there was a problem with the editor "${editor}"`);
}

type Target = { mapping: ResourceMapping; namespace: string | undefined; name: string };

async function targetsOf(ctx: CommandContext, args: string[]): Promise<Target[]> {
  if (ctx.flags.list('filename').length > 0) {
    return (await resolveFileTargets(ctx)).map((t) => ({
      mapping: t.mapping,
      name: t.names[0],
      namespace: t.mapping.namespaced ? (t.namespaces?.[0] ?? ctx.namespace) : undefined,
    }));
  }
  if (args.length === 0) throw new CliError(NO_RESOURCES_GIVEN);
  return (await resolveTargets((a) => ctx.resolve(a), args)).map(({ res, name }) => ({
    mapping: res,
    name,
    namespace: res.namespaced ? ctx.namespace : undefined,
  }));
}

/** What a failed save adds to the header (Invalid), or undefined when the edit must stop. */
function reasonFor(err: ApiStatusError, resource: string, name: string): EditReason | undefined {
  if (err.reason !== 'Invalid') return undefined;
  const causes = err.status.details?.causes ?? [];
  return { head: `${resource} "${name}" was not valid`, other: causes.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`) };
}

/** One object through the edit loop; answers the exit code. */
async function editOne(ctx: CommandContext, target: Target, env: NodeJS.ProcessEnv): Promise<number> {
  const { mapping, namespace, name } = target;
  const json = ctx.flags.string('output') === 'json';
  const format = ctx.flags.string('output') ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new CliError(`the edit mode "${format}" is not supported: use yaml or json`);
  const original = editableObject(await ctx.client.get<KubeObject>(mapping, namespace, name));
  const originalText = json ? toJson(original) : toYaml(original);
  const file = join(tmpdir(), `kubectl-edit-${randomInt(2 ** 32)}.${format}`);
  const resource = displayName(mapping);
  const editor = editorCommand(env);
  let reasons: EditReason[] = [];
  let edited = '';
  for (;;) {
    const written = reasons.length === 0 ? EDIT_HEADER + originalText : editHeader(reasons) + stripHeader(edited);
    writeFileSync(file, written, { mode: 0o600 });
    launchEditor(editor, file);
    edited = readFileSync(file, 'utf8');
    if (reasons.length > 0 && stripComments(edited) === stripComments(written)) {
      ctx.err.write(`A copy of your changes has been stored to "${file}"\n`);
      throw new CliError('Edit cancelled, no valid changes were saved.');
    }
    if (stripComments(edited) === stripComments(EDIT_HEADER + originalText)) {
      rmSync(file, { force: true });
      ctx.err.write('Edit cancelled, no changes made.\n');
      return 0;
    }
    if (stripComments(edited).trim() === '') {
      rmSync(file, { force: true });
      ctx.err.write('Edit cancelled, saved file was empty.\n');
      return 0;
    }
    let obj: KubeObject;
    try {
      const docs = parseManifests(stripComments(edited), file);
      if (docs.length !== 1) throw new CliError(`expected one object, found ${docs.length}`);
      obj = docs[0].object;
    } catch (err) {
      // kubectl ≥ 1.27 reports a file it cannot decode as the object's validation failure.
      const message = (err as Error).message.replace(/^.*error converting YAML to JSON: /, '');
      ctx.err.write(`error: ${resource} "${name}" is invalid\n`);
      reasons = [{ head: `${resource} "${name}" was not valid`, other: [`<nil>: Invalid value: "The edited file failed validation": ${message}`] }];
      continue;
    }
    if (obj.apiVersion !== original.apiVersion || obj.kind !== original.kind || obj.metadata?.name !== original.metadata?.name) {
      reasons = [{ head: 'At least one of apiVersion, kind and name was changed' }];
      continue;
    }
    if (ctx.flags.bool('save-config')) obj = withLastApplied(obj);
    const typeKey = `${apiVersionOf(mapping)}/${mapping.kind}`;
    const patch = editPatch(original, obj, typeKey);
    if (!patch) {
      rmSync(file, { force: true });
      ctx.out.write(`${objectRef(mapping, name)} skipped\n`);
      return 0;
    }
    if (ctx.flags.bool('output-patch')) ctx.out.write(`Patch: ${JSON.stringify(patch)}\n`);
    try {
      await ctx.client.patch(mapping, namespace, name, patchMetaFor(typeKey) ? 'strategic' : 'merge', patch, { fieldManager: 'kubectl-edit' });
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      const reason = reasonFor(err, resource, name);
      if (reason) {
        ctx.err.write(`error: ${resource} "${name}" is invalid\n`);
        reasons = [reason];
        continue;
      }
      if (isNotFound(err)) {
        ctx.err.write(`error: ${resource} "${name}" could not be found on the server\n`);
        ctx.err.write(`The edits you made on deleted resources have been saved to "${file}"\n`);
        return 1;
      }
      ctx.err.write(`error: ${resource} "${name}" could not be patched: ${err.status.message ?? err.message}\n`);
      ctx.err.write(`You can run \`kubectl replace -f ${file}\` to try this update again.\n`);
      return 1;
    }
    rmSync(file, { force: true });
    ctx.out.write(`${objectRef(mapping, name)} edited\n`);
    return 0;
  }
}

registerCommand({
  name: 'edit',
  summary: 'Edit a resource on the server',
  long: [
    'Edit a resource from the default editor.',
    '',
    'The edit command allows you to directly edit any API resource you can retrieve via the command-line tools. It will open the editor defined by your KUBE_EDITOR, or EDITOR environment variables, or fall back to \'vi\' for Linux. The editor is run through the shell, so an editor with arguments (EDITOR="code -w") works. You can edit multiple objects one after the other. Changes are sent as a patch guarded by the resourceVersion you read.',
    '',
    'The default format is YAML. To edit in JSON, specify "-o json".',
    '',
    'In the event an error occurs while updating, the editor is opened again with the reasons at the top. A file that is saved unchanged after an error cancels the edit, and a copy of your changes is kept in a temporary file.',
  ].join('\n'),
  usage: 'edit (RESOURCE/NAME | -f FILENAME) [options]',
  examples: [
    "  # Edit the service named 'registry'",
    '  kubectl edit svc/registry',
    '',
    '  # Use an alternative editor',
    '  KUBE_EDITOR="nano" kubectl edit svc/registry',
    '',
    "  # Edit the deployment 'mydeployment' in YAML and save the modified config in its annotation",
    '  kubectl edit deployment/mydeployment -o yaml --save-config',
  ].join('\n'),
  flags: [
    { name: 'output-patch', type: 'bool', usage: 'Output the patch if the resource is edited.' },
    {
      name: 'save-config',
      type: 'bool',
      usage:
        'If true, the configuration of current object will be saved in its annotation. Otherwise, the annotation will be unchanged. This flag is useful when you want to perform kubectl apply on this object in the future.',
    },
  ],
  async run(ctx, args) {
    const targets = await targetsOf(ctx, args);
    // One after the other (upstream gathers them in one List; each here gets its own file).
    let code = 0;
    for (const target of targets) code = Math.max(code, await editOne(ctx, target, process.env));
    return code;
  },
});
