import { findResourceByKind, type Deployment, type PodTemplateSpec, type ReplicaSet } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { CliError } from '../errors.ts';

export const REPLICASETS = findResourceByKind('apps/v1', 'ReplicaSet')!;
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';

export interface Revision { revision: number; changeCause?: string; replicaSet: ReplicaSet }

/** The Deployment's ReplicaSets (controller-owned by its uid), by revision ascending. */
export async function listRevisions(client: RestClient, d: Deployment): Promise<Revision[]> {
  const namespace = d.metadata?.namespace;
  const sets = (await client.list<ReplicaSet>(REPLICASETS, namespace)).items
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.controller && o.uid === d.metadata?.uid));
  const out: Revision[] = [];
  for (const rs of sets) {
    const revision = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION]);
    if (!Number.isInteger(revision) || revision <= 0) continue;
    out.push({ revision, changeCause: rs.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION], replicaSet: rs });
  }
  return out.sort((a, b) => a.revision - b.revision);
}

/** kubectl's history table: `REVISION  CHANGE-CAUSE` columns, `<none>` without a cause. */
export function formatHistory(ref: string, revisions: Revision[]): string {
  const rows = [['REVISION', 'CHANGE-CAUSE'], ...revisions.map((r) => [String(r.revision), r.changeCause || '<none>'])];
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return `${ref} \n${rows.map(([rev, cause]) => `${rev.padEnd(width)}${cause}`).join('\n')}\n\n`;
}

/** `--revision=N`: that revision's pod template, described as kubectl describes one. */
export function formatRevision(ref: string, rev: Revision): string {
  return `${ref} with revision #${rev.revision}\n${describePodTemplate(rev.replicaSet.spec?.template)}\n`;
}

export function findRevision(revisions: Revision[], revision: number): Revision {
  const found = revisions.find((r) => r.revision === revision);
  if (!found) throw new CliError(`unable to find the specified revision`);
  return found;
}

function describePodTemplate(t: PodTemplateSpec | undefined): string {
  const lines = ['Pod Template:'];
  const map = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).map(([k, v]) => `${k}=${v}`);
  const labels = map(t?.metadata?.labels);
  lines.push(`  Labels:\t${labels[0] ?? '<none>'}`, ...labels.slice(1).map((l) => `\t${l}`));
  const annotations = map(t?.metadata?.annotations);
  if (annotations.length) lines.push(`  Annotations:\t${annotations[0]}`, ...annotations.slice(1).map((a) => `\t${a}`));
  lines.push('  Containers:');
  for (const c of t?.spec?.containers ?? []) {
    lines.push(`   ${c.name}:`, `    Image:\t${c.image ?? ''}`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`);
    lines.push(`    Port:\t${ports.join(', ') || '<none>'}`);
    const env = (c.env ?? []).map((e) => `      ${e.name}:\t${e.value ?? '<set from source>'}`);
    lines.push(`    Environment:${env.length ? '' : '\t<none>'}`, ...env);
  }
  const volumes = t?.spec?.volumes ?? [];
  lines.push(`  Volumes:\t${volumes.map((v) => v.name).join(', ') || '<none>'}`);
  return lines.join('\n');
}
