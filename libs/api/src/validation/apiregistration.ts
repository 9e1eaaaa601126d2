/**
 * apiregistration.k8s.io/v1 APIService, as kube-aggregator validates it: the name is
 * `<version>.<group>`, priorities are bounded, and a local APIService (no `spec.service`)
 * carries no TLS settings while a remote one takes a caBundle or insecureSkipTLSVerify, not both.
 */
import { checkDns1035Label, checkDns1123Subdomain, checkPortNumber } from '../names.ts';
import { type FieldError, invalid, invalidEach, required } from './field-error.ts';

/** Local APIServices are served by this apiserver; the rest by a Service's endpoints. */
export function validateApiService(service: any): FieldError[] {
  const spec = service.spec ?? {};
  const group: string = typeof spec.group === 'string' ? spec.group : '';
  const version: string = typeof spec.version === 'string' ? spec.version : '';
  const errs: FieldError[] = [];
  const requiredName = `${version}.${group}`;
  const name = service.metadata?.name;
  if (typeof name === 'string' && name !== '' && name !== requiredName) {
    errs.push(invalid('metadata.name', name, `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(requiredName)}`));
  }
  // The legacy core group is the only one without a name.
  if (group === '' && version !== 'v1') errs.push(required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') errs.push(...invalidEach('spec.group', group, checkDns1123Subdomain(group)));
  errs.push(...invalidEach('spec.version', version, checkDns1035Label(version)));
  errs.push(...bounded('spec.groupPriorityMinimum', spec.groupPriorityMinimum, 20000));
  errs.push(...bounded('spec.versionPriority', spec.versionPriority, 1000));
  const caBundle: string = typeof spec.caBundle === 'string' ? spec.caBundle : '';
  if (spec.service === undefined || spec.service === null) {
    if (caBundle !== '') errs.push(invalid('spec.caBundle', `${Buffer.from(caBundle, 'base64').length} bytes`, 'local APIServices may not have a caBundle'));
    if (spec.insecureSkipTLSVerify === true) errs.push(invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  if (!spec.service.namespace) errs.push(required('spec.service.namespace'));
  if (!spec.service.name) errs.push(required('spec.service.name'));
  const port = spec.service.port;
  const portErrs = checkPortNumber(typeof port === 'number' ? port : 0);
  if (portErrs.length > 0) errs.push(invalid('spec.service.port', port, `port is not valid: ${portErrs.join(', ')}`));
  if (spec.insecureSkipTLSVerify === true && caBundle !== '') {
    errs.push(invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  }
  return errs;
}

/** 1..max; kube-aggregator words both bounds as "positive and less than <max>". */
function bounded(field: string, value: unknown, max: number): FieldError[] {
  const n = typeof value === 'number' ? value : 0;
  return n <= 0 || n > max ? [invalid(field, value ?? 0, `must be positive and less than ${max}`)] : [];
}
