/**
 * `kubectl create -f` (every object of the manifests, `deployment.apps/web created`) and
 * the generators: `create namespace|configmap|secret generic|deployment|job|cronjob NAME`,
 * which build the object client-side and POST it as JSON. -o name|yaml|json and
 * --dry-run=client|server as kubectl.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { CronJob, Job } from '@skiff/api';
import { ApiStatusError, type KubeObject } from '@skiff/client';
import type { FlagSpec } from '../cli.ts';
import { registerCommand, type CommandContext, type Subcommand } from '../command.ts';
import { DRY_RUN_FLAG, dryRunOf, type DryRun } from '../dry-run.ts';
import { CliError, formatError } from '../errors.ts';
import { fieldValidationOf, VALIDATE_FLAG } from '../field-validation.ts';
import { readManifests } from '../manifests.ts';
import { kindPrefix, type ResourceMapping } from '../rest-mapper.ts';
import { parseOutputFormat, printObjects } from '../printers/object-printer.ts';
import { cronJobFromImage, jobFromCronJob, jobFromImage } from './create-job.ts';

/** POSTs (or, with --dry-run=client, only prints) one object; returns the line kubectl prints. */
async function createOne(ctx: CommandContext, mapping: ResourceMapping, obj: KubeObject, dryRun: DryRun): Promise<KubeObject> {
  const namespace = mapping.namespaced ? (obj.metadata?.namespace ?? ctx.namespace) : undefined;
  if (dryRun === 'client') return obj;
  const fieldValidation = fieldValidationOf(ctx.flags.string('validate'));
  return ctx.client.create(mapping, obj, { namespace, dryRun: dryRun === 'server', fieldManager: 'kubectl-create', fieldValidation });
}

function report(ctx: CommandContext, mapping: ResourceMapping, obj: KubeObject, dryRun: DryRun): void {
  const output = ctx.flags.string('output');
  if (output) {
    const format = parseOutputFormat(output);
    if (format.kind === 'table')
      throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, yaml, name, jsonpath`);
    ctx.out.write(printObjects([obj], format, { single: true, prefixOf: () => kindPrefix(mapping) }));
    return;
  }
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  ctx.out.write(`${kindPrefix(mapping)}/${obj.metadata?.name ?? ''} created${suffix}\n`);
}

async function createFromFiles(ctx: CommandContext): Promise<number> {
  const manifests = await readManifests(ctx.flags.list('filename'), { recursive: ctx.flags.bool('recursive'), stdin: ctx.stdin });
  if (manifests.length === 0) throw new CliError('no objects passed to create');
  const dryRun = dryRunOf(ctx.flags.string('dry-run'));
  let failures = 0;
  for (const { source, object } of manifests) {
    const mapping = await ctx.resolveKind(object.apiVersion!, object.kind!);
    try {
      report(ctx, mapping, await createOne(ctx, mapping, object, dryRun), dryRun);
    } catch (err) {
      if (!(err instanceof ApiStatusError)) throw err;
      // kubectl names the file: Error from server (AlreadyExists): error when creating "x.yaml": ...
      const line = formatError(err).replace(/^(Error from server(?: \([^)]*\))?: )/, `$1error when creating "${source}": `);
      ctx.err.write(`${line}\n`);
      failures++;
    }
  }
  return failures > 0 ? 1 : 0;
}

/** k=v pairs of --from-literal; the value may contain '='. */
function literals(ctx: CommandContext): Record<string, string> {
  const data: Record<string, string> = {};
  for (const kv of ctx.flags.list('from-literal')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid literal source ${kv}, expected key=value`);
    const key = kv.slice(0, eq);
    if (key in data) throw new CliError(`cannot add key ${key}, another key by that name already exists in data: ${JSON.stringify(data)}`);
    data[key] = kv.slice(eq + 1);
  }
  for (const spec of ctx.flags.list('from-file')) {
    const eq = spec.indexOf('=');
    const [key, path] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [basename(spec), spec];
    if (key in data) throw new CliError(`cannot add key ${key}, another key by that name already exists in data: ${JSON.stringify(data)}`);
    data[key] = readFileSync(path, 'utf8');
  }
  return data;
}

/** Container name kubectl derives from an image: 'registry/nginx:1.27' → 'nginx'. */
export function containerNameFor(image: string): string {
  const last = image.split('/').pop() ?? image;
  return last
    .split('@')[0]
    .split(':')[0]
    .replace(/[^a-z0-9-]/g, '-');
}

type Generated = { resource: string; object: (KubeObject & Record<string, unknown>) | Job | CronJob };

/** The one image of `create job|cronjob` (the last --image wins, as a string flag). */
function singleImage(ctx: CommandContext): string | undefined {
  return ctx.flags.list('image').pop();
}

/** `create job NAME --image=IMG [-- COMMAND...]` or `create job NAME --from=cronjob/X`. */
async function generateJob(ctx: CommandContext, name: string, command: string[]): Promise<Generated> {
  const image = singleImage(ctx);
  const from = ctx.flags.string('from');
  if ((!image && !from) || (image && from)) throw new CliError('either --image or --from must be specified');
  const namespace = ctx.namespaceExplicit ? ctx.namespace : undefined;
  if (image) return { resource: 'jobs.batch', object: jobFromImage({ name, image, command, namespace }) };
  if (command.length > 0) throw new CliError('cannot specify --from and command');
  const [type, source] = from!.split('/', 2);
  if (!source) throw new CliError(`from must be an existing cronjob`);
  const mapping = await ctx.resolve(type);
  const obj = await ctx.client.get<CronJob>(mapping, mapping.namespaced ? ctx.namespace : undefined, source);
  if (mapping.group !== 'batch' || mapping.kind !== 'CronJob') throw new CliError(`unknown object type *${mapping.version}.${mapping.kind}`);
  return { resource: 'jobs.batch', object: jobFromCronJob(name, obj, namespace) };
}

function generateCronJob(ctx: CommandContext, name: string, command: string[]): Generated {
  const image = singleImage(ctx);
  const schedule = ctx.flags.string('schedule');
  const missing = [...(image ? [] : ['"image"']), ...(schedule ? [] : ['"schedule"'])];
  if (missing.length) throw new CliError(`required flag(s) ${missing.join(', ')} not set`);
  const namespace = ctx.namespaceExplicit ? ctx.namespace : undefined;
  return {
    resource: 'cronjobs.batch',
    object: cronJobFromImage({ name, image: image!, command, schedule: schedule!, restart: ctx.flags.string('restart'), namespace }),
  };
}

async function generate(ctx: CommandContext, kind: string, name: string, command: string[]): Promise<Generated> {
  if (kind === 'job') return generateJob(ctx, name, command);
  if (kind === 'cronjob' || kind === 'cj') return generateCronJob(ctx, name, command);
  if (command.length > 0) throw new CliError(`exactly one NAME is required, got ${command.length + 1}`);
  const metadata = { name };
  switch (kind) {
    case 'namespace':
    case 'ns':
      return { resource: 'namespaces', object: { apiVersion: 'v1', kind: 'Namespace', metadata } };
    case 'configmap':
    case 'cm':
      return { resource: 'configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: literals(ctx) } };
    case 'secret': {
      const data = Object.fromEntries(Object.entries(literals(ctx)).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
      return { resource: 'secrets', object: { apiVersion: 'v1', kind: 'Secret', metadata, type: ctx.flags.string('type') ?? 'Opaque', data } };
    }
    case 'deployment':
    case 'deploy': {
      const images = ctx.flags.list('image');
      if (images.length === 0) throw new CliError('required flag(s) "image" not set');
      const labels = { app: name };
      const port = ctx.flags.int('port');
      const containers = images.map((image) => ({
        name: containerNameFor(image),
        image,
        ...(port !== undefined && port >= 0 ? { ports: [{ containerPort: port }] } : {}),
      }));
      return {
        resource: 'deployments.apps',
        object: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, labels },
          spec: { replicas: ctx.flags.int('replicas') ?? 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers } } },
        },
      };
    }
    default:
      throw new CliError(`unknown command "${kind}" for "kubectl create"`);
  }
}

async function runCreate(ctx: CommandContext, args: string[]): Promise<number> {
  if (ctx.flags.list('filename').length > 0) return createFromFiles(ctx);
  if (args.length === 0) throw new CliError('must specify one of -f and -k');
  let [kind, ...rest] = args;
  if (kind === 'secret') {
    const [sub, ...more] = rest;
    if (sub !== 'generic') throw new CliError(sub ? `unknown command "${sub}" for "kubectl create secret"` : 'must specify a secret type: generic');
    rest = more;
  }
  const [name, ...command] = rest;
  if (!name) throw new CliError('exactly one NAME is required, got 0');
  const { resource, object } = await generate(ctx, kind, name, command);
  const mapping = await ctx.resolve(resource);
  const dryRun = dryRunOf(ctx.flags.string('dry-run'));
  report(ctx, mapping, await createOne(ctx, mapping, object, dryRun), dryRun);
  return 0;
}

// The generators' flags, each listed by the subcommands whose --help describes it.
const FROM_LITERAL: FlagSpec = { name: 'from-literal', type: 'array', usage: 'Specify a key and literal value to insert (i.e. mykey=somevalue)' };
const FROM_FILE: FlagSpec = {
  name: 'from-file',
  type: 'array',
  usage:
    'Key file can be specified using its file path, in which case file basename will be used as the key, or optionally with a key and file path, in which case the given key will be used.',
};
const IMAGE: FlagSpec = { name: 'image', type: 'array', usage: 'Image name to run. A deployment can have multiple images set for multi-container pod.' };
const REPLICAS: FlagSpec = { name: 'replicas', short: 'r', type: 'int', usage: 'Number of replicas to create. Default is 1.' };
const PORT: FlagSpec = { name: 'port', type: 'int', usage: 'The containerPort that this deployment exposes.' };
const TYPE: FlagSpec = { name: 'type', type: 'string', usage: 'The type of secret to create' };
const FROM: FlagSpec = { name: 'from', type: 'string', usage: 'The name of the resource to create a Job from (only cronjob is supported).' };
const SCHEDULE: FlagSpec = { name: 'schedule', type: 'string', usage: 'A schedule in the Cron format the job should be run with.' };
const RESTART: FlagSpec = { name: 'restart', type: 'string', usage: "job's restart policy. supported values: OnFailure, Never" };
const GENERATOR_FLAGS = [DRY_RUN_FLAG];

const createSubcommands: Subcommand[] = [
  {
    name: 'namespace',
    aliases: ['ns'],
    summary: 'Create a namespace with the specified name',
    long: 'Create a namespace with the specified name.',
    usage: 'create namespace NAME [--dry-run=server|client|none] [options]',
    examples: '  # Create a new namespace named my-namespace\n  kubectl create namespace my-namespace',
    flags: GENERATOR_FLAGS,
    sharedFlags: ['output'],
  },
  {
    name: 'configmap',
    aliases: ['cm'],
    summary: 'Create a config map from a local file or literal value',
    long: 'Create a config map based on a file or specified literal value.\n\n A single config map may package one or more key/value pairs.\n\n When creating a config map based on a file, the key will default to the basename of the file, and the value will default to the file content.  If the basename is an invalid key, you may specify an alternate key.',
    usage: 'create configmap NAME [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]',
    examples: [
      '  # Create a new config map named my-config with specified keys instead of file basenames on disk',
      '  kubectl create configmap my-config --from-file=key1=/path/to/bar/file1.txt --from-file=key2=/path/to/bar/file2.txt',
      '',
      '  # Create a new config map named my-config with key1=config1 and key2=config2',
      '  kubectl create configmap my-config --from-literal=key1=config1 --from-literal=key2=config2',
    ].join('\n'),
    flags: [FROM_FILE, FROM_LITERAL, ...GENERATOR_FLAGS],
    sharedFlags: ['output'],
  },
  {
    name: 'secret',
    summary: 'Create a secret using a specified subcommand',
    long: 'Create a secret with specified type.\n\n A generic type secret indicate an Opaque secret type.',
    usage: 'create secret generic [options]',
    subcommands: [
      {
        name: 'generic',
        summary: 'Create a secret from a local file or literal value',
        long: 'Create a secret based on a file or specified literal value.\n\n A single secret may package one or more key/value pairs.\n\n When creating a secret based on a file, the key will default to the basename of the file, and the value will default to the file content. If the basename is an invalid key or you wish to chose your own, you may specify an alternate key.',
        usage: 'create secret generic NAME [--type=string] [--from-file=[key=]source] [--from-literal=key1=value1] [--dry-run=server|client|none] [options]',
        examples: [
          '  # Create a new secret named my-secret with key1=supersecret and key2=topsecret',
          '  kubectl create secret generic my-secret --from-literal=key1=supersecret --from-literal=key2=topsecret',
          '',
          '  # Create a new secret named my-secret using a combination of a file and a literal',
          '  kubectl create secret generic my-secret --from-file=ssh-privatekey=path/to/id_rsa --from-literal=passphrase=topsecret',
        ].join('\n'),
        flags: [FROM_FILE, FROM_LITERAL, TYPE, ...GENERATOR_FLAGS],
        sharedFlags: ['output'],
      },
    ],
  },
  {
    name: 'deployment',
    aliases: ['deploy'],
    summary: 'Create a deployment with the specified name',
    long: 'Create a deployment with the specified name.',
    usage: 'create deployment NAME --image=image [--replicas=N] [--port=PORT] [options]',
    examples: [
      '  # Create a deployment named my-dep that runs the busybox image',
      '  kubectl create deployment my-dep --image=busybox',
      '',
      '  # Create a deployment named my-dep that runs the nginx image with 3 replicas',
      '  kubectl create deployment my-dep --image=nginx --replicas=3',
      '',
      '  # Create a deployment named my-dep that runs multiple containers',
      '  kubectl create deployment my-dep --image=busybox:latest --image=ubuntu:latest --image=nginx',
    ].join('\n'),
    flags: [IMAGE, REPLICAS, PORT, ...GENERATOR_FLAGS],
    sharedFlags: ['output'],
  },
  {
    name: 'job',
    summary: 'Create a job with the specified name',
    long: 'Create a job with the specified name.',
    usage: 'create job NAME --image=image [--from=cronjob/name] -- [COMMAND] [args...] [options]',
    examples: [
      '  # Create a job',
      '  kubectl create job my-job --image=busybox',
      '',
      '  # Create a job with a command',
      '  kubectl create job my-job --image=busybox -- date',
      '',
      '  # Create a job from a cron job named "a-cronjob"',
      '  kubectl create job test-job --from=cronjob/a-cronjob',
    ].join('\n'),
    flags: [IMAGE, FROM, ...GENERATOR_FLAGS],
    sharedFlags: ['output'],
  },
  {
    name: 'cronjob',
    aliases: ['cj'],
    summary: 'Create a cron job with the specified name',
    long: 'Create a cron job with the specified name.',
    usage: "create cronjob NAME --image=image --schedule='0/5 * * * ?' -- [COMMAND] [args...] [flags] [options]",
    examples: [
      '  # Create a cron job',
      '  kubectl create cronjob my-job --image=busybox --schedule="*/1 * * * *"',
      '',
      '  # Create a cron job with a command',
      '  kubectl create cronjob my-job --image=busybox --schedule="*/1 * * * *" -- date',
    ].join('\n'),
    flags: [IMAGE, SCHEDULE, RESTART, ...GENERATOR_FLAGS],
    sharedFlags: ['output'],
  },
];

registerCommand({
  name: 'create',
  summary: 'Create a resource from a file or from stdin',
  long: 'Create a resource from a file or from stdin.\n\n JSON and YAML formats are accepted.',
  usage: 'create -f FILENAME [options]',
  examples: [
    '  # Create a pod using the data in pod.json',
    '  kubectl create -f ./pod.json',
    '',
    '  # Create a pod based on the JSON passed into stdin',
    '  cat pod.json | kubectl create -f -',
  ].join('\n'),
  subcommands: createSubcommands,
  flags: [FROM_LITERAL, FROM_FILE, IMAGE, REPLICAS, PORT, TYPE, FROM, SCHEDULE, RESTART, DRY_RUN_FLAG, VALIDATE_FLAG],
  sharedFlags: ['filename', 'recursive', 'output'],
  run: runCreate,
});
