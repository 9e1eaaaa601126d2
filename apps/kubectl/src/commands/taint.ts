/**
 * `kubectl taint nodes NAME key=value:Effect [key:Effect-] [key-]`: kubectl's parsing, its
 * refusal to replace a taint of the same key and effect without --overwrite, and its words
 * (`node/n1 tainted`, `untainted`, `modified`). The new taint list is written with a merge
 * patch carrying the resourceVersion read, so a concurrent change fails with a conflict
 * instead of being overwritten.
 */
import { checkLabelValue, checkQualifiedName } from '@skiff/api';
import type { KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf } from '../dry-run.ts';
import { CliError } from '../errors.ts';
import { printResult } from './patch.ts';

export interface Taint {
  key: string;
  value?: string;
  effect?: string;
  timeAdded?: string;
}

type NodeLike = KubeObject & { spec?: { taints?: Taint[] } };

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Parse failures kubectl reports as usage errors (with its pointer to -h). */
function usageError(message: string): CliError {
  return new CliError(`${message}\nSee 'kubectl taint -h' for help and examples`);
}

/** `key=value:Effect`, `key:Effect` or `key` (the last only to remove). */
export function parseTaint(spec: string): Taint {
  const parts = spec.split(':');
  if (parts.length > 2) throw usageError(`invalid taint spec: ${spec}`);
  let key = parts[0];
  let value: string | undefined;
  let effect: string | undefined;
  if (parts.length === 2) {
    effect = parts[1];
    if (!EFFECTS.includes(effect)) throw usageError(`invalid taint effect: ${effect}, unsupported taint effect`);
    const kv = parts[0].split('=');
    if (kv.length > 2) throw usageError(`invalid taint spec: ${spec}`);
    key = kv[0];
    if (kv.length === 2) {
      value = kv[1];
      const errs = checkLabelValue(value);
      if (errs.length > 0) throw usageError(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
    }
  }
  const errs = checkQualifiedName(key);
  if (errs.length > 0) throw usageError(`invalid taint spec: ${spec}, ${errs.join('; ')}`);
  return { key, ...(value ? { value } : {}), ...(effect ? { effect } : {}) };
}

/** Splits the taint arguments into those to add and those to remove (`...-`), as kubectl's parseTaints. */
export function parseTaints(specs: string[]): { add: Taint[]; remove: Taint[] } {
  const add: Taint[] = [];
  const remove: Taint[] = [];
  for (const spec of specs) {
    if (spec.endsWith('-')) {
      const { key, effect } = parseTaint(spec.slice(0, -1));
      remove.push({ key, ...(effect ? { effect } : {}) });
      continue;
    }
    const taint = parseTaint(spec);
    if (!taint.effect) throw usageError(`invalid taint spec: ${spec}`);
    if (add.some((t) => t.key === taint.key && t.effect === taint.effect)) {
      throw usageError(`duplicated taints with the same key and effect: {${taint.key} ${taint.value ?? ''} ${taint.effect} <nil>}`);
    }
    add.push(taint);
  }
  return { add, remove };
}

/** Go's Taint.ToString(), which kubectl's "not found" message quotes. */
function taintString(t: Taint): string {
  if (!t.effect) return t.value ? `${t.key}=${t.value}:` : t.key;
  return t.value ? `${t.key}=${t.value}:${t.effect}` : `${t.key}:${t.effect}`;
}

/** Removals that matched nothing: one is `error: taint "x" not found`, several print one bare line each, as kubectl's aggregate. */
export class TaintsNotFound extends CliError {
  readonly lines: string[];
  constructor(lines: string[]) {
    super(lines.join('\n'));
    this.lines = lines;
  }
}

const sameTaint = (a: Taint, b: Taint): boolean => a.key === b.key && a.effect === b.effect;

/**
 * The node's new taints and kubectl's word for the change (its reorganizeTaints): the
 * added taints first, then the old ones they do not replace, less the removed ones.
 */
export function updateTaints(nodeName: string, old: Taint[], add: Taint[], remove: Taint[], overwrite: boolean): { taints: Taint[]; operation: string } {
  if (!overwrite) {
    const existing = add.flatMap((t) => old.filter((o) => sameTaint(t, o)).map(() => t.key));
    if (existing.length > 0) throw new CliError(`node ${nodeName} already has ${existing.join(',')} taint(s) with same effect(s) and --overwrite is false`);
  }
  let taints = [...add, ...old.filter((o) => !add.some((t) => sameTaint(t, o)))];
  const added = old.length !== taints.length;
  const notFound: string[] = [];
  let removed = false;
  for (const r of remove) {
    const kept = taints.filter((t) => (r.effect ? !sameTaint(r, t) : t.key !== r.key));
    // As kubectl, "deleted" reflects the last removal only.
    removed = kept.length !== taints.length;
    if (!removed) notFound.push(`taint "${taintString(r)}" not found`);
    taints = kept;
  }
  if (notFound.length > 0) throw new TaintsNotFound(notFound);
  const operation = (added && removed) || overwrite ? 'modified' : added ? 'tainted' : 'untainted';
  return { taints, operation };
}

/** Splits arguments into resources and taint changes; every resource must come first. */
export function splitTaintArgs(args: string[]): { resources: string[]; taints: string[] } {
  const resources: string[] = [];
  const taints: string[] = [];
  for (const arg of args) {
    const isTaint = arg.includes('=') || arg.includes(':') || arg.endsWith('-');
    if (isTaint) taints.push(arg);
    else if (taints.length > 0) throw new CliError(`all resources must be specified before taint changes: ${arg}`);
    else resources.push(arg);
  }
  return { resources, taints };
}

async function runTaint(ctx: CommandContext, args: string[]): Promise<number> {
  const dryRun = dryRunOf(ctx.flags.string('dry-run'));
  const { resources, taints: specs } = splitTaintArgs(args);
  if (resources.length < 1) throw new CliError('one or more resources must be specified as <resource> <name>');
  if (specs.length < 1) throw new CliError('at least one taint update is required');
  const { add, remove } = parseTaints(specs);
  const [type, ...names] = resources;
  // `node/n1` names a node as `node n1` does.
  const slash = type.indexOf('/');
  const mapping = await ctx.resolve(slash < 0 ? type : type.slice(0, slash));
  if (slash >= 0) names.unshift(type.slice(slash + 1));
  if (mapping.kind !== 'Node') throw new CliError(`invalid resource type ${type.toLowerCase()}, only node types are supported`);
  const conflicts = add.flatMap((a) => remove.filter((r) => r.key === a.key && (!r.effect || r.effect === a.effect)).map((r) => `${r.key}=${r.effect ?? ''}`));
  if (conflicts.length > 0) throw new CliError(`can not both modify and remove the following taint(s) in the same command: ${conflicts.join(', ')}`);
  const all = ctx.flags.bool('all');
  const selector = ctx.flags.string('selector') ?? '';
  if (all && selector) throw new CliError("setting 'all' parameter with a non empty selector is prohibited");
  if (!all && !selector && names.length === 0) throw new CliError("at least one resource name must be specified since 'all' parameter is not set");

  const nodes: NodeLike[] =
    all || selector
      ? (await ctx.client.list<NodeLike>(mapping, undefined, { labelSelector: selector || undefined })).items
      : await Promise.all(names.map((name) => ctx.client.get<NodeLike>(mapping, undefined, name)));
  for (const node of nodes) {
    const name = node.metadata?.name ?? '';
    let update: ReturnType<typeof updateTaints>;
    try {
      update = updateTaints(name, node.spec?.taints ?? [], add, remove, ctx.flags.bool('overwrite'));
    } catch (err) {
      if (!(err instanceof TaintsNotFound) || err.lines.length === 1) throw err;
      ctx.err.write(`${err.lines.join('\n')}\n`);
      return 1;
    }
    const { taints, operation } = update;
    const changed: NodeLike = { ...node, spec: { ...node.spec, taints } };
    const written =
      dryRun === 'client'
        ? changed
        : await ctx.client.patch<NodeLike>(
            mapping,
            undefined,
            name,
            'merge',
            {
              metadata: { resourceVersion: node.metadata?.resourceVersion },
              spec: { taints: taints.length > 0 ? taints : null },
            },
            { dryRun: dryRun === 'server', fieldManager: ctx.flags.string('field-manager') },
          );
    printResult(ctx, mapping, written, operation);
  }
  return 0;
}

registerCommand({
  name: 'taint',
  summary: 'Update the taints on one or more nodes',
  long: [
    'Update the taints on one or more nodes.',
    '',
    '  *  A taint consists of a key, value, and effect. As an argument here, it is expressed as key=value:effect.',
    '  *  The key must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 253 characters.',
    "  *  Optionally, the key can begin with a DNS subdomain prefix and a single '/', like example.com/my-app.",
    '  *  The value is optional. If given, it must begin with a letter or number, and may contain letters, numbers, hyphens, dots, and underscores, up to 63 characters.',
    '  *  The effect must be NoSchedule, PreferNoSchedule or NoExecute.',
    '  *  Currently taint can only apply to node.',
  ].join('\n'),
  usage: 'taint NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N [options]',
  examples: [
    "  # Update node 'foo' with a taint with key 'dedicated' and value 'special-user' and effect 'NoSchedule'",
    '  # If a taint with that key and effect already exists, its value is replaced as specified',
    '  kubectl taint nodes foo dedicated=special-user:NoSchedule',
    '',
    "  # Remove from node 'foo' the taint with key 'dedicated' and effect 'NoSchedule' if one exists",
    '  kubectl taint nodes foo dedicated:NoSchedule-',
    '',
    "  # Remove from node 'foo' all the taints with key 'dedicated'",
    '  kubectl taint nodes foo dedicated-',
    '',
    "  # Add a taint with key 'dedicated' on nodes having label myLabel=X",
    '  kubectl taint node -l myLabel=X  dedicated=foo:PreferNoSchedule',
    '',
    "  # Add to node 'foo' a taint with key 'bar' and no value",
    '  kubectl taint nodes foo bar:NoSchedule',
  ].join('\n'),
  flags: [
    { name: 'overwrite', type: 'bool', usage: 'If true, allow taints to be overwritten, otherwise reject taint updates that overwrite existing taints.' },
    { name: 'all', type: 'bool', usage: 'Select all nodes in the cluster' },
    { name: 'field-manager', type: 'string', default: 'kubectl-taint', usage: 'Name of the manager used to track field ownership.' },
    {
      ...DRY_RUN_FLAG,
      default: 'none',
      usage:
        'Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.',
    },
  ],
  sharedFlags: ['output', 'selector'],
  run: runTaint,
});
