/** Which Ingresses this controller serves: its class by name, or none when its class is the default. */
import type { Ingress, IngressClass } from '@skiff/api';

/** The deprecated class annotation, still set by older charts; spec.ingressClassName wins over it. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/**
 * An Ingress is ours when it names our class (field or annotation), or names none while our
 * IngressClass is marked default — what upstream's admission would have filled in, had the
 * Ingress been created before the default class existed.
 */
export function isServedIngress(ing: Ingress, classes: readonly IngressClass[], ourClass: string): boolean {
  const named = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (named) return named === ourClass;
  const ours = classes.find((c) => c.metadata?.name === ourClass);
  return ours?.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';
}
