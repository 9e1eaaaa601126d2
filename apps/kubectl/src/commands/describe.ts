/**
 * `kubectl describe`: a readable report of an object — kind-specific sections for pods,
 * deployments, replicasets, services, nodes and namespaces, a generic key/value dump for
 * the rest — ending with the object's Events (field selector on involvedObject).
 */
import type { KubeObject } from '@skiff/client';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError } from '../errors.ts';
import { formatAge } from '@skiff/api';
import { formatColumns } from '../printers/table-printer.ts';
import { namespaceFor, resolveFileTargets, resolveResourceArgs } from '../resource-args.ts';
import type { ResourceMapping } from '../rest-mapper.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- untyped JSON walked by section writers

function kv(map: Record<string, string> | undefined, indent: string): string {
  const keys = Object.keys(map ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k, i) => `${i === 0 ? '' : indent}${k}=${map![k]}`).join('\n');
}

/** Lines of "Label:  value" aligned like kubectl's tabwriter (label column padded). */
class Report {
  lines: [string, string][] = [];
  add(label: string, value: unknown): this {
    this.lines.push([label, value === undefined || value === null || value === '' ? '<none>' : String(value)]);
    return this;
  }
  raw(text: string): this {
    this.lines.push([text, '\u0000']);
    return this;
  }
  toString(): string {
    const width = Math.max(0, ...this.lines.filter(([, v]) => v !== '\u0000').map(([l]) => l.length + 1)) + 2;
    return this.lines.map(([l, v]) => (v === '\u0000' ? l : `${`${l}:`.padEnd(width)}${v.replace(/\n/g, `\n${' '.repeat(width)}`)}`)).join('\n') + '\n';
  }
}

function header(r: Report, o: Obj, namespaced: boolean): void {
  r.add('Name', o.metadata?.name);
  if (namespaced) r.add('Namespace', o.metadata?.namespace);
  r.add('Labels', kv(o.metadata?.labels, ''));
  r.add('Annotations', kv(o.metadata?.annotations, ''));
}

function containerLines(r: Report, containers: Obj[] | undefined, statuses: Obj[] | undefined): void {
  r.raw('Containers:');
  for (const c of containers ?? []) {
    const st = (statuses ?? []).find((s) => s.name === c.name);
    r.raw(`  ${c.name}:`);
    r.add('    Image', c.image);
    if (c.ports?.length) r.add('    Port', c.ports.map((p: Obj) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', '));
    if (st) {
      const state = Object.keys(st.state ?? {})[0];
      r.add('    State', state ? state[0].toUpperCase() + state.slice(1) : 'Waiting');
      r.add('    Ready', st.ready === true ? 'True' : 'False');
      r.add('    Restart Count', st.restartCount ?? 0);
    }
    if (c.command) r.add('    Command', c.command.join(' '));
    if (c.env?.length) r.add('    Environment', c.env.map((e: Obj) => `${e.name}=${e.value ?? ''}`).join('\n'));
  }
}

function conditions(r: Report, conds: Obj[] | undefined): void {
  if (!conds?.length) return;
  r.raw('Conditions:');
  const rows = [['  Type', 'Status', 'Reason'], ...conds.map((c) => [`  ${c.type}`, c.status, c.reason ?? ''])];
  r.raw(formatColumns(rows).trimEnd());
}

function describePod(r: Report, o: Obj): void {
  r.add('Priority', o.spec?.priority ?? 0);
  r.add('Service Account', o.spec?.serviceAccountName);
  r.add('Node', o.spec?.nodeName ? `${o.spec.nodeName}/${o.status?.hostIP ?? ''}` : undefined);
  r.add('Start Time', o.status?.startTime);
  r.add('Status', o.metadata?.deletionTimestamp ? 'Terminating' : o.status?.phase);
  r.add('IP', o.status?.podIP);
  const owner = (o.metadata?.ownerReferences ?? []).find((ref: Obj) => ref.controller);
  r.add('Controlled By', owner ? `${owner.kind}/${owner.name}` : undefined);
  containerLines(r, o.spec?.containers, o.status?.containerStatuses);
  conditions(r, o.status?.conditions);
  r.add('QoS Class', o.status?.qosClass);
  r.add('Node-Selectors', kv(o.spec?.nodeSelector, ''));
  r.add('Tolerations', (o.spec?.tolerations ?? []).map((t: Obj) => `${t.key ?? ''}${t.operator === 'Exists' ? '' : `=${t.value ?? ''}`}:${t.effect ?? ''}`).join('\n'));
}

function describeDeployment(r: Report, o: Obj): void {
  r.add('CreationTimestamp', o.metadata?.creationTimestamp);
  r.add('Selector', kv(o.spec?.selector?.matchLabels, '').replace(/\n/g, ','));
  const s = o.status ?? {};
  r.add('Replicas', `${o.spec?.replicas ?? 0} desired | ${s.updatedReplicas ?? 0} updated | ${s.replicas ?? 0} total | ${s.availableReplicas ?? 0} available | ${s.unavailableReplicas ?? 0} unavailable`);
  r.add('StrategyType', o.spec?.strategy?.type);
  r.add('MinReadySeconds', o.spec?.minReadySeconds ?? 0);
  const ru = o.spec?.strategy?.rollingUpdate;
  if (ru) r.add('RollingUpdateStrategy', `${ru.maxUnavailable} max unavailable, ${ru.maxSurge} max surge`);
  r.raw('Pod Template:');
  r.add('  Labels', kv(o.spec?.template?.metadata?.labels, ''));
  containerLines(r, o.spec?.template?.spec?.containers, undefined);
  conditions(r, s.conditions);
}

function describeReplicaSet(r: Report, o: Obj): void {
  r.add('Selector', kv(o.spec?.selector?.matchLabels, '').replace(/\n/g, ','));
  const owner = (o.metadata?.ownerReferences ?? []).find((ref: Obj) => ref.controller);
  r.add('Controlled By', owner ? `${owner.kind}/${owner.name}` : undefined);
  const s = o.status ?? {};
  r.add('Replicas', `${s.replicas ?? 0} current / ${o.spec?.replicas ?? 0} desired`);
  r.add('Pods Status', `${s.readyReplicas ?? 0} Running / 0 Waiting / 0 Succeeded / 0 Failed`);
  r.raw('Pod Template:');
  r.add('  Labels', kv(o.spec?.template?.metadata?.labels, ''));
  containerLines(r, o.spec?.template?.spec?.containers, undefined);
}

function describeService(r: Report, o: Obj): void {
  r.add('Selector', kv(o.spec?.selector, '').replace(/\n/g, ','));
  r.add('Type', o.spec?.type);
  r.add('IP Families', (o.spec?.ipFamilies ?? []).join(','));
  r.add('IP', o.spec?.clusterIP);
  for (const p of o.spec?.ports ?? []) {
    r.add('Port', `${p.name ?? '<unset>'}  ${p.port}/${p.protocol ?? 'TCP'}`);
    r.add('TargetPort', `${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`);
    if (p.nodePort) r.add('NodePort', `${p.name ?? '<unset>'}  ${p.nodePort}/${p.protocol ?? 'TCP'}`);
  }
  r.add('Session Affinity', o.spec?.sessionAffinity ?? 'None');
}

function describeNode(r: Report, o: Obj): void {
  r.add('Roles', '<none>');
  r.add('CreationTimestamp', o.metadata?.creationTimestamp);
  r.add('Taints', (o.spec?.taints ?? []).map((t: Obj) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join('\n'));
  r.add('Unschedulable', o.spec?.unschedulable === true ? 'true' : 'false');
  conditions(r, o.status?.conditions);
  r.add('Addresses', (o.status?.addresses ?? []).map((a: Obj) => `${a.type}: ${a.address}`).join('\n'));
  r.add('Capacity', Object.entries(o.status?.capacity ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n'));
  r.add('Allocatable', Object.entries(o.status?.allocatable ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n'));
  r.add('PodCIDR', o.spec?.podCIDR);
}

function describeNamespace(r: Report, o: Obj): void {
  r.add('Status', o.status?.phase);
}

function describeGeneric(r: Report, o: Obj): void {
  r.add('API Version', o.apiVersion);
  r.add('Kind', o.kind);
  for (const key of Object.keys(o).sort()) {
    if (['apiVersion', 'kind', 'metadata'].includes(key)) continue;
    r.add(key[0].toUpperCase() + key.slice(1), typeof o[key] === 'object' ? JSON.stringify(o[key], null, 2) : o[key]);
  }
}

const sections: Record<string, (r: Report, o: Obj) => void> = {
  '/pods': describePod,
  'apps/deployments': describeDeployment,
  'apps/replicasets': describeReplicaSet,
  '/services': describeService,
  '/nodes': describeNode,
  '/namespaces': describeNamespace,
};

async function eventsFor(ctx: CommandContext, o: KubeObject, mapping: ResourceMapping): Promise<string> {
  const events = await ctx.client.list(await ctx.resolve('events'), mapping.namespaced ? o.metadata?.namespace : undefined, {
    fieldSelector: `involvedObject.name=${o.metadata?.name},involvedObject.kind=${mapping.kind},involvedObject.uid=${o.metadata?.uid}`,
  });
  if (events.items.length === 0) return 'Events:  <none>\n';
  const now = ctx.now();
  const sorted = (events.items as Obj[]).sort((a, b) => String(a.lastTimestamp ?? a.eventTime ?? '').localeCompare(String(b.lastTimestamp ?? b.eventTime ?? '')));
  const rows = [['  Type', 'Reason', 'Age', 'From', 'Message'], ['  ----', '------', '----', '----', '-------']];
  for (const e of sorted) {
    const age = formatAge(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp, now);
    const count = (e.count ?? 1) > 1 ? ` (x${e.count} over ${formatAge(e.firstTimestamp, now)})` : '';
    rows.push([`  ${e.type ?? ''}`, e.reason ?? '', age + count, e.source?.component ?? e.reportingComponent ?? '', e.message ?? '']);
  }
  return `Events:\n${formatColumns(rows)}`;
}

export async function describeObject(ctx: CommandContext, mapping: ResourceMapping, o: KubeObject): Promise<string> {
  const r = new Report();
  header(r, o as Obj, mapping.namespaced);
  (sections[`${mapping.group}/${mapping.resource}`] ?? describeGeneric)(r, o as Obj);
  return r.toString() + (await eventsFor(ctx, o, mapping));
}

async function runDescribe(ctx: CommandContext, args: string[]): Promise<number> {
  const fromFiles = ctx.flags.list('filename').length > 0;
  if (!fromFiles && args.length === 0) throw new CliError('You must specify the type of resource to describe. Use "kubectl api-resources" for a complete list of supported resources.');
  const targets = fromFiles ? await resolveFileTargets(ctx) : await resolveResourceArgs(ctx, args);
  const reports: string[] = [];
  for (const t of targets) {
    if (t.names.length > 0) {
      for (const [i, name] of t.names.entries()) {
        // Errors (NotFound) end the command with kubectl's message, as kubectl describe does.
        const o = await ctx.client.get(t.mapping, namespaceFor(ctx, t.mapping, t.namespaces?.[i]), name);
        reports.push(await describeObject(ctx, t.mapping, o));
      }
      continue;
    }
    const list = await ctx.client.list(t.mapping, namespaceFor(ctx, t.mapping), { labelSelector: ctx.flags.string('selector') });
    for (const o of list.items) reports.push(await describeObject(ctx, t.mapping, { apiVersion: list.apiVersion, kind: t.mapping.kind, ...o }));
  }
  if (reports.length === 0) {
    ctx.err.write(`No resources found in ${ctx.namespace} namespace.\n`);
    return 0;
  }
  ctx.out.write(reports.join('\n\n'));
  return 0;
}

registerCommand({ name: 'describe', summary: 'Show details of a specific resource or group of resources', run: runDescribe });
