/**
 * `-o yaml|json|name|jsonpath=...` for full objects. Several objects print as one
 * `kind: List`, as kubectl does; yaml keys are sorted (kubectl goes through JSON maps).
 */
import { stringify } from 'yaml';
import type { KubeObject } from '@skiff/client';
import { CliError } from '../errors.ts';
import { renderJsonPath } from './jsonpath.ts';

export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'name' }
  | { kind: 'yaml' }
  | { kind: 'json' }
  | { kind: 'jsonpath'; template: string };

const allowed = 'json, yaml, name, wide, jsonpath';

/** Parses -o; undefined or '' means the default table. */
export function parseOutputFormat(output: string | undefined): OutputFormat {
  if (!output) return { kind: 'table', wide: false };
  if (output === 'wide') return { kind: 'table', wide: true };
  if (output === 'name' || output === 'yaml' || output === 'json') return { kind: output };
  const jp = /^jsonpath=(.*)$/s.exec(output);
  if (jp) {
    const template = jp[1];
    if (!template) throw new CliError('template format specified but no template given');
    return { kind: 'jsonpath', template };
  }
  throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${allowed}`);
}

/** A single object prints as itself, several (or a collection request) as a v1 List. */
export function asListOrSingle(objects: KubeObject[], single: boolean): unknown {
  if (single && objects.length === 1) return objects[0];
  return { apiVersion: 'v1', items: objects, kind: 'List', metadata: { resourceVersion: '' } };
}

export function toYaml(value: unknown): string {
  return stringify(value, { sortMapEntries: true, lineWidth: 0, indentSeq: false, version: '1.1', aliasDuplicateObjects: false });
}

/** 4-space JSON, kubectl's indentation. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}

/** Prints full objects in a non-table format. `prefixOf` gives 'deployment.apps' for -o name. */
export function printObjects(objects: KubeObject[], format: Exclude<OutputFormat, { kind: 'table' }>, opts: { single: boolean; prefixOf: (obj: KubeObject) => string }): string {
  switch (format.kind) {
    case 'name':
      return objects.map((o) => `${opts.prefixOf(o)}/${o.metadata?.name ?? ''}\n`).join('');
    case 'yaml':
      return toYaml(asListOrSingle(objects, opts.single));
    case 'json':
      return toJson(asListOrSingle(objects, opts.single));
    case 'jsonpath':
      return renderJsonPath(format.template, asListOrSingle(objects, opts.single));
  }
}
