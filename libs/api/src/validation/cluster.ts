/** Namespace, Node, Lease, Event, Binding and ServiceAccount validation. */
import { checkCIDR, checkQualifiedName } from '../names.ts';
import { parseQuantity } from '../quantity.ts';
import { type FieldError, forbidden, invalid, invalidEach, isObject, nonNegative, notSupported, positive, required } from './field-error.ts';
import { validateLabels } from './meta.ts';

const taintEffects = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

export function validateNamespace(ns: any): FieldError[] {
  const errs: FieldError[] = [];
  (ns.spec?.finalizers ?? []).forEach((f: unknown, i: number) => {
    // 'kubernetes' is the standard finalizer; others must be qualified names with a domain.
    if (typeof f !== 'string') errs.push(invalid(`spec.finalizers[${i}]`, f, 'must be a string'));
    else if (f !== 'kubernetes') {
      const msgs = checkQualifiedName(f);
      if (msgs.length) errs.push(...invalidEach(`spec.finalizers[${i}]`, f, msgs));
      else if (!f.includes('/')) errs.push(invalid(`spec.finalizers[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  const phase = ns.status?.phase;
  if (phase !== undefined && !['Active', 'Terminating'].includes(phase)) errs.push(notSupported('status.phase', phase, ['Active', 'Terminating']));
  return errs;
}

export function validateNode(node: any): FieldError[] {
  const errs: FieldError[] = [];
  const spec = node.spec ?? {};
  if (spec.podCIDR) errs.push(...invalidEach('spec.podCIDR', spec.podCIDR, checkCIDR(String(spec.podCIDR))));
  (spec.podCIDRs ?? []).forEach((c: string, i: number) => errs.push(...invalidEach(`spec.podCIDRs[${i}]`, c, checkCIDR(String(c)))));
  if (spec.podCIDR && Array.isArray(spec.podCIDRs) && spec.podCIDRs.length && spec.podCIDRs[0] !== spec.podCIDR) {
    errs.push(invalid('spec.podCIDRs', spec.podCIDRs, 'the first value must match spec.podCIDR'));
  }
  (spec.taints ?? []).forEach((t: any, i: number) => {
    const p = `spec.taints[${i}]`;
    if (!t?.key) errs.push(required(`${p}.key`));
    else errs.push(...validateLabels({ [t.key]: t.value ?? '' }, p));
    if (!t?.effect) errs.push(required(`${p}.effect`));
    else if (!taintEffects.includes(t.effect)) errs.push(notSupported(`${p}.effect`, t.effect, taintEffects));
  });
  for (const list of ['capacity', 'allocatable'] as const) {
    const rl = node.status?.[list];
    if (!isObject(rl)) continue;
    for (const [name, value] of Object.entries(rl)) {
      try {
        if (parseQuantity(value as string).sign() < 0) errs.push(invalid(`status.${list}[${name}]`, value, 'must be greater than or equal to 0'));
      } catch (err) {
        errs.push(invalid(`status.${list}[${name}]`, value, (err as Error).message));
      }
    }
  }
  return errs;
}

/** A node's pod CIDR is assigned once ("" → value) and never changes after. */
export function validateNodeUpdate(node: any, old: any): FieldError[] {
  const prev = old.spec?.podCIDR;
  const next = node.spec?.podCIDR;
  if (prev && next !== prev) return [forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid')];
  const prevList: string[] = old.spec?.podCIDRs ?? [];
  const nextList: string[] = node.spec?.podCIDRs ?? [];
  if (prevList.length && JSON.stringify(prevList) !== JSON.stringify(nextList)) {
    return [forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')];
  }
  return [];
}

export function validateLease(lease: any): FieldError[] {
  const spec = lease.spec ?? {};
  const errs = positive('spec.leaseDurationSeconds', spec.leaseDurationSeconds);
  errs.push(...nonNegative('spec.leaseTransitions', spec.leaseTransitions));
  if (spec.preferredHolder && !spec.strategy) errs.push(forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  return errs;
}

export function validateEvent(event: any, eventsV1: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const ns = event.metadata?.namespace ?? '';
  if (eventsV1) {
    const regardingNs = event.regarding?.namespace;
    if (regardingNs && regardingNs !== ns) errs.push(invalid('regarding.namespace', regardingNs, 'does not match event.namespace'));
    if (!event.reportingController) errs.push(required('reportingController'));
    if (!event.reportingInstance) errs.push(required('reportingInstance'));
    if (!event.action) errs.push(required('action'));
    if (!event.reason) errs.push(required('reason'));
    if (event.type !== 'Normal' && event.type !== 'Warning') errs.push(invalid('type', event.type ?? '', 'has invalid value: ' + (event.type ?? '')));
    if (typeof event.note === 'string' && Buffer.byteLength(event.note) > 1024) errs.push(invalid('note', '', 'can have at most 1024 characters'));
  } else if (!event.eventTime) {
    // Legacy core events live in their object's namespace; events about cluster-scoped objects
    // (nodes) live in 'default' for compatibility with old clients.
    const involvedNs = event.involvedObject?.namespace ?? '';
    const ok = involvedNs === '' ? ns === '' || ns === 'default' : ns === involvedNs;
    if (!ok) errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  }
  return errs;
}

export function validateBinding(binding: any): FieldError[] {
  const errs: FieldError[] = [];
  const target = binding.target ?? {};
  if (target.kind && target.kind !== 'Node') errs.push(notSupported('target.kind', target.kind, ['Node', '<empty>']));
  if (!target.name) errs.push(required('target.name'));
  return errs;
}

export function validateServiceAccount(sa: any): FieldError[] {
  const errs: FieldError[] = [];
  (sa.secrets ?? []).forEach((s: any, i: number) => {
    if (!s?.name) errs.push(required(`secrets[${i}].name`));
  });
  (sa.imagePullSecrets ?? []).forEach((s: any, i: number) => {
    if (!s?.name) errs.push(required(`imagePullSecrets[${i}].name`));
  });
  return errs;
}
