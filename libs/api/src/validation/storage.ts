/**
 * StorageClass validation (pkg/apis/storage/validation) and the PersistentVolumeClaim spec
 * checks a StatefulSet's volumeClaimTemplates must pass (ValidatePersistentVolumeClaimSpec).
 */
import { checkDns1123Subdomain, checkQualifiedName } from '../names.ts';
import { parseQuantity } from '../quantity.ts';
import { type FieldError, deepEqual, forbidden, immutable, invalid, invalidEach, isObject, notSupported, required } from './field-error.ts';
import { validateLabelSelector } from './meta.ts';

// Sorted, as Kubernetes lists a sets.String in its messages.
const accessModes = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const volumeModes = ['Block', 'Filesystem'];
const reclaimPolicies = ['Delete', 'Retain'];
const bindingModes = ['Immediate', 'WaitForFirstConsumer'];

function validateStorageRequest(resources: any, path: string): FieldError[] {
  const requested = isObject(resources?.requests) ? resources.requests.storage : undefined;
  if (requested === undefined || requested === null) return [required(`${path}[storage]`)];
  try {
    const q = parseQuantity(requested);
    return q.sign() > 0 ? [] : [invalid(`${path}[storage]`, q.toString(), 'must be greater than zero')];
  } catch (err) {
    return [invalid(`${path}[storage]`, requested, (err as Error).message)];
  }
}

export function validatePersistentVolumeClaimSpec(spec: unknown, path: string): FieldError[] {
  if (!isObject(spec)) return [required(path)];
  const errs: FieldError[] = [];
  const modes = spec.accessModes;
  if (!Array.isArray(modes) || modes.length === 0) errs.push(required(`${path}.accessModes`, 'at least 1 access mode is required'));
  else for (const mode of modes) if (!accessModes.includes(mode)) errs.push(notSupported(`${path}.accessModes`, mode, accessModes));
  if (spec.selector != null) errs.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  errs.push(...validateStorageRequest(spec.resources, `${path}.resources`));
  if (typeof spec.storageClassName === 'string' && spec.storageClassName !== '') {
    errs.push(...invalidEach(`${path}.storageClassName`, spec.storageClassName, checkDns1123Subdomain(spec.storageClassName)));
  }
  if (spec.volumeMode != null && !volumeModes.includes(spec.volumeMode)) errs.push(notSupported(`${path}.volumeMode`, spec.volumeMode, volumeModes));
  return errs;
}

export function validateStorageClass(sc: any): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = sc.provisioner;
  if (typeof provisioner !== 'string' || provisioner === '') errs.push(required('provisioner'));
  else errs.push(...invalidEach('provisioner', provisioner.toLowerCase(), checkQualifiedName(provisioner.toLowerCase())));
  if (sc.parameters != null && !isObject(sc.parameters)) errs.push(invalid('parameters', sc.parameters, 'must be a map of string keys to string values'));
  for (const key of Object.keys(isObject(sc.parameters) ? sc.parameters : {})) {
    if (key === '') errs.push(invalid('parameters', key, 'field can not be empty.'));
  }
  if (sc.reclaimPolicy && !reclaimPolicies.includes(sc.reclaimPolicy)) errs.push(notSupported('reclaimPolicy', sc.reclaimPolicy, reclaimPolicies));
  if (sc.volumeBindingMode == null) errs.push(required('volumeBindingMode'));
  else if (!bindingModes.includes(sc.volumeBindingMode)) errs.push(notSupported('volumeBindingMode', sc.volumeBindingMode, bindingModes));
  return errs;
}

/** A class's provisioning contract is fixed once volumes may have been made from it. */
export function validateStorageClassUpdate(sc: any, old: any): FieldError[] {
  const errs: FieldError[] = [];
  if (!deepEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (sc.provisioner !== old.provisioner) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (sc.reclaimPolicy !== old.reclaimPolicy) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...immutable('volumeBindingMode', sc.volumeBindingMode, old.volumeBindingMode));
  return errs;
}
