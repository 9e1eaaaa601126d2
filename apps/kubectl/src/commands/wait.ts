/**
 * `kubectl wait (TYPE NAME | TYPE/NAME | TYPE -l SEL | TYPE --all | -f FILE)
 * --for=condition=Ready[=false] | --for=delete | --for=jsonpath='{.status.phase}'=Running`:
 * lists each object by name and then watches it from the listed revision (no polling) until
 * the condition holds, printing `pod/x condition met` per object and condition, as kubectl
 * does for every --for including delete. --timeout (30s) is one deadline for the whole
 * command, -1 a week, 0 one look: `error: timed out waiting for the condition on pods/x`.
 */
import { qualifiedResource, type Status } from '@skiff/api';
import { ApiStatusError, type KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { parseDuration } from '../duration.ts';
import { CliError } from '../errors.ts';
import { evaluatePath, parseTemplate } from '../printers/jsonpath.ts';
import type { ResourceMapping } from '../rest-mapper.ts';
import { namespaceFor, resolveFileTargets, resolveResourceArgs } from '../resource-args.ts';
import { printResult } from './patch.ts';

export type WaitFor = { kind: 'delete' } | { kind: 'condition'; name: string; value: string } | { kind: 'jsonpath'; expression: string; value?: string };

const WEEK_MS = 168 * 3_600_000;

/** One --for value, as kubectl's conditionFuncsFor reads it. */
export function parseWaitFor(spec: string): WaitFor {
  if (spec.toLowerCase() === 'delete') return { kind: 'delete' };
  if (spec.startsWith('condition=')) {
    const rest = spec.slice('condition='.length);
    const eq = rest.indexOf('=');
    return eq < 0 ? { kind: 'condition', name: rest, value: 'true' } : { kind: 'condition', name: rest.slice(0, eq), value: rest.slice(eq + 1) };
  }
  if (spec.startsWith('jsonpath=')) {
    const parts = splitJsonPathInput(spec.slice('jsonpath='.length));
    if (parts.length > 2)
      throw new CliError("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'");
    const expression = relaxedJsonPath(parts[0]);
    parseTemplate(expression); // a malformed expression fails now, not at the first event
    if (parts.length === 1) return { kind: 'jsonpath', expression };
    const value = parts[1].replace(/^['"]+|['"]+$/g, '');
    if (!value) throw new CliError("jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3");
    return { kind: 'jsonpath', expression, value };
  }
  throw new CliError(`unrecognized condition: "${spec}"`);
}

/** Splits on single '=' only: `==` inside a filter stays part of the expression. */
export function splitJsonPathInput(input: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '=') cur += input[i];
    else if (input[i + 1] === '=') cur += input[i++] + '=';
    else {
      out.push(cur);
      cur = '';
    }
  }
  return [...out, cur];
}

/** kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b`, `{a.b}` and `{.a.b}` all mean `{.a.b}`. */
export function relaxedJsonPath(expression: string): string {
  if (!expression) throw new CliError('jsonpath expression cannot be empty');
  const m = /^\{\.?([^{}]+)\}$|^\.?([^{}]+)$/.exec(expression);
  if (!m) throw new CliError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'");
  return `{.${m[1] ?? m[2]}}`;
}

type ObjectWithStatus = KubeObject & { status?: { conditions?: Array<Record<string, unknown>>; observedGeneration?: number } };

/**
 * The condition named (case-insensitively) has the status wanted (case-insensitively), and
 * is not stale: a condition observed for an older generation does not count.
 */
export function isConditionMet(obj: ObjectWithStatus, name: string, value: string): boolean {
  for (const c of obj.status?.conditions ?? []) {
    if (typeof c.type !== 'string' || c.type.toLowerCase() !== name.toLowerCase() || typeof c.status !== 'string') continue;
    const generation = obj.metadata?.generation;
    const observed = typeof c.observedGeneration === 'number' ? c.observedGeneration : obj.status?.observedGeneration;
    if (generation !== undefined && observed !== undefined && observed < generation) return false;
    return c.status.toLowerCase() === value.toLowerCase();
  }
  return false;
}

/** The expression finds exactly one primitive equal to `value` (or anything at all, without one). */
export function isJsonPathMet(obj: KubeObject, expression: string, value: string | undefined): boolean {
  const exprs = parseTemplate(expression).filter((n) => n.kind === 'expr');
  if (exprs.length > 1) throw new CliError('given jsonpath expression matches more than one list');
  const found = exprs.length === 0 ? [] : evaluatePath(obj, (exprs[0] as { steps: Parameters<typeof evaluatePath>[1] }).steps);
  if (found.length === 0) return false;
  if (found.length > 1) throw new CliError('given jsonpath expression matches more than one value');
  if (value === undefined) return true;
  if (found[0] !== null && typeof found[0] === 'object') throw new CliError('jsonpath leads to a nested object or list which is not supported');
  return String(found[0] ?? '<nil>').trim() === value.trim();
}

interface Target {
  mapping: ResourceMapping;
  namespace: string | undefined;
  name: string;
  object: KubeObject;
}

class Deadline {
  readonly signal: AbortSignal;
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
    this.signal = AbortSignal.timeout(Math.max(ms, 1));
  }
  timedOut(t: Target): CliError {
    return new CliError(`timed out waiting for the condition on ${t.mapping.resource}/${t.name}`);
  }
}

function notFound(t: Pick<Target, 'mapping' | 'name'>): ApiStatusError {
  const status: Status = {
    apiVersion: 'v1',
    kind: 'Status',
    status: 'Failure',
    reason: 'NotFound',
    code: 404,
    message: `${qualifiedResource(t.mapping)} "${t.name}" not found`,
  };
  return new ApiStatusError(status);
}

const is404 = (err: unknown): boolean => err instanceof ApiStatusError && err.code === 404;

/**
 * Lists the one object by name, then watches it from that revision until `done(event)`
 * says so; a watch that ends (server timeout, 410 Gone) lists again. Answers the object.
 */
async function watchUntil(
  ctx: CommandContext,
  t: Target,
  deadline: Deadline,
  done: (type: string, obj: KubeObject | undefined) => boolean,
  onError: string,
): Promise<KubeObject | undefined> {
  const fieldSelector = `metadata.name=${t.name}`;
  const signal = deadline.signal;
  try {
    for (;;) {
      const list = await ctx.client.list(t.mapping, t.namespace, { fieldSelector, signal });
      const current = list.items[0];
      if (done('LIST', current)) return current;
      for await (const ev of ctx.client.watch(t.mapping, t.namespace, { fieldSelector, resourceVersion: list.metadata.resourceVersion, signal })) {
        if (ev.type === 'ERROR') {
          if (ev.object.code === 410) break;
          ctx.err.write(`error: An error occurred while ${onError}: ${ev.object.message ?? ''}\n`);
          continue;
        }
        if (ev.type !== 'BOOKMARK' && done(ev.type, ev.object)) return ev.object;
      }
      if (signal.aborted) throw deadline.timedOut(t);
    }
  } catch (err) {
    if (signal.aborted && !(err instanceof CliError)) throw deadline.timedOut(t);
    throw err;
  }
}

async function waitForDelete(ctx: CommandContext, t: Target, deadline: Deadline): Promise<KubeObject> {
  let current: KubeObject;
  try {
    current = await ctx.client.get(t.mapping, t.namespace, t.name);
  } catch (err) {
    if (is404(err)) return t.object;
    throw err;
  }
  const uid = t.object.metadata?.uid;
  if (uid && current.metadata?.uid !== uid) return current;
  if (deadline.ms === 0) throw new CliError(`condition not met for ${t.mapping.resource}/${t.name}`);
  await watchUntil(
    ctx,
    t,
    deadline,
    (type, obj) => {
      if (type === 'DELETED') return true;
      // Gone when listed, or replaced by a new object of the same name.
      return type === 'LIST' && (!obj || (uid !== undefined && obj.metadata?.uid !== uid));
    },
    'waiting for the object to be deleted',
  );
  return current;
}

async function waitForState(ctx: CommandContext, t: Target, deadline: Deadline, check: (obj: KubeObject) => boolean): Promise<KubeObject> {
  if (deadline.ms === 0) {
    const obj = await ctx.client.get(t.mapping, t.namespace, t.name);
    if (!check(obj)) throw new CliError(`condition not met for ${t.mapping.resource}/${t.name}`);
    return obj;
  }
  const found = await watchUntil(
    ctx,
    t,
    deadline,
    (type, obj) => {
      if (type === 'LIST' && !obj) throw notFound(t);
      // A deleted object keeps the wait going: it may come back.
      return type !== 'DELETED' && obj !== undefined && check(obj);
    },
    'waiting for the condition to be satisfied',
  );
  return found!;
}

/** The objects the arguments name: by name (read now), or listed by -l / --all. */
async function targetsOf(ctx: CommandContext, args: string[], forDelete: boolean): Promise<Target[]> {
  const fromFiles = ctx.flags.list('filename').length > 0;
  const resolved = fromFiles ? await resolveFileTargets(ctx) : await resolveResourceArgs(ctx, args);
  if (resolved.length === 0)
    throw new CliError(
      "You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'",
    );
  const selector = ctx.flags.string('selector');
  const all = ctx.flags.bool('all');
  const out: Target[] = [];
  for (const r of resolved) {
    if (r.names.length === 0) {
      if (!selector && !all && !ctx.flags.string('field-selector'))
        throw new CliError('resource(s) were provided, but no name, label selector, or --all flag specified');
      const list = await ctx.client.list(r.mapping, namespaceFor(ctx, r.mapping), {
        labelSelector: selector,
        fieldSelector: ctx.flags.string('field-selector'),
      });
      for (const object of list.items) out.push({ mapping: r.mapping, namespace: object.metadata?.namespace, name: object.metadata?.name ?? '', object });
      continue;
    }
    for (const [i, name] of r.names.entries()) {
      const namespace = namespaceFor(ctx, r.mapping, r.namespaces?.[i]);
      try {
        out.push({ mapping: r.mapping, namespace, name, object: await ctx.client.get(r.mapping, namespace, name) });
      } catch (err) {
        // kubectl ignores NotFound when waiting for deletion: already gone, nothing to print.
        if (forDelete && is404(err)) continue;
        throw err;
      }
    }
  }
  return out;
}

async function runWait(ctx: CommandContext, args: string[]): Promise<number> {
  const specs = ctx.flags.list('for');
  if (specs.length === 0) throw new CliError('unrecognized condition: []');
  const conditions = specs.map(parseWaitFor);
  const timeout = ctx.flags.string('timeout') ?? '30s';
  const timeoutMs = timeout.startsWith('-') ? WEEK_MS : parseDuration(timeout);
  const forDelete = conditions.some((c) => c.kind === 'delete');
  const targets = await targetsOf(ctx, args, forDelete);
  if (targets.length === 0 && !forDelete) throw new CliError('no matching resources found');
  const deadline = new Deadline(timeoutMs);
  for (const t of targets) {
    for (const c of conditions) {
      const obj =
        c.kind === 'delete'
          ? await waitForDelete(ctx, t, deadline)
          : await waitForState(ctx, t, deadline, (o) =>
              c.kind === 'condition' ? isConditionMet(o, c.name, c.value) : isJsonPathMet(o, c.expression, c.value),
            );
      printResult(ctx, t.mapping, obj, 'condition met');
    }
  }
  return 0;
}

registerCommand({
  name: 'wait',
  summary: 'Experimental: Wait for a specific condition on one or many resources',
  long: [
    'Experimental: Wait for a specific condition on one or many resources.',
    '',
    ' The command takes multiple resources and waits until the specified condition is seen in the Status field of every given resource.',
    '',
    ' Alternatively, the command can wait for the given set of resources to be deleted by providing the "delete" keyword as the value to the --for flag.',
    '',
    ' A successful message will be printed to stdout indicating when the specified condition has been met. You can use -o option to change to output destination.',
  ].join('\n'),
  usage:
    "wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | --all)]) [--for=delete|--for condition=available|--for=jsonpath='{}'[=value]] [options]",
  examples: [
    '  # Wait for the pod "busybox1" to contain the status condition of type "Ready"',
    '  kubectl wait --for=condition=Ready pod/busybox1',
    '',
    '  # The default value of status condition is true; you can wait for other targets after an equal delimiter (compared after Unicode simple case folding, which is a more general form of case-insensitivity)',
    '  kubectl wait --for=condition=Ready=false pod/busybox1',
    '',
    '  # Wait for the pod "busybox1" to contain the status phase to be "Running"',
    "  kubectl wait --for=jsonpath='{.status.phase}'=Running pod/busybox1",
    '',
    '  # Wait for pod "busybox1" to be Ready',
    '  kubectl wait --for=\'jsonpath={.status.conditions[?(@.type=="Ready")].status}=True\' pod/busybox1',
    '',
    '  # Wait for the service "loadbalancer" to have ingress.',
    "  kubectl wait --for=jsonpath='{.status.loadBalancer.ingress}' service/loadbalancer",
    '',
    '  # Wait for the pod "busybox1" to be deleted, with a timeout of 60s, after having issued the "delete" command',
    '  kubectl delete pod/busybox1',
    '  kubectl wait --for=delete pod/busybox1 --timeout=60s',
  ].join('\n'),
  flags: [
    {
      name: 'for',
      type: 'array',
      usage:
        "The condition to wait on: [delete|condition=condition-name[=condition-value]|jsonpath='{JSONPath expression}'=[JSONPath value]]. The default condition-value is true.  Condition values are compared after Unicode simple case folding, which is a more general form of case-insensitivity.",
    },
    {
      name: 'timeout',
      type: 'string',
      default: '30s',
      usage: "The length of time to wait before giving up.  Zero means check once and don't wait, negative means wait for a week.",
    },
    { name: 'all', type: 'bool', usage: 'Select all resources in the namespace of the specified resource types' },
  ],
  sharedFlags: ['output', 'selector', 'field-selector', 'all-namespaces', 'filename', 'recursive'],
  run: runWait,
});
