/**
 * A workload's revisions as `kubectl rollout history` lists them: a Deployment's come from
 * the ReplicaSets it controls (annotation deployment.kubernetes.io/revision), a
 * StatefulSet's and DaemonSet's from the ControllerRevisions it controls, whose `.data` is
 * a strategic merge patch `{"spec":{"template":{...,"$patch":"replace"}}}`.
 */
import {
  apiVersionOf,
  applyStrategicMergePatch,
  findResourceByKind,
  type ControllerRevision,
  type PodTemplateSpec,
  type ReplicaSet,
  type ResourceInfo,
} from '@skiff/api';
import type { KubeObject, RestClient } from '@skiff/client';
import { CliError } from '../errors.ts';
import { describePodTemplate } from '../describe/pod-template.ts';
import { Lines } from '../describe/lines.ts';
import { tabbed } from '../printers/tabwriter.ts';
import { groupKind } from './rollout-status-viewers.ts';

export const REPLICASETS = findResourceByKind('apps/v1', 'ReplicaSet')!;
export const CONTROLLER_REVISIONS = findResourceByKind('apps/v1', 'ControllerRevision')!;
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const CHANGE_CAUSE_ANNOTATION = 'kubernetes.io/change-cause';
const POD_TEMPLATE_HASH = 'pod-template-hash';

export interface Revision {
  revision: number;
  changeCause?: string;
  /** The pod template as the workload held it at this revision. */
  template: PodTemplateSpec;
  /** The ControllerRevision behind it (StatefulSet, DaemonSet). */
  controllerRevision?: ControllerRevision;
}

const historyKinds = new Set(['apps/Deployment', 'apps/StatefulSet', 'apps/DaemonSet']);

export function assertHasHistory(res: Pick<ResourceInfo, 'group' | 'kind'>, what: 'history viewer' | 'rollbacker'): void {
  if (historyKinds.has(`${res.group}/${res.kind}`)) return;
  throw new CliError(
    what === 'rollbacker' ? `no rollbacker has been implemented for "${groupKind(res)}"` : `no history viewer has been implemented for ${groupKind(res)}`,
  );
}

function isControlledBy(o: KubeObject, owner: KubeObject): boolean {
  return o.metadata?.ownerReferences?.some((ref) => ref.controller && ref.uid === owner.metadata?.uid) ?? false;
}

/** The Deployment's template as the ReplicaSet holds it, minus the hash label the controller adds. */
export function templateForRollback(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = structuredClone(template ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels[POD_TEMPLATE_HASH];
  return copy;
}

/** The workload's template at a ControllerRevision: its data applied to the live object. */
export function templateOfControllerRevision(res: ResourceInfo, obj: KubeObject, cr: ControllerRevision): PodTemplateSpec {
  const patched = applyStrategicMergePatch(obj, cr.data ?? {}, `${apiVersionOf(res)}/${res.kind}`) as { spec?: { template?: PodTemplateSpec } };
  return patched.spec?.template ?? {};
}

/** The object's revisions, oldest first. */
export async function listRevisions(client: RestClient, res: ResourceInfo, obj: KubeObject): Promise<Revision[]> {
  const namespace = obj.metadata?.namespace;
  const out: Revision[] = [];
  if (res.kind === 'Deployment') {
    for (const rs of (await client.list<ReplicaSet>(REPLICASETS, namespace)).items) {
      if (!isControlledBy(rs, obj)) continue;
      const revision = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION]);
      if (!Number.isInteger(revision) || revision <= 0) continue;
      out.push({ revision, changeCause: rs.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION], template: templateForRollback(rs.spec?.template) });
    }
  } else {
    for (const cr of (await client.list<ControllerRevision>(CONTROLLER_REVISIONS, namespace)).items) {
      if (!isControlledBy(cr, obj)) continue;
      out.push({
        revision: cr.revision,
        changeCause: cr.metadata?.annotations?.[CHANGE_CAUSE_ANNOTATION],
        template: templateOfControllerRevision(res, obj, cr),
        controllerRevision: cr,
      });
    }
  }
  return out.sort((a, b) => a.revision - b.revision);
}

/** kubectl's history table: `REVISION  CHANGE-CAUSE` columns, `<none>` without a cause. */
export function formatHistory(ref: string, revisions: Revision[]): string {
  if (revisions.length === 0) return `${ref} \nNo rollout history found.\n`;
  const rows = revisions.map((r) => `${r.revision}\t${r.changeCause || '<none>'}\n`).join('');
  return `${ref} \n${tabbed(`REVISION\tCHANGE-CAUSE\n${rows}`)}\n`;
}

/**
 * `--revision=N`: that revision's pod template, described as kubectl describes one — and,
 * as kubectl writes it, straight to the output with its tabs (no tabwriter in between).
 */
export function formatRevision(ref: string, rev: Revision): string {
  return `${ref} with revision #${rev.revision}\n${podTemplateText(rev.template)}\n`;
}

/** kubectl's printTemplate: DescribePodTemplate's lines, tabs left in. */
export function podTemplateText(template: PodTemplateSpec): string {
  const w = new Lines();
  describePodTemplate(w, template);
  return w.toString();
}

export function findRevision(revisions: Revision[], revision: number): Revision {
  const found = revisions.find((r) => r.revision === revision);
  if (!found) throw new CliError(`unable to find the specified revision`);
  return found;
}
