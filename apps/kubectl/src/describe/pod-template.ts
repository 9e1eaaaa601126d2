/**
 * kubectl's DescribePodTemplate and the container and volume sections it shares with the
 * Pod describer: what `describe deploy|sts|ds|job|cj` and `rollout history --revision=N` show.
 */
import { type Lines, LAST_APPLIED, type Obj } from './lines.ts';

function ports(c: Obj, pick: (p: Obj) => number | undefined): string {
  return ((c.ports ?? []) as Obj[]).map((p) => `${pick(p) ?? 0}/${p.protocol ?? 'TCP'}`).join(', ');
}

function probeText(p: Obj): string {
  let action = 'unknown';
  if (p.httpGet) action = `http-get ${p.httpGet.scheme === 'HTTPS' ? 'https' : 'http'}://${p.httpGet.host ?? ''}:${p.httpGet.port}${p.httpGet.path ?? ''}`;
  else if (p.tcpSocket) action = `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port}`;
  else if (p.exec) action = `exec [${(p.exec.command ?? []).join(' ')}]`;
  else if (p.grpc) action = `grpc <pod>:${p.grpc.port} ${p.grpc.service ?? ''}`;
  return `${action} delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
}

function envValue(e: Obj): string {
  const from = e.valueFrom;
  if (!from) return e.value ?? '';
  if (from.fieldRef) return ` (${from.fieldRef.apiVersion ?? 'v1'}:${from.fieldRef.fieldPath})`;
  if (from.resourceFieldRef) return `${from.resourceFieldRef.resource} (${from.resourceFieldRef.containerName ?? ''})`;
  if (from.secretKeyRef)
    return `<set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name}'>\tOptional: ${from.secretKeyRef.optional === true}`;
  if (from.configMapKeyRef)
    return `<set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name}'>\tOptional: ${from.configMapKeyRef.optional === true}`;
  return '';
}

/** One container's lines (its name after `nameIndent`); `status` adds what a running Pod knows (state, readiness, restarts). */
export function describeContainer(w: Lines, c: Obj, status: Obj | undefined, nameIndent: string): void {
  w.add(1, `${nameIndent}${c.name}:`);
  if (status) w.add(2, `Container ID:\t${status.containerID ?? ''}`);
  w.add(2, `Image:\t${c.image ?? ''}`);
  if (status) w.add(2, `Image ID:\t${status.imageID ?? ''}`);
  const containerPorts = ports(c, (p) => p.containerPort);
  const hostPorts = ports(c, (p) => p.hostPort);
  w.field(2, containerPorts.includes(',') ? 'Ports' : 'Port', containerPorts);
  w.field(2, hostPorts.includes(',') ? 'Host Ports' : 'Host Port', hostPorts);
  for (const [title, list] of [
    ['Command', c.command],
    ['Args', c.args],
  ] as const) {
    if (!list?.length) continue;
    w.add(2, `${title}:`);
    for (const item of list as string[]) for (const line of item.split('\n')) w.add(3, line);
  }
  if (status) {
    const state = Object.keys(status.state ?? {})[0];
    w.add(2, `State:\t${state ? state[0].toUpperCase() + state.slice(1) : 'Waiting'}`);
    w.add(2, `Ready:\t${status.ready === true ? 'True' : 'False'}`);
    w.add(2, `Restart Count:\t${status.restartCount ?? 0}`);
  }
  for (const kind of ['limits', 'requests'] as const) {
    const entries = Object.entries((c.resources?.[kind] ?? {}) as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
    if (!entries.length) continue;
    w.add(2, `${kind[0].toUpperCase()}${kind.slice(1)}:`);
    for (const [name, q] of entries) w.add(3, `${name}:\t${q}`);
  }
  for (const [title, probe] of [
    ['Liveness', c.livenessProbe],
    ['Readiness', c.readinessProbe],
    ['Startup', c.startupProbe],
  ] as const) {
    if (probe) w.add(2, `${title}:\t${probeText(probe as Obj)}`);
  }
  const env = (c.env ?? []) as Obj[];
  w.add(2, `Environment:${env.length ? '' : '\t<none>'}`);
  for (const e of env) {
    const [first, ...rest] = envValue(e).split('\n');
    w.add(3, `${e.name}:\t${first}`);
    for (const line of rest) w.lines.push(`\t${line}`);
  }
  const mounts = [...((c.volumeMounts ?? []) as Obj[])].sort((a, b) => String(a.mountPath).localeCompare(String(b.mountPath)));
  w.add(2, `Mounts:${mounts.length ? '' : '\t<none>'}`);
  for (const m of mounts) {
    const flags = [m.readOnly ? 'ro' : 'rw', ...(m.subPath ? [`path="${m.subPath}"`] : [])];
    w.add(3, `${m.mountPath} from ${m.name} (${flags.join(',')})`);
  }
}

/** `  Containers:` (or `  Init Containers:`) and each container; `indent` is '' for a Pod, '  ' in a template. */
export function describeContainers(w: Lines, title: string, containers: Obj[] | undefined, statuses: Obj[] | undefined, indent: string): void {
  w.add(0, `${indent}${title}:`);
  for (const c of containers ?? [])
    describeContainer(
      w,
      c,
      (statuses ?? []).find((s) => s.name === c.name),
      indent ? ' ' : '',
    );
}

function volumeSource(w: Lines, v: Obj): void {
  if (v.hostPath) {
    w.add(2, 'Type:\tHostPath (bare host directory volume)')
      .add(2, `Path:\t${v.hostPath.path}`)
      .add(2, `HostPathType:\t${v.hostPath.type ?? ''}`);
  } else if (v.emptyDir) {
    w.add(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)")
      .add(2, `Medium:\t${v.emptyDir.medium ?? ''}`)
      .add(2, `SizeLimit:\t${v.emptyDir.sizeLimit ?? '<unset>'}`);
  } else if (v.configMap) {
    w.add(2, 'Type:\tConfigMap (a volume populated by a ConfigMap)')
      .add(2, `Name:\t${v.configMap.name ?? ''}`)
      .add(2, `Optional:\t${v.configMap.optional === true}`);
  } else if (v.secret) {
    w.add(2, 'Type:\tSecret (a volume populated by a Secret)')
      .add(2, `SecretName:\t${v.secret.secretName ?? ''}`)
      .add(2, `Optional:\t${v.secret.optional === true}`);
  } else if (v.persistentVolumeClaim) {
    w.add(2, 'Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)')
      .add(2, `ClaimName:\t${v.persistentVolumeClaim.claimName}`)
      .add(2, `ReadOnly:\t${v.persistentVolumeClaim.readOnly === true}`);
  } else if (v.projected) {
    w.add(2, 'Type:\tProjected (a volume that contains injected data from multiple sources)');
  } else {
    w.add(1, '<unknown>');
  }
}

export function describeVolumes(w: Lines, volumes: Obj[] | undefined, indent: string): void {
  if (!volumes?.length) {
    w.add(0, `${indent}Volumes:\t<none>`);
    return;
  }
  w.add(0, `${indent}Volumes:`);
  for (const v of volumes) {
    w.add(1, `${indent ? ' ' : ''}${v.name}:`);
    volumeSource(w, v);
  }
}

/** `key=value:effect op=Exists for 300s`, kubectl's toleration line. */
export function formatToleration(t: Obj): string {
  let text = t.key ?? '';
  if (t.value) text += `=${t.value}`;
  if (t.effect) text += `:${t.effect}`;
  if (t.operator === 'Exists' && !t.value) text += `${t.key ? ' ' : ''}op=Exists`;
  if (t.tolerationSeconds !== undefined) text += ` for ${t.tolerationSeconds}s`;
  return text;
}

export function describePodTemplate(w: Lines, template: Obj | undefined): void {
  w.add(0, 'Pod Template:');
  if (!template) {
    w.add(1, '<unset>');
    return;
  }
  w.labels(1, 'Labels', template.metadata?.labels);
  if (Object.keys(template.metadata?.annotations ?? {}).length) w.labels(1, 'Annotations', template.metadata.annotations, [LAST_APPLIED]);
  const spec = template.spec ?? {};
  if (spec.serviceAccountName) w.field(1, 'Service Account', spec.serviceAccountName);
  if (spec.initContainers?.length) describeContainers(w, 'Init Containers', spec.initContainers, undefined, '  ');
  describeContainers(w, 'Containers', spec.containers, undefined, '  ');
  describeVolumes(w, spec.volumes, '  ');
  if (spec.priorityClassName) w.field(1, 'Priority Class Name', spec.priorityClassName);
  w.labels(1, 'Node-Selectors', spec.nodeSelector);
  w.field(1, 'Tolerations', ((spec.tolerations ?? []) as Obj[]).map(formatToleration).join('\n'));
}
