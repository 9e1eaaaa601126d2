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
import { registerCommand, type CommandContext } from '../command.ts';
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
    if (format.kind === 'table') throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json, yaml, name, jsonpath`);
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
  return last.split('@')[0].split(':')[0].replace(/[^a-z0-9-]/g, '-');
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
  return { resource: 'cronjobs.batch', object: cronJobFromImage({ name, image: image!, command, schedule: schedule!, restart: ctx.flags.string('restart'), namespace }) };
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
          apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, labels },
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

registerCommand({
  name: 'create',
  summary: 'Create a resource from a file or from stdin, or a namespace, configmap, secret, deployment, job or cronjob by name',
  flags: [
    { name: 'from-literal', type: 'array' },
    { name: 'from-file', type: 'array' },
    { name: 'image', type: 'array' },
    { name: 'replicas', short: 'r', type: 'int' },
    { name: 'port', type: 'int' },
    { name: 'type', type: 'string' },
    { name: 'from', type: 'string' },
    { name: 'schedule', type: 'string' },
    { name: 'restart', type: 'string' },
    DRY_RUN_FLAG,
    VALIDATE_FLAG,
  ],
  run: runCreate,
});
