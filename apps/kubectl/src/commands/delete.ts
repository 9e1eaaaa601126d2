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

interface Victim { mapping: ResourceMapping; namespace: string | undefined; name: string; uid?: string }

function deleteOptions(ctx: CommandContext): DeleteOptions {
  let grace = ctx.flags.int('grace-period') ?? -1;
  if (ctx.flags.bool('now')) grace = 1;
  if (ctx.flags.bool('force')) {
    if (grace < 0) grace = 0;
    ctx.err.write('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
  }
  const cascade = ctx.flags.string('cascade') ?? 'background';
  const policies: Record<string, DeleteOptions['propagationPolicy']> = { background: 'Background', foreground: 'Foreground', orphan: 'Orphan', true: 'Background', false: 'Orphan' };
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
    if (args.length === 0) throw new CliError('You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   \'-f rsrc.yaml\'\n   \'--filename=rsrc.json\'\n   \'<resource> <name>\'\n   \'<resource>\'');
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
  flags: [
    { name: 'all', type: 'bool' },
    { name: 'wait', type: 'bool', default: true },
    { name: 'grace-period', type: 'int' },
    { name: 'force', type: 'bool' },
    { name: 'now', type: 'bool' },
    { name: 'cascade', type: 'string' },
    { name: 'ignore-not-found', type: 'bool' },
    { name: 'timeout', type: 'string' },
  ],
  run: runDelete,
});
