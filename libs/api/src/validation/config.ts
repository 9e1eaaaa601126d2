/** ConfigMap and Secret validation (pkg/apis/core/validation). */
import { checkConfigMapKey } from '../names.ts';
import { type FieldError, forbidden, immutable, invalid, invalidEach, isObject, required, tooLong } from './field-error.ts';

export const MAX_CONFIG_SIZE = 1024 * 1024;

function validateKeys(map: unknown, path: string, errs: FieldError[]): string[] {
  if (map === undefined || map === null) return [];
  if (!isObject(map)) {
    errs.push(invalid(path, map, 'must be a map of string keys to string values'));
    return [];
  }
  for (const key of Object.keys(map)) errs.push(...invalidEach(`${path}[${key}]`, key, checkConfigMapKey(key)));
  return Object.keys(map);
}

function base64Size(value: string): number {
  return Buffer.byteLength(value, 'base64');
}

export function validateConfigMap(cm: any): FieldError[] {
  const errs: FieldError[] = [];
  const dataKeys = validateKeys(cm.data, 'data', errs);
  const binaryKeys = new Set(validateKeys(cm.binaryData, 'binaryData', errs));
  let size = 0;
  for (const key of dataKeys) {
    const v = cm.data[key];
    if (typeof v !== 'string') errs.push(invalid(`data[${key}]`, v, 'must be a string'));
    else size += Buffer.byteLength(v);
    if (binaryKeys.has(key)) errs.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
  }
  for (const key of binaryKeys) {
    const v = cm.binaryData[key];
    if (typeof v !== 'string' || !isBase64(v)) errs.push(invalid(`binaryData[${key}]`, '<binary>', 'illegal base64 data'));
    else size += base64Size(v);
  }
  if (size > MAX_CONFIG_SIZE) errs.push(tooLong('', MAX_CONFIG_SIZE));
  return errs;
}

function isBase64(s: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
}

const secretTypeKeys: Record<string, string[]> = {
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
};

export function validateSecret(secret: any): FieldError[] {
  const errs: FieldError[] = [];
  const keys = validateKeys(secret.data, 'data', errs);
  let size = 0;
  for (const key of keys) {
    const v = secret.data[key];
    // Values are redacted in messages so a bad request never echoes secret material.
    if (typeof v !== 'string' || !isBase64(v)) errs.push(invalid(`data[${key}]`, '<secret contents redacted>', 'illegal base64 data'));
    else size += base64Size(v);
  }
  const stringKeys = validateKeys(secret.stringData, 'stringData', errs);
  for (const key of stringKeys) size += Buffer.byteLength(String(secret.stringData[key]));
  if (size > MAX_CONFIG_SIZE) errs.push(tooLong('data', MAX_CONFIG_SIZE));
  const type = secret.type ?? 'Opaque';
  const present = new Set([...keys, ...stringKeys]);
  for (const key of secretTypeKeys[type] ?? []) if (!present.has(key)) errs.push(required(`data[${key}]`));
  if (type === 'kubernetes.io/service-account-token' && !secret.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (type === 'kubernetes.io/basic-auth' && !present.has('username') && !present.has('password')) {
    errs.push(required('data[username]', 'either username or password is required'));
  }
  return errs;
}

/** Immutable ConfigMaps and Secrets may only be deleted; `immutable: true` cannot be undone. */
function validateImmutableData(obj: any, old: any, dataFields: string[]): FieldError[] {
  if (old.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (obj.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of dataFields) {
    if (immutable(f, obj[f] ?? {}, old[f] ?? {}).length) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export function validateConfigMapUpdate(cm: any, old: any): FieldError[] {
  return validateImmutableData(cm, old, ['data', 'binaryData']);
}

export function validateSecretUpdate(secret: any, old: any): FieldError[] {
  const errs = immutable('type', secret.type ?? 'Opaque', old.type ?? 'Opaque');
  errs.push(...validateImmutableData(secret, old, ['data']));
  return errs;
}
