/**
 * `kubectl run NAME --image=IMG [--port] [--labels] [--env]... [--restart] [--command] [-- ARGS...]`:
 * builds a Pod client-side as kubectl ≥ 1.18 does (label run=NAME unless --labels, one
 * container named NAME, the words after NAME its args — or its command with --command),
 * applies --overrides as a JSON merge patch, and POSTs it: `pod/NAME created`.
 *
 * --expose --port=P also creates a Service in front of the pod, as `kubectl expose pod` would.
 *
 * -i/-t/--attach (-i implies --attach) create the container with stdin (stdinOnce unless
 * --leave-stdin-open) and a TTY with -t, wait for the pod to run, and attach as `kubectl attach`
 * does; a pod already completed has its log printed instead. With --restart=Never/OnFailure the
 * exit code is the container's, read from the pod's status after the session (`pod NS/NAME
 * terminated (REASON)` on stderr when not 0). --rm deletes the pod afterwards: `pod "NAME" deleted`.
 */
import { applyMergePatch, type Pod } from '@skiff/api';
import { isNotFound, type KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf, type DryRun } from '../dry-run.ts';
import { CliError } from '../errors.ts';
import { fieldValidationOf, VALIDATE_FLAG } from '../field-validation.ts';
import { parseOutputFormat, printObjects } from '../printers/object-printer.ts';
import { kindPrefix, type ResourceMapping } from '../rest-mapper.ts';
import { parseDuration } from '../duration.ts';
import { openStream } from '../raw-stream.ts';
import { attachToContainer } from './attach.ts';
import { serviceFor } from './expose.ts';

export interface RunPodOptions {
  name: string;
  image: string;
  /** The words after NAME (or after `--`). */
  args: string[];
  /** --command: the words are the container's command, not its args. */
  command?: boolean;
  port?: number;
  /** --labels 'a=b,c=d'; default run=NAME. */
  labels?: string;
  env?: string[];
  restart?: string;
  imagePullPolicy?: string;
  /** Set when -n was given (kubectl's EnforceNamespace). */
  namespace?: string;
  /** -i: stdin kept open, closed after the first attach unless leaveStdinOpen. */
  stdin?: boolean;
  leaveStdinOpen?: boolean;
  tty?: boolean;
}

/** `a=b,c=d` → {a: b, c: d}, refused as kubectl refuses a malformed pair. */
export function parseLabelList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`unexpected label spec: ${pair}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** The Pod kubectl run builds, before --overrides. */
export function podForRun(opts: RunPodOptions): Pod {
  const restart = opts.restart ?? 'Always';
  if (!['Always', 'OnFailure', 'Never'].includes(restart)) throw new CliError(`invalid restart policy: ${restart}`);
  const env = (opts.env ?? []).map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid env: ${kv}`);
    return { name: kv.slice(0, eq), value: kv.slice(eq + 1) };
  });
  const container: Record<string, unknown> = {
    name: opts.name,
    image: opts.image,
    ...(opts.args.length ? { [opts.command ? 'command' : 'args']: opts.args } : {}),
    ...(env.length ? { env } : {}),
    ...(opts.imagePullPolicy ? { imagePullPolicy: opts.imagePullPolicy } : {}),
    ...(opts.port !== undefined && opts.port >= 0 ? { ports: [{ containerPort: opts.port }] } : {}),
    resources: {},
    ...(opts.stdin ? { stdin: true, stdinOnce: !opts.leaveStdinOpen } : {}),
    ...(opts.tty ? { tty: true } : {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      // As kubectl prints it (an unset metav1.Time); the server sets the real one.
      creationTimestamp: null,
      name: opts.name,
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      labels: opts.labels ? parseLabelList(opts.labels) : { run: opts.name },
    },
    spec: { containers: [container as never], dnsPolicy: 'ClusterFirst', restartPolicy: restart as 'Always' },
    status: {},
  } as unknown as Pod;
}

/** --overrides: a JSON merge patch over the generated object, as kubectl's default --override-type=merge. */
export function applyOverrides<T extends KubeObject>(obj: T, overrides: string | undefined): T {
  if (!overrides) return obj;
  let patch: unknown;
  try {
    patch = JSON.parse(overrides);
  } catch (err) {
    throw new CliError(`error: unable to parse ${overrides}: ${(err as Error).message}`);
  }
  return applyMergePatch(obj, patch) as T;
}

/**
 * POSTs a generated object (or, with --dry-run=client, keeps it) and prints it with -o or
 * as kubectl's one line: `pod/web created`, `service/web exposed (dry run)`.
 */
export async function createAndReport(ctx: CommandContext, mapping: ResourceMapping, obj: KubeObject, verb: string): Promise<KubeObject> {
  const dryRun: DryRun = dryRunOf(ctx.flags.string('dry-run'));
  const output = ctx.flags.string('output');
  const format = output ? parseOutputFormat(output) : undefined;
  if (format?.kind === 'table')
    throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, yaml, name, jsonpath`);
  const namespace = mapping.namespaced ? (obj.metadata?.namespace ?? ctx.namespace) : undefined;
  const created =
    dryRun === 'client'
      ? obj
      : await ctx.client.create(mapping, obj, {
          namespace,
          dryRun: dryRun === 'server',
          fieldManager: `kubectl-${verb === 'exposed' ? 'expose' : 'run'}`,
          fieldValidation: fieldValidationOf(ctx.flags.string('validate')),
        });
  if (format) {
    ctx.out.write(printObjects([created], format, { single: true, prefixOf: () => kindPrefix(mapping) }));
  } else {
    const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
    ctx.out.write(`${kindPrefix(mapping)}/${created.metadata?.name ?? ''} ${verb}${suffix}\n`);
  }
  return created;
}

async function runRun(ctx: CommandContext, args: string[]): Promise<number> {
  const [name, ...rest] = args;
  if (!name) throw new CliError('NAME is required for run');
  const image = ctx.flags.string('image');
  if (!image) throw new CliError('required flag(s) "image" not set');
  const interactive = ctx.flags.bool('stdin');
  const tty = ctx.flags.bool('tty');
  // -i attaches unless --attach=false was said.
  const attach = ctx.flags.has('attach') ? ctx.flags.bool('attach') : interactive;
  if (tty && !interactive) throw new CliError("-i/--stdin is required for containers with -t/--tty=true\nSee 'kubectl run -h' for help and examples");
  if (ctx.flags.bool('rm') && !attach) throw new CliError('--rm should only be used for attached containers');
  if (attach && dryRunOf(ctx.flags.string('dry-run')) !== 'none')
    throw new CliError("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)");
  const port = ctx.flags.int('port');
  if (ctx.flags.bool('expose') && (port === undefined || port < 0)) throw new CliError('--port must be set when exposing a service');
  const pod = podForRun({
    name,
    image,
    args: rest,
    command: ctx.flags.bool('command'),
    port,
    labels: ctx.flags.string('labels'),
    env: ctx.flags.list('env'),
    restart: ctx.flags.string('restart'),
    imagePullPolicy: ctx.flags.string('image-pull-policy'),
    namespace: ctx.namespaceExplicit ? ctx.namespace : undefined,
    stdin: interactive,
    leaveStdinOpen: ctx.flags.bool('leave-stdin-open'),
    tty,
  });
  const obj = applyOverrides(pod, ctx.flags.string('overrides'));
  // --expose: the Service first, as kubectl, selecting the pod's labels on --port.
  if (ctx.flags.bool('expose')) {
    const service = serviceFor(obj, { port: String(port) });
    // Unlike `kubectl expose`, run's Service carries no labels of its own.
    const { labels: _labels, ...metadata } = service.metadata ?? {};
    service.metadata = { ...metadata, ...(obj.metadata?.namespace ? { namespace: obj.metadata.namespace } : {}) };
    await createAndReport(ctx, await ctx.resolve('services'), service, 'created');
    // Two YAML documents (kubectl writes the separator twice, an empty document between; one is enough).
    if (ctx.flags.string('output') === 'yaml') ctx.out.write('---\n');
  }
  if (!attach) {
    await createAndReport(ctx, await ctx.resolve('pods'), obj, 'created');
    return 0;
  }
  const pods = await ctx.resolve('pods');
  const created = await ctx.client.create<Pod>(pods, obj, {
    namespace: obj.metadata?.namespace ?? ctx.namespace,
    fieldManager: 'kubectl-run',
    fieldValidation: fieldValidationOf(ctx.flags.string('validate')),
  });
  const ref = { namespace: created.metadata!.namespace!, name: created.metadata!.name!, uid: created.metadata!.uid };
  try {
    return await attachAndWait(ctx, ref, created.spec?.restartPolicy ?? 'Always', { interactive, tty });
  } finally {
    if (ctx.flags.bool('rm')) await deleteAndWait(ctx, ref);
  }
}

interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

/** kubectl run's attached path: wait until the pod runs (or completed: its log), attach, then its exit code. */
async function attachAndWait(ctx: CommandContext, ref: PodRef, restart: string, opts: { interactive: boolean; tty: boolean }): Promise<number> {
  const timeoutMs = parseDuration(ctx.flags.string('pod-running-timeout') || '1m0s', 'pod-running-timeout');
  const pod = await waitForPod(ctx, ref, timeoutMs, (p) => ['Running', 'Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
  const container = pod.spec?.containers?.[0]?.name ?? '';
  if (pod.status?.phase === 'Running') {
    const quiet = ctx.flags.bool('quiet');
    try {
      await attachToContainer(ctx, pod, container, { stdin: opts.interactive, tty: opts.tty, quiet });
    } catch (err) {
      ctx.err.write(`warning: couldn't attach to pod/${ref.name}, falling back to streaming logs: ${(err as Error).message}\n`);
      await printLog(ctx, ref, container);
    }
  } else {
    await printLog(ctx, ref, container);
  }
  // Only a pod that ends has an exit code worth waiting for; --leave-stdin-open keeps it running.
  if (ctx.flags.bool('leave-stdin-open') || restart === 'Always') return 0;
  // As kubectl, --pod-running-timeout bounds this wait too.
  const ended = await waitForPod(ctx, ref, timeoutMs, (p) => p.status?.phase === 'Succeeded' || (restart === 'Never' && p.status?.phase === 'Failed'));
  if (ended.status?.phase === 'Succeeded') return 0;
  const terminated = ended.status?.containerStatuses?.[0]?.state?.terminated;
  if (!terminated?.exitCode) throw new CliError(`pod ${ref.namespace}/${ref.name} failed with unknown exit code`);
  // kubectl's exit error: printed as it is, without "error: ".
  ctx.err.write(`pod ${ref.namespace}/${ref.name} terminated (${terminated.reason ?? ''})\n${terminated.message ?? ''}`);
  if (terminated.message && !terminated.message.endsWith('\n')) ctx.err.write('\n');
  return terminated.exitCode;
}

/** Polls the pod until `done` holds, for at most timeoutMs (0: as long as it takes). */
async function waitForPod(ctx: CommandContext, ref: PodRef, timeoutMs: number, done: (pod: Pod) => boolean): Promise<Pod> {
  const pods = await ctx.resolve('pods');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pod = await ctx.client.get<Pod>(pods, ref.namespace, ref.name);
    if (done(pod)) return pod;
    if (timeoutMs > 0 && Date.now() > deadline) throw new CliError('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function printLog(ctx: CommandContext, ref: PodRef, container: string): Promise<void> {
  const path = `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods/${encodeURIComponent(ref.name)}/log`;
  for await (const chunk of await openStream(ctx.client.config, path, [['container', container]])) ctx.out.write(chunk as Buffer);
}

/** --rm: delete, say so (as kubectl delete), and wait until this very pod is gone (its --wait). */
async function deleteAndWait(ctx: CommandContext, ref: PodRef): Promise<void> {
  const pods = await ctx.resolve('pods');
  await ctx.client.delete(pods, ref.namespace, ref.name);
  ctx.out.write(`pod "${ref.name}" deleted\n`);
  for (;;) {
    let current: Pod;
    try {
      current = await ctx.client.get<Pod>(pods, ref.namespace, ref.name);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if (current.metadata?.uid !== ref.uid) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

registerCommand({
  name: 'run',
  summary: 'Run a particular image on the cluster',
  long: 'Create and run a particular image in a pod.',
  usage:
    'run NAME --image=image [--env="key=value"] [--port=port] [--dry-run=server|client] [--overrides=inline-json] [--command] -- [COMMAND] [args...] [options]',
  examples: [
    '  # Start a nginx pod',
    '  kubectl run nginx --image=nginx',
    '',
    '  # Start a hazelcast pod and let the container expose port 5701',
    '  kubectl run hazelcast --image=hazelcast/hazelcast --port=5701',
    '',
    '  # Start a hazelcast pod and set environment variables "DNS_DOMAIN=cluster" and "POD_NAMESPACE=default" in the container',
    '  kubectl run hazelcast --image=hazelcast/hazelcast --env="DNS_DOMAIN=cluster" --env="POD_NAMESPACE=default"',
    '',
    '  # Start a hazelcast pod and set labels "app=hazelcast" and "env=prod" in the container',
    '  kubectl run hazelcast --image=hazelcast/hazelcast --labels="app=hazelcast,env=prod"',
    '',
    '  # Dry run; print the corresponding API objects without creating them',
    '  kubectl run nginx --image=nginx --dry-run=client -o yaml',
    '',
    '  # Start a nginx pod, but overload the spec with a partial set of values parsed from JSON',
    '  kubectl run nginx --image=nginx --overrides=\'{ "apiVersion": "v1", "spec": { ... } }\'',
    '',
    '  # Start the nginx pod using the default command, but use custom arguments (arg1 .. argN) for that command',
    '  kubectl run nginx --image=nginx -- <arg1> <arg2> ... <argN>',
    '',
    '  # Start the nginx pod using a different command and custom arguments',
    '  kubectl run nginx --image=nginx --command -- <cmd> <arg1> ... <argN>',
  ].join('\n'),
  flags: [
    { name: 'image', type: 'string', usage: 'The image for the container to run.' },
    { name: 'port', type: 'int', default: -1, usage: 'The port that this container exposes.' },
    { name: 'labels', short: 'l', type: 'string', usage: 'Comma separated labels to apply to the pod. Will override previous values.' },
    { name: 'env', type: 'array', usage: 'Environment variables to set in the container.' },
    { name: 'restart', type: 'string', default: 'Always', usage: 'The restart policy for this Pod.  Legal values [Always, OnFailure, Never].' },
    {
      name: 'command',
      type: 'bool',
      usage: "If true and extra arguments are present, use them as the 'command' field in the container, rather than the 'args' field which is the default.",
    },
    {
      name: 'overrides',
      type: 'string',
      usage:
        'An inline JSON override for the generated object. If this is non-empty, it is used to override the generated object. Requires that the object supply a valid apiVersion field.',
    },
    {
      name: 'image-pull-policy',
      type: 'string',
      usage: 'The image pull policy for the container.  If left empty, this value will not be specified by the client and defaulted by the server.',
    },
    { name: 'stdin', short: 'i', type: 'bool', usage: 'Keep stdin open on the container in the pod, even if nothing is attached.' },
    { name: 'tty', short: 't', type: 'bool', usage: 'Allocate a TTY for the container in the pod.' },
    {
      name: 'attach',
      type: 'bool',
      usage:
        "If true, wait for the Pod to start running, and then attach to the Pod as if 'kubectl attach ...' were called.  Default false, unless '-i/--stdin' is set, in which case the default is true. With '--restart=Never' the exit code of the container process is returned.",
    },
    {
      name: 'rm',
      type: 'bool',
      usage: "If true, delete the pod after it exits.  Only valid when attaching to the container, e.g. with '--attach' or with '-i/--stdin'.",
    },
    {
      name: 'leave-stdin-open',
      type: 'bool',
      usage:
        'If the pod is started in interactive mode or with stdin, leave stdin open after the first attach completes. By default, stdin will be closed after the first attach completes.',
    },
    { name: 'quiet', short: 'q', type: 'bool', usage: 'If true, suppress prompt messages.' },
    {
      name: 'pod-running-timeout',
      type: 'string',
      default: '1m0s',
      usage: 'The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running',
    },
    { name: 'expose', type: 'bool', usage: 'If true, create a ClusterIP service associated with the pod.  Requires `--port`.' },
    DRY_RUN_FLAG,
    VALIDATE_FLAG,
  ],
  run: runRun,
});
