/**
 * `kubectl expose (TYPE NAME | TYPE/NAME | -f FILE) [--port] [--target-port] [--name] [--type]
 * [--protocol] [--selector] [--external-ip] [--cluster-ip] [--labels] [--session-affinity]`:
 * a Service in front of a Pod, Service, ReplicationController, Deployment or ReplicaSet, built
 * by kubectl's rules — the selector from the workload's matchLabels (or the Pod's labels, the
 * Service's selector), the ports from its containers when --port is absent, named after the
 * object and carrying its labels: `service/web exposed`.
 */
import type { KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { DRY_RUN_FLAG } from '../dry-run.ts';
import { CliError } from '../errors.ts';
import { VALIDATE_FLAG } from '../field-validation.ts';
import { readManifests } from '../manifests.ts';
import { createAndReport, parseLabelList } from './run.ts';
import { resolveTargets } from './scale.ts';

interface PortLike {
  containerPort?: number;
  port?: number;
  protocol?: string;
}
interface Exposable extends KubeObject {
  spec?: {
    selector?: Record<string, string> | { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
    ports?: PortLike[];
    containers?: { ports?: PortLike[] }[];
    template?: { spec?: { containers?: { ports?: PortLike[] }[] } };
  };
}

export interface ExposeOptions {
  port?: string;
  targetPort?: string;
  name?: string;
  type?: string;
  protocol?: string;
  selector?: string;
  externalIp?: string;
  clusterIp?: string;
  labels?: string;
  sessionAffinity?: string;
  loadBalancerIp?: string;
}

/** kubectl's words when a command that takes resources is given none (expose, edit). */
export const NO_RESOURCES_GIVEN = [
  'You must provide one or more resources by argument or filename.',
  'Example resource specifications include:',
  "   '-f rsrc.yaml'",
  "   '--filename=rsrc.json'",
  "   '<resource> <name>'",
  "   '<resource>'",
].join('\n');

const EXPOSABLE = new Set(['Pod', 'Service', 'ReplicationController', 'Deployment.apps', 'ReplicaSet.apps', 'Deployment.extensions', 'ReplicaSet.extensions']);

function groupKind(obj: KubeObject): string {
  const slash = obj.apiVersion?.indexOf('/') ?? -1;
  const group = slash > 0 ? obj.apiVersion!.slice(0, slash) : '';
  return group ? `${obj.kind}.${group}` : (obj.kind ?? '');
}

/** The pods the object stands for, as a label map (kubectl's MapBasedSelectorForObject). */
export function selectorOf(obj: Exposable): Record<string, string> {
  if (obj.kind === 'Pod') {
    const labels = obj.metadata?.labels ?? {};
    if (Object.keys(labels).length === 0) throw new CliError('the pod has no labels and cannot be exposed');
    return { ...labels };
  }
  const raw = obj.spec?.selector;
  if (obj.kind === 'Service' || obj.kind === 'ReplicationController') {
    if (!raw || Object.keys(raw).length === 0)
      throw new CliError(`the ${obj.kind === 'Service' ? 'service' : 'replication controller'} has no pod selector set`);
    return { ...(raw as Record<string, string>) };
  }
  const sel = raw as { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } | undefined;
  if (sel?.matchExpressions?.length)
    throw new CliError(`couldn't convert expressions - "${JSON.stringify(sel.matchExpressions)}", to map-based selector format`);
  return { ...(sel?.matchLabels ?? {}) };
}

/** The ports the object's containers (or the Service) declare, in order (kubectl's PortsForObject). */
export function portsOf(obj: Exposable): { port: number; protocol?: string }[] {
  if (obj.kind === 'Service') return (obj.spec?.ports ?? []).map((p) => ({ port: p.port!, protocol: p.protocol }));
  const containers = obj.kind === 'Pod' ? obj.spec?.containers : obj.spec?.template?.spec?.containers;
  return (containers ?? [])
    .flatMap((c) => c.ports ?? [])
    .filter((p) => p.containerPort !== undefined)
    .map((p) => ({ port: p.containerPort!, protocol: p.protocol }));
}

function intOrString(text: string): number | string {
  return /^\d+$/.test(text) ? Number(text) : text;
}

/** The Service `kubectl expose` builds for `obj`. */
export function serviceFor(obj: Exposable, opts: ExposeOptions): KubeObject {
  const kind = groupKind(obj);
  if (!EXPOSABLE.has(kind)) throw new CliError(`cannot expose a ${kind}`);
  const selector = opts.selector ? parseLabelList(opts.selector) : selectorOf(obj);
  if (Object.keys(selector).length === 0) throw new CliError("couldn't retrieve selectors via --selector flag or introspection");
  let found: { port: number; protocol?: string }[];
  if (opts.port) {
    if (!/^\d+$/.test(opts.port)) throw new CliError(`strconv.Atoi: parsing "${opts.port}": invalid syntax`);
    found = [{ port: Number(opts.port), protocol: portsOf(obj).find((p) => p.port === Number(opts.port))?.protocol }];
  } else {
    found = portsOf(obj);
  }
  const headless = opts.clusterIp === 'None';
  if (found.length === 0 && !headless) throw new CliError("couldn't find port via --port flag or introspection");
  const ports = found.map((p, i) => ({
    ...(found.length > 1 ? { name: `port-${i + 1}` } : {}),
    port: p.port,
    protocol: opts.protocol ?? p.protocol ?? 'TCP',
    targetPort: opts.targetPort ? intOrString(opts.targetPort) : p.port,
  }));
  const labels = opts.labels ? parseLabelList(opts.labels) : obj.metadata?.labels;
  const name = opts.name ?? obj.metadata?.name;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { creationTimestamp: null, name, ...(labels && Object.keys(labels).length ? { labels: { ...labels } } : {}) },
    spec: {
      ports,
      selector,
      ...(opts.type ? { type: opts.type } : {}),
      ...(opts.clusterIp ? { clusterIP: opts.clusterIp } : {}),
      ...(opts.externalIp ? { externalIPs: opts.externalIp.split(',') } : {}),
      ...(opts.loadBalancerIp ? { loadBalancerIP: opts.loadBalancerIp } : {}),
      ...(opts.sessionAffinity ? { sessionAffinity: opts.sessionAffinity } : {}),
    },
    status: { loadBalancer: {} },
  } as unknown as KubeObject;
}

function optionsOf(ctx: CommandContext): ExposeOptions {
  const f = ctx.flags;
  return {
    port: f.string('port'),
    targetPort: f.string('target-port'),
    name: f.string('name'),
    type: f.string('type'),
    protocol: f.string('protocol'),
    selector: f.string('selector'),
    externalIp: f.string('external-ip'),
    clusterIp: f.string('cluster-ip'),
    labels: f.string('labels'),
    sessionAffinity: f.string('session-affinity'),
    loadBalancerIp: f.string('load-balancer-ip'),
  };
}

async function runExpose(ctx: CommandContext, args: string[]): Promise<number> {
  // The namespace the Service names: the manifest's, or -n's (kubectl's EnforceNamespace); else none, so the default applies.
  const objects: { obj: Exposable; namespace?: string }[] = [];
  if (ctx.flags.list('filename').length > 0) {
    for (const { object } of await readManifests(ctx.flags.list('filename'), { recursive: ctx.flags.bool('recursive'), stdin: ctx.stdin })) {
      objects.push({ obj: object as Exposable, namespace: object.metadata?.namespace ?? (ctx.namespaceExplicit ? ctx.namespace : undefined) });
    }
  } else {
    if (args.length === 0) throw new CliError(NO_RESOURCES_GIVEN);
    for (const { res, name } of await resolveTargets((a) => ctx.resolve(a), args)) {
      const obj = await ctx.client.get<Exposable>(res, res.namespaced ? ctx.namespace : undefined, name);
      objects.push({ obj, namespace: ctx.namespaceExplicit ? ctx.namespace : undefined });
    }
  }
  const services = await ctx.resolve('services');
  const opts = optionsOf(ctx);
  for (const { obj, namespace } of objects) {
    const service = serviceFor(obj, opts);
    if (namespace) service.metadata = { ...service.metadata, namespace };
    await createAndReport(ctx, services, service, 'exposed');
  }
  return 0;
}

registerCommand({
  name: 'expose',
  summary: 'Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service',
  long: [
    'Expose a resource as a new Kubernetes service.',
    '',
    'Looks up a deployment, service, replica set, replication controller or pod by name and uses the selector for that resource as the selector for a new service on the specified port. A deployment or replica set will be exposed as a service only if its selector is convertible to a selector that service supports, i.e. when the selector contains only the matchLabels component. Note that if no port is specified via --port and the exposed resource has multiple ports, all will be re-used by the new service. Also if no labels are specified, the new service will re-use the labels from the resource it exposes.',
    '',
    'Possible resources include (case insensitive):',
    '',
    ' pod (po), service (svc), replicationcontroller (rc), deployment (deploy), replicaset (rs)',
  ].join('\n'),
  usage:
    'expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type] [options]',
  examples: [
    '  # Create a service for a replicated nginx, which serves on port 80 and connects to the containers on port 8000',
    '  kubectl expose rc nginx --port=80 --target-port=8000',
    '',
    '  # Create a service for a pod valid-pod, which serves on port 444 with the name "frontend"',
    '  kubectl expose pod valid-pod --port=444 --name=frontend',
    '',
    '  # Create a service for an nginx deployment, which serves on port 80 and connects to the containers on port 8000',
    '  kubectl expose deployment nginx --port=80 --target-port=8000',
    '',
    "  # Expose a deployment on every node's port",
    '  kubectl expose deployment nginx --port=80 --type=NodePort',
  ].join('\n'),
  flags: [
    { name: 'port', type: 'string', usage: 'The port that the service should serve on. Copied from the resource being exposed, if unspecified' },
    { name: 'target-port', type: 'string', usage: 'Name or number for the port on the container that the service should direct traffic to. Optional.' },
    { name: 'name', type: 'string', usage: 'The name for the newly created object.' },
    { name: 'type', type: 'string', usage: "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'." },
    { name: 'protocol', type: 'string', usage: "The network protocol for the service to be created. Default is 'TCP'." },
    {
      name: 'external-ip',
      type: 'string',
      usage:
        'Additional external IP address (not managed by Kubernetes) to accept for the service. If this IP is routed to a node, the service can be accessed by this IP in addition to its generated service IP.',
    },
    {
      name: 'cluster-ip',
      type: 'string',
      usage: "ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' to create a headless service.",
    },
    { name: 'labels', short: 'l', type: 'string', usage: 'Labels to apply to the service created by this call.' },
    {
      name: 'selector',
      type: 'string',
      usage:
        'A label selector to use for this service. Only equality-based selector requirements are supported. If empty (the default) infer the selector from the replication controller or replica set.)',
    },
    { name: 'session-affinity', type: 'string', usage: "If non-empty, set the session affinity for the service to this; legal values: 'None', 'ClientIP'" },
    {
      name: 'load-balancer-ip',
      type: 'string',
      usage: 'IP to assign to the LoadBalancer. If empty, an ephemeral IP will be created and used (cloud-provider specific).',
    },
    DRY_RUN_FLAG,
    VALIDATE_FLAG,
  ],
  run: runExpose,
});
