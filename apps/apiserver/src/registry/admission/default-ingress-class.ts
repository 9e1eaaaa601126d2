/**
 * DefaultIngressClass admission (upstream's plugin/pkg/admission/network/defaultingressclass),
 * mutating, on Ingress CREATE: an Ingress that names no class, neither by
 * `spec.ingressClassName` nor by the older `kubernetes.io/ingress.class` annotation, gets the
 * class marked `ingressclass.kubernetes.io/is-default-class: "true"`. With several marked, the
 * newest wins (ties by name), as upstream has chosen since 1.28 rather than refusing the
 * Ingress; with none, the Ingress is left without a class. Classes are read from the
 * apiserver's watched collection, never etcd per request.
 */
import { INGRESS_CLASS_ANNOTATION, findResourceByKind } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';
import type { AdmissionPlugin } from './admission.ts';

export const IS_DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const ingressClassesResource = findResourceByKind('networking.k8s.io/v1', 'IngressClass')!;

/** The default class among `classes`: the newest marked one, the first by name on a tie. */
export function pickDefaultIngressClass(classes: Iterable<KubeObject>): KubeObject | undefined {
  const defaults = [...classes].filter((c) => c.metadata.annotations?.[IS_DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true');
  const created = (c: KubeObject) => Date.parse(c.metadata.creationTimestamp ?? '') || 0;
  defaults.sort((a, b) => created(b) - created(a) || (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
  return defaults[0];
}

export const defaultIngressClassAdmission: AdmissionPlugin = {
  name: 'DefaultIngressClass',
  async admit(ctx, attrs) {
    const { res, object } = attrs;
    if (attrs.operation !== 'CREATE' || attrs.subresource !== '' || !object) return;
    if (res.group !== 'networking.k8s.io' || res.resource !== 'ingresses') return;
    const spec = (object.spec ??= {}) as { ingressClassName?: string };
    if (spec.ingressClassName != null) return;
    if (object.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] !== undefined) return;
    const collection = ctx.watched.of(ingressClassesResource);
    if (!collection.isSynced) await collection.synced;
    const chosen = pickDefaultIngressClass(collection.values());
    if (!chosen) return;
    ctx.logger.debug({ ingress: `${attrs.namespace}/${attrs.name}`, ingressClass: chosen.metadata.name }, 'defaulted the ingress class');
    spec.ingressClassName = chosen.metadata.name;
  },
};
