/** Container validation (validateContainers & co. in pkg/apis/core/validation). */
import { isWhole, parseQuantityMap } from './quota.ts';
import { checkDns1123Label, checkEnvVarName, checkPortName, checkPortNumber, checkQualifiedName } from '../names.ts';
import type { Quantity } from '../quantity.ts';
import { type FieldError, duplicate, forbidden, invalid, invalidEach, isObject, nonNegative, notFound, notSupported, required } from './field-error.ts';

export const supportedProtocols = ['SCTP', 'TCP', 'UDP'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const terminationMessagePolicies = ['FallbackToLogsOnError', 'File'];
const standardContainerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

export function validatePorts(ports: unknown, path: string): FieldError[] {
  if (ports === undefined || ports === null) return [];
  if (!Array.isArray(ports)) return [invalid(path, ports, 'must be a list')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(port)) return void errs.push(invalid(p, port, 'must be an object'));
    if (port.name !== undefined && port.name !== '') {
      errs.push(...invalidEach(`${p}.name`, port.name, checkPortName(String(port.name))));
      if (names.has(port.name)) errs.push(duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    if (port.containerPort === undefined || port.containerPort === 0) errs.push(required(`${p}.containerPort`));
    else errs.push(...invalidEach(`${p}.containerPort`, port.containerPort, checkPortNumber(port.containerPort)));
    if (port.hostPort !== undefined && port.hostPort !== 0) {
      errs.push(...invalidEach(`${p}.hostPort`, port.hostPort, checkPortNumber(port.hostPort)));
    }
    if (!port.protocol) errs.push(required(`${p}.protocol`));
    else if (!supportedProtocols.includes(port.protocol)) errs.push(notSupported(`${p}.protocol`, port.protocol, supportedProtocols));
  });
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  if (env === undefined || env === null) return [];
  if (!Array.isArray(env)) return [invalid(path, env, 'must be a list')];
  const errs: FieldError[] = [];
  env.forEach((ev, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(ev)) return void errs.push(invalid(p, ev, 'must be an object'));
    if (!ev.name) errs.push(required(`${p}.name`));
    else errs.push(...invalidEach(`${p}.name`, ev.name, checkEnvVarName(String(ev.name))));
    if (ev.valueFrom !== undefined) {
      const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((s) => ev.valueFrom?.[s]);
      if (ev.value !== undefined && ev.value !== '') errs.push(invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
      if (sources.length === 0)
        errs.push(invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (sources.length > 1) errs.push(invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
      for (const ref of ['configMapKeyRef', 'secretKeyRef']) {
        const r = ev.valueFrom?.[ref];
        if (r && !r.key) errs.push(required(`${p}.valueFrom.${ref}.key`));
      }
      if (ev.valueFrom?.fieldRef && !ev.valueFrom.fieldRef.fieldPath) errs.push(required(`${p}.valueFrom.fieldRef.fieldPath`));
    }
  });
  return errs;
}

function parseResourceList(list: unknown, path: string, errs: FieldError[]): Map<string, Quantity> {
  return parseQuantityMap(
    list,
    path,
    errs,
    // Extended resources (vendor.com/gpu) are whole units.
    (name, q, p) => (name.includes('/') && !isWhole(q) ? [invalid(p, q.toString(), 'must be an integer')] : []),
    (name, p) => {
      if (name.includes('/')) return invalidEach(p, name, checkQualifiedName(name));
      return standardContainerResources.has(name) || name.startsWith('hugepages-') ? [] : [invalid(p, name, 'must be a standard resource for containers')];
    },
  );
}

export function validateResources(resources: unknown, path: string): FieldError[] {
  if (resources === undefined || resources === null) return [];
  if (!isObject(resources)) return [invalid(path, resources, 'must be an object')];
  const errs: FieldError[] = [];
  const limits = parseResourceList(resources.limits, `${path}.limits`, errs);
  const requests = parseResourceList(resources.requests, `${path}.requests`, errs);
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    // Extended resources and hugepages cannot be overcommitted: request must equal limit.
    const overcommit = !name.includes('/') && !name.startsWith('hugepages-');
    if (limit && !overcommit && request.cmp(limit) !== 0) {
      errs.push(invalid(`${path}.requests`, request.toString(), `must be equal to ${name} limit of ${limit.toString()}`));
    } else if (limit && request.cmp(limit) > 0) {
      errs.push(invalid(`${path}.requests`, request.toString(), `must be less than or equal to ${name} limit of ${limit.toString()}`));
    }
  }
  return errs;
}

function validateHandler(handler: any, path: string, ports: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const kinds = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((k) => handler[k] !== undefined && handler[k] !== null);
  if (kinds.length === 0) return [required(path, 'must specify a handler type')];
  if (kinds.length > 1) errs.push(forbidden(`${path}.${kinds[1]}`, 'may not specify more than 1 handler type'));
  if (handler.exec && (!Array.isArray(handler.exec.command) || handler.exec.command.length === 0)) {
    errs.push(required(`${path}.exec.command`));
  }
  for (const k of ['httpGet', 'tcpSocket'] as const) {
    const h = handler[k];
    if (!h) continue;
    const port = h.port;
    if (port === undefined || port === '' || port === 0) errs.push(required(`${path}.${k}.port`));
    else if (typeof port === 'number') errs.push(...invalidEach(`${path}.${k}.port`, port, checkPortNumber(port)));
    else if (checkPortName(String(port)).length) errs.push(...invalidEach(`${path}.${k}.port`, port, checkPortName(String(port))));
    else if (!ports.has(String(port))) errs.push(invalid(`${path}.${k}.port`, port, 'must be a named port of the container'));
    if (k === 'httpGet' && h.scheme !== undefined && !['HTTP', 'HTTPS'].includes(h.scheme)) {
      errs.push(notSupported(`${path}.httpGet.scheme`, h.scheme, ['HTTP', 'HTTPS']));
    }
  }
  if (handler.grpc) errs.push(...invalidEach(`${path}.grpc.port`, handler.grpc.port, checkPortNumber(handler.grpc.port)));
  return errs;
}

function validateProbe(probe: unknown, path: string, ports: Set<string>, mustSucceedOnce: boolean): FieldError[] {
  if (probe === undefined || probe === null) return [];
  if (!isObject(probe)) return [invalid(path, probe, 'must be an object')];
  const errs = validateHandler(probe, path, ports);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds']) {
    errs.push(...nonNegative(`${path}.${f}`, probe[f]));
  }
  // Liveness and startup probes only make sense with a success threshold of 1.
  if (mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  return errs;
}

export interface ContainerContext {
  volumes: Set<string>;
  /** Init containers may not have probes or lifecycle hooks (except sidecars, not supported yet). */
  init: boolean;
}

function validateContainer(c: any, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(`${path}.name`));
  else errs.push(...invalidEach(`${path}.name`, c.name, checkDns1123Label(String(c.name))));
  if (!c.image || String(c.image).trim() === '') errs.push(required(`${path}.image`));
  else if (String(c.image) !== String(c.image).trim()) errs.push(invalid(`${path}.image`, c.image, 'must not have leading or trailing whitespace'));
  if (c.imagePullPolicy !== undefined && !pullPolicies.includes(c.imagePullPolicy)) {
    errs.push(notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  }
  if (c.terminationMessagePolicy !== undefined && !terminationMessagePolicies.includes(c.terminationMessagePolicy)) {
    errs.push(notSupported(`${path}.terminationMessagePolicy`, c.terminationMessagePolicy, terminationMessagePolicies));
  }
  errs.push(...validatePorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateResources(c.resources, `${path}.resources`));
  const portNames = new Set<string>((Array.isArray(c.ports) ? c.ports : []).map((p: any) => p?.name).filter(Boolean));
  if (ctx.init) {
    for (const f of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle']) {
      if (c[f] !== undefined && c[f] !== null) errs.push(forbidden(`${path}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
    }
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, portNames, true));
    errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, portNames, false));
    errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, portNames, true));
    for (const hook of ['postStart', 'preStop']) {
      const h = c.lifecycle?.[hook];
      if (h) errs.push(...validateHandler(h, `${path}.lifecycle.${hook}`, portNames));
    }
  }
  if (Array.isArray(c.volumeMounts)) {
    const mountPaths = new Set<string>();
    c.volumeMounts.forEach((m: any, i: number) => {
      const p = `${path}.volumeMounts[${i}]`;
      if (!m?.name) errs.push(required(`${p}.name`));
      else if (!ctx.volumes.has(m.name)) errs.push(notFound(`${p}.name`, m.name));
      if (!m?.mountPath) errs.push(required(`${p}.mountPath`));
      else if (mountPaths.has(m.mountPath)) errs.push(invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
      else mountPaths.add(m.mountPath);
    });
  }
  return errs;
}

/** Validates a list of containers; `names` collects names across init and app containers. */
export function validateContainers(containers: unknown, path: string, ctx: ContainerContext, names: Set<string>): FieldError[] {
  if (!Array.isArray(containers)) return [invalid(path, containers, 'must be a list')];
  const errs: FieldError[] = [];
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(c)) return void errs.push(invalid(p, c, 'must be an object'));
    if (c.name) {
      if (names.has(c.name)) errs.push(duplicate(`${p}.name`, c.name));
      names.add(c.name);
    }
    errs.push(...validateContainer(c, p, ctx));
  });
  return errs;
}
