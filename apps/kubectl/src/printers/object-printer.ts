/**
 * `-o yaml|json|name|jsonpath=...|custom-columns=...|go-template=...` (and the -file
 * forms) for full objects. Several objects print as one `kind: List`, as kubectl does;
 * yaml keys are sorted (kubectl goes through JSON maps).
 */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { KubeObject } from '@skiff/client';
import { CliError } from '../errors.ts';
import { parseColumnsFile, parseColumnsSpec, renderCustomColumns, type CustomColumn } from './custom-columns.ts';
import { compileGoTemplate } from './go-template.ts';
import { renderJsonPath } from './jsonpath.ts';

export type OutputFormat =
  | { kind: 'table'; wide: boolean }
  | { kind: 'name' }
  | { kind: 'yaml' }
  | { kind: 'json' }
  | { kind: 'jsonpath'; template: string }
  | { kind: 'custom-columns'; columns: CustomColumn[] }
  | { kind: 'go-template'; render: (data: unknown) => string };

const allowed = 'custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-file,name,template,templatefile,wide,yaml';

function readTemplateFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`error reading --template ${path}, ${(err as Error).message}`);
  }
}

/**
 * Parses -o; undefined or '' means the default table. `template` is kubectl's --template
 * flag, the text for `-o go-template|jsonpath|...` given without `=`.
 */
export function parseOutputFormat(output: string | undefined, template?: string): OutputFormat {
  if (!output) return { kind: 'table', wide: false };
  if (output === 'wide') return { kind: 'table', wide: true };
  if (output === 'name' || output === 'yaml' || output === 'json') return { kind: output };
  const m = /^(jsonpath|jsonpath-file|go-template|go-template-file|template|templatefile|custom-columns|custom-columns-file)(?:=(.*))?$/s.exec(output);
  if (!m) throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${allowed}`);
  const [, name, inline] = m;
  if (name.startsWith('custom-columns')) {
    if (name === 'custom-columns') return { kind: 'custom-columns', columns: parseColumnsSpec(inline ?? '') };
    if (!inline) throw new CliError('custom-columns-file format specified but no custom columns file given');
    return { kind: 'custom-columns', columns: parseColumnsFile(readTemplateFile(inline)) };
  }
  const given = inline ?? template;
  if (!given) throw new CliError('template format specified but no template given');
  const text = name.endsWith('file') ? readTemplateFile(given) : given;
  if (name.startsWith('jsonpath')) return { kind: 'jsonpath', template: text };
  return { kind: 'go-template', render: compileGoTemplate(text) };
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
export function printObjects(
  objects: KubeObject[],
  format: Exclude<OutputFormat, { kind: 'table' }>,
  opts: { single: boolean; prefixOf: (obj: KubeObject) => string; noHeaders?: boolean },
): string {
  switch (format.kind) {
    case 'name':
      return objects.map((o) => `${opts.prefixOf(o)}/${o.metadata?.name ?? ''}\n`).join('');
    case 'yaml':
      return toYaml(asListOrSingle(objects, opts.single));
    case 'json':
      return toJson(asListOrSingle(objects, opts.single));
    case 'jsonpath':
      return renderJsonPath(format.template, asListOrSingle(objects, opts.single));
    case 'custom-columns':
      return renderCustomColumns(format.columns, asListOrSingle(objects, opts.single), opts.noHeaders);
    case 'go-template':
      return format.render(asListOrSingle(objects, opts.single));
  }
}
