/**
 * The params a ValidatingAdmissionPolicyBinding hands its policy, as upstream's policy
 * dispatcher collects them: none without paramKind; the object paramRef.name names, or every
 * object paramRef.selector selects, in paramRef.namespace (the request's namespace when unset)
 * for a namespaced paramKind. They are read from the apiserver's watched collection of the
 * paramKind's resource (custom resources too, once their CRD is served), never from etcd per
 * request. No params found: parameterNotFoundAction Allow skips the binding, Deny (and every
 * configuration error) is the policy's failure under its failurePolicy.
 */
import { labelSelectorMatches, type LabelSelector } from '@skiff/api';
import type { KubeObject } from '../../../storage/store.ts';
import type { RegistryContext } from '../../context.ts';
import type { AdmissionAttributes } from '../admission.ts';
import type { PolicySpec } from './policy-evaluation.ts';

export interface ParamRef {
  name?: string;
  namespace?: string;
  selector?: LabelSelector;
  parameterNotFoundAction?: 'Allow' | 'Deny';
}

/** The params to evaluate the policy with (`[null]` without paramKind), `skip`, or a configuration error's message. */
export type ParamsOutcome = { params: (KubeObject | null)[] } | { skip: true } | { error: string };

const byName = (a: KubeObject, b: KubeObject) =>
  `${a.metadata.namespace ?? ''}/${a.metadata.name}` < `${b.metadata.namespace ?? ''}/${b.metadata.name}` ? -1 : 1;

export async function collectParams(ctx: RegistryContext, spec: PolicySpec, ref: ParamRef | undefined, attrs: AdmissionAttributes): Promise<ParamsOutcome> {
  const kind = spec.paramKind;
  if (!kind) return { params: [null] };
  const gvk = `${kind.apiVersion ?? ''}, Kind=${kind.kind ?? ''}`;
  if (!ref) return { error: `failed to configure binding: paramKind kind \`${gvk}\` is configured but binding has no \`paramRef\`` };
  const res = ctx.served.findByKind(kind.apiVersion ?? '', kind.kind ?? '');
  if (!res) return { error: `failed to configure policy: failed to find resource referenced by paramKind: '${gvk}'` };
  let namespace: string | undefined;
  if (res.namespaced) {
    namespace = ref.namespace || attrs.namespace;
    if (!namespace) return { error: 'failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources' };
  }
  const collection = ctx.watched.of(res);
  if (!collection.isSynced) await collection.synced;
  let found: KubeObject[];
  if (ref.name) {
    const one = collection.get(namespace, ref.name);
    found = one ? [one] : [];
  } else {
    const selector = ref.selector ?? {};
    found = [...collection.values(namespace)].filter((obj) => labelSelectorMatches(selector, obj.metadata.labels ?? {})).sort(byName);
  }
  if (found.length > 0) return { params: found };
  if (ref.parameterNotFoundAction === 'Allow') return { skip: true };
  return { error: 'failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction' };
}
