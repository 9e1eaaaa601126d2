/**
 * `kubectl delete`: by TYPE NAME..., TYPE/NAME, -f, -l or --all; prints
 * `deployment.apps "web" deleted` per object and, unless --wait=false, waits until each
 * object (that uid) is gone. --grace-period, --force/--now, --cascade, --ignore-not-found.
 */
import { ApiStatusError, type DeleteOptions, type KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError, formatError } from '../errors.ts';
import { parseDuration } from '../duration.ts';
import { kindPrefix, type ResourceMapping } from '../rest-mapper.ts';
import { namespaceFor, resolveFileTargets, resolveResourceArgs, type ResourceTarget } from '../resource-args.ts';

interface Victim {
  mapping: ResourceMapping;
  namespace: string | undefined;
  name: string;
  uid?: string;
}

function deleteOptions(ctx: CommandContext): DeleteOptions {
  let grace = ctx.flags.int('grace-period') ?? -1;
  if (ctx.flags.bool('now')) grace = 1;
  if (ctx.flags.bool('force')) {
    if (grace < 0) grace = 0;
    ctx.err.write(
      'Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n',
    );
  }
  const cascade = ctx.flags.string('cascade') ?? 'background';
  const policies: Record<string, DeleteOptions['propagationPolicy']> = {
    background: 'Background',
    foreground: 'Foreground',
    orphan: 'Orphan',
    true: 'Background',
    false: 'Orphan',
  };
  const propagationPolicy = policies[cascade];
  if (!propagationPolicy) throw new CliError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`);
  return { propagationPolicy, ...(grace >= 0 ? { gracePeriodSeconds: grace } : {}) };
}

/** Lists what -l / --all select, per target type. */
async function victimsOf(ctx: CommandContext, targets: ResourceTarget[]): Promise<Victim[]> {
  const victims: Victim[] = [];
  for (const t of targets) {
    if (t.names.length > 0) {
      t.names.forEach((name, i) => victims.push({ mapping: t.mapping, namespace: namespaceFor(ctx, t.mapping, t.namespaces?.[i]), name }));
      continue;
    }
    const list = await ctx.client.list(t.mapping, namespaceFor(ctx, t.mapping), {
      labelSelector: ctx.flags.string('selector'),
      fieldSelector: ctx.flags.string('field-selector'),
    });
    for (const item of list.items) {
      victims.push({ mapping: t.mapping, namespace: item.metadata?.namespace, name: item.metadata?.name ?? '', uid: item.metadata?.uid });
    }
  }
  return victims;
}

async function waitGone(ctx: CommandContext, victims: Victim[], timeoutMs: number): Promise<void> {
  const deadline = timeoutMs > 0 ? Date.now() + timeoutMs : Infinity;
  for (const v of victims) {
    for (;;) {
      let current: KubeObject;
      try {
        current = await ctx.client.get(v.mapping, v.namespace, v.name);
      } catch (err) {
        if (err instanceof ApiStatusError && err.code === 404) break;
        throw err;
      }
      // A new object under the same name is not the one we deleted.
      if (v.uid && current.metadata?.uid !== v.uid) break;
      if (Date.now() > deadline) throw new CliError(`timed out waiting for the condition on ${v.mapping.resource}/${v.name}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function runDelete(ctx: CommandContext, args: string[]): Promise<number> {
  const fromFiles = ctx.flags.list('filename').length > 0;
  const all = ctx.flags.bool('all');
  const selector = ctx.flags.string('selector') ?? ctx.flags.string('field-selector');
  let targets: ResourceTarget[];
  if (fromFiles) {
    if (args.length > 0) throw new CliError('resource(s) were provided, but no name was specified');
    targets = await resolveFileTargets(ctx);
  } else {
    if (args.length === 0)
      throw new CliError(
        "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
      );
    targets = await resolveResourceArgs(ctx, args);
    const named = targets.some((t) => t.names.length > 0);
    if (!named && !all && !selector) throw new CliError('resource(s) were provided, but no name was specified');
    if (named && (all || selector)) throw new CliError('name cannot be provided when a selector is specified');
  }
  const opts = deleteOptions(ctx);
  const victims = await victimsOf(ctx, targets);
  const deleted: Victim[] = [];
  let failures = 0;
  for (const v of victims) {
    try {
      const answer = await ctx.client.delete(v.mapping, v.namespace, v.name, opts);
      // The answer is the object (graceful/finalizers) or a Status; both may carry the uid.
      const uid = (answer as KubeObject).metadata?.uid ?? (answer as { details?: { uid?: string } }).details?.uid;
      deleted.push({ ...v, uid: v.uid ?? uid });
      ctx.out.write(`${kindPrefix(v.mapping)} "${v.name}" deleted\n`);
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      if (err.code === 404 && ctx.flags.bool('ignore-not-found')) continue;
      ctx.err.write(`${formatError(err)}\n`);
      failures++;
    }
  }
  if (victims.length === 0 && !fromFiles) ctx.out.write('No resources found\n');
  const wait = ctx.flags.has('wait') ? ctx.flags.bool('wait') : true;
  if (wait && deleted.length > 0) await waitGone(ctx, deleted, ctx.flags.string('timeout') ? parseDuration(ctx.flags.string('timeout')!) : 0);
  return failures > 0 ? 1 : 0;
}

registerCommand({
  name: 'delete',
  summary: 'Delete resources by file names, stdin, resources and names, or by resources and label selector',
  long: [
    'Delete resources by file names, stdin, resources and names, or by resources and label selector.',
    '',
    ' JSON and YAML formats are accepted. Only one type of argument may be specified: file names, resources and names, or resources and label selector.',
    '',
    ' Some resources, such as pods, support graceful deletion. These resources define a default period before they are forcibly terminated (the grace period) but you may override that value with the --grace-period flag, or pass --now to set a grace-period of 1. To force delete a resource, you must specify the --force flag.',
  ].join('\n'),
  usage: 'delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [options]',
  examples: [
    '  # Delete a pod using the type and name specified in pod.json',
    '  kubectl delete -f ./pod.json',
    '',
    '  # Delete a pod based on the type and name in the JSON passed into stdin',
    '  cat pod.json | kubectl delete -f -',
    '',
    '  # Delete pods and services with same names "baz" and "foo"',
    '  kubectl delete pod,service baz foo',
    '',
    '  # Delete pods and services with label name=myLabel',
    '  kubectl delete pods,services -l name=myLabel',
    '',
    '  # Delete a pod with minimal delay',
    '  kubectl delete pod foo --now',
    '',
    '  # Force delete a pod on a dead node',
    '  kubectl delete pod foo --force',
    '',
    '  # Delete all pods',
    '  kubectl delete pods --all',
  ].join('\n'),
  flags: [
    { name: 'all', type: 'bool', usage: 'Delete all resources, in the namespace of the specified resource types.' },
    { name: 'wait', type: 'bool', default: true, usage: 'If true, wait for resources to be gone before returning. This waits for finalizers.' },
    {
      name: 'grace-period',
      type: 'int',
      usage:
        'Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion).',
    },
    {
      name: 'force',
      type: 'bool',
      usage:
        'If true, immediately remove resources from API and bypass graceful deletion. Note that immediate deletion of some resources may result in inconsistency or data loss and requires confirmation.',
    },
    { name: 'now', type: 'bool', usage: 'If true, resources are signaled for immediate shutdown (same as --grace-period=1).' },
    {
      name: 'cascade',
      type: 'string',
      usage:
        'Must be "background", "orphan", or "foreground". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicationController). Defaults to background.',
    },
    { name: 'ignore-not-found', type: 'bool', usage: 'Treat "resource not found" as a successful delete. Defaults to "true" when --all is specified.' },
    {
      name: 'timeout',
      type: 'string',
      usage: 'The length of time to wait before giving up on a delete, zero means determine a timeout from the size of the object',
    },
  ],
  sharedFlags: ['filename', 'recursive', 'selector', 'field-selector', 'all-namespaces'],
  run: runDelete,
});
