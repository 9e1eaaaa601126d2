/**
 * `kubectl explain RESOURCE[.field.path] [--recursive] [--api-version=group/version]`
 * from the served OpenAPI v2 document, in kubectl 1.20's layout (newer kubectl's
 * `--output=plaintext-openapiv2`): KIND/VERSION, RESOURCE or FIELD, DESCRIPTION wrapped
 * at 80 columns, FIELDS with `<type>` and `-required-`. Schemas are read as kubectl's
 * proto models do: a $ref is a reference, `type: object` with properties a kind, without
 * them a map, no type and no properties an arbitrary value.
 */
import type { ResourceMapping } from '../rest-mapper.ts';
import { registerCommand, type CommandContext } from '../command.ts';
import { CliError } from '../errors.ts';

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

export interface OpenApiV2 {
  definitions?: Record<string, JsonSchema>;
}

/** A schema as kubectl's proto package sees it. */
type Model =
  | { kind: 'reference'; name: string; description: string; target: () => Model }
  | { kind: 'array'; description: string; items: Model }
  | { kind: 'map'; description: string; values: Model }
  | { kind: 'kind'; description: string; fields: Record<string, Model>; required: string[] }
  | { kind: 'primitive'; description: string; type: string }
  | { kind: 'arbitrary'; description: string };

export function toModel(doc: OpenApiV2, s: JsonSchema): Model {
  const description = s.description ?? '';
  if (s.$ref) {
    const name = s.$ref.replace(/^#\/definitions\//, '');
    return { kind: 'reference', name, description, target: () => toModel(doc, doc.definitions?.[name] ?? {}) };
  }
  const types = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const kindOf = (): Model => {
    const fields: Record<string, Model> = {};
    for (const [k, v] of Object.entries(s.properties ?? {})) fields[k] = toModel(doc, v);
    return { kind: 'kind', description, fields, required: s.required ?? [] };
  };
  if (types.length === 0) return s.properties ? kindOf() : { kind: 'arbitrary', description };
  if (types[0] === 'object') {
    if (s.properties) return kindOf();
    const values = typeof s.additionalProperties === 'object' ? toModel(doc, s.additionalProperties) : { kind: 'arbitrary' as const, description: '' };
    return { kind: 'map', description, values };
  }
  if (types[0] === 'array') return { kind: 'array', description, items: s.items ? toModel(doc, s.items) : { kind: 'arbitrary', description: '' } };
  return { kind: 'primitive', description, type: types[0] };
}

export function typeName(m: Model): string {
  switch (m.kind) {
    case 'reference':
      return typeName(m.target());
    case 'array':
      return `[]${typeName(m.items)}`;
    case 'map':
      return `map[string]${typeName(m.values)}`;
    case 'kind':
      return 'Object';
    case 'primitive':
      return m.type;
    case 'arbitrary':
      return '';
  }
}

/** Walks `path` down from `m`: arrays, maps and references pass through; a primitive ends the walk early, as kubectl's does. */
export function lookupField(m: Model, path: string[]): Model {
  if (m.kind === 'primitive' || m.kind === 'arbitrary') return m;
  if (path.length === 0) return m;
  switch (m.kind) {
    case 'reference':
      return lookupField(m.target(), path);
    case 'array':
      return lookupField(m.items, path);
    case 'map':
      return lookupField(m.values, path);
    case 'kind': {
      const field = m.fields[path[0]];
      if (!field) throw new CliError(`field "${path[0]}" does not exist`);
      return lookupField(field, path.slice(1));
    }
  }
}

// ---- text layout (kubectl's explain Formatter) ----------------------------------------

const WRAP = 80;

function startsNewLine(lastWord: string, line: string): boolean {
  if (lastWord.endsWith(':') || line.startsWith('    ')) return true;
  const trimmed = line.trim();
  return trimmed.length === 0 || /^(\d+\.?|-|\*)\s/.test(trimmed);
}

/** Joins a description's words into lines of at most `width`, keeping code blocks, blank lines and list items. */
export function wrapText(text: string, width: number): string[] {
  const wrapped: string[] = [];
  let words: string[] = [];
  let lastWord = '';
  const flush = (): void => {
    if (words.length === 0) return;
    lastWord = '';
    wrapped.push(words.join(' '));
    words = [];
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('    ')) {
      flush();
      wrapped.push(line);
      continue;
    }
    if (wrapped.length > 0 && line.trim().length === 0) {
      flush();
      wrapped.push('');
      continue;
    }
    if (startsNewLine(lastWord, line)) flush();
    for (const word of line.split(/\s+/).filter(Boolean)) {
      lastWord = word;
      if (words.length > 0 && [...words, word].join(' ').length > width) flush();
      words.push(word);
    }
  }
  flush();
  return wrapped;
}

class Writer {
  text = '';
  line(indent: number, s: string): void {
    this.text += s === '' ? '\n' : `${' '.repeat(indent)}${s}\n`;
  }
  wrapped(indent: number, s: string): void {
    for (const l of wrapText(s, WRAP - indent)) this.line(indent, l);
  }
}

function printFields(w: Writer, m: Model, indent: number): void {
  if (m.kind === 'reference') return printFields(w, m.target(), indent);
  if (m.kind === 'array') return printFields(w, m.items, indent);
  if (m.kind === 'map') return printFields(w, m.values, indent);
  if (m.kind !== 'kind') return;
  for (const key of Object.keys(m.fields).sort()) {
    const field = m.fields[key];
    w.line(indent, `${key}\t<${typeName(field)}>${m.required.includes(key) ? ' -required-' : ''}`);
    w.wrapped(indent + 2, field.description);
    w.line(indent, '');
  }
}

/** --recursive: names and types only, nested by 3; a type already being printed (a cycle) is not entered again. */
function printFieldsRecursive(w: Writer, m: Model, indent: number, visiting: Set<string>): void {
  if (m.kind === 'reference') {
    if (visiting.has(m.name)) return;
    visiting.add(m.name);
    printFieldsRecursive(w, m.target(), indent, visiting);
    visiting.delete(m.name);
    return;
  }
  if (m.kind === 'array') return printFieldsRecursive(w, m.items, indent, visiting);
  if (m.kind === 'map') return printFieldsRecursive(w, m.values, indent, visiting);
  if (m.kind !== 'kind') return;
  for (const key of Object.keys(m.fields).sort()) {
    w.line(indent, `${key}\t<${typeName(m.fields[key])}>`);
    printFieldsRecursive(w, m.fields[key], indent + 3, visiting);
  }
}

/** kubectl's model printer: `name` is the last field of the path ('' for the resource itself). */
export function explainModel(m: Model, name: string, gvk: { group: string; version: string; kind: string }, recursive: boolean): string {
  const w = new Writer();
  const descriptions: string[] = [];
  let type = '';
  const header = (): void => {
    w.line(0, `KIND:     ${gvk.kind}`);
    w.line(0, `VERSION:  ${gvk.group ? `${gvk.group}/` : ''}${gvk.version}\n`);
  };
  const description = (own: string): void => {
    w.line(0, 'DESCRIPTION:');
    let empty = true;
    [...descriptions, own].forEach((d, i) => {
      if (d === '') return;
      empty = false;
      if (i !== 0) w.line(0, '');
      w.wrapped(5, d);
    });
    if (empty) w.wrapped(5, '<empty>');
  };
  for (let cur = m; ; ) {
    if (cur.kind === 'reference') {
      descriptions.push(cur.description);
      cur = cur.target();
    } else if (cur.kind === 'array' || cur.kind === 'map') {
      descriptions.push(cur.description);
      type ||= typeName(cur);
      cur = cur.kind === 'array' ? cur.items : cur.values;
    } else if (cur.kind === 'kind') {
      header();
      if (name) w.line(0, `RESOURCE: ${name} <${type || 'Object'}>\n`);
      description(cur.description);
      w.line(0, '\nFIELDS:');
      if (recursive) printFieldsRecursive(w, cur, 3, new Set());
      else printFields(w, cur, 3);
      return w.text;
    } else if (cur.kind === 'primitive') {
      header();
      w.line(0, `FIELD:    ${name} <${type || cur.type}>\n`);
      description(cur.description);
      return w.text;
    } else {
      header();
      description(cur.description);
      return w.text;
    }
  }
}

/** The definition that carries `x-kubernetes-group-version-kind` = gvk. */
export function findDefinition(doc: OpenApiV2, gvk: { group: string; version: string; kind: string }): JsonSchema | undefined {
  return Object.values(doc.definitions ?? {}).find((d) =>
    (d['x-kubernetes-group-version-kind'] ?? []).some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind),
  );
}

/** 'deployments.apps.spec.replicas' → the mapping and ['spec', 'replicas']. */
async function resolveRequest(ctx: CommandContext, arg: string): Promise<{ mapping: ResourceMapping; path: string[] }> {
  const parts = arg.replace(/\.$/, '').split('.');
  const mapping = await ctx.resolve(parts[0]);
  let path = parts.slice(1);
  const groupParts = mapping.group ? mapping.group.split('.') : [];
  if (groupParts.length > 0 && groupParts.every((g, i) => path[i] === g)) path = path.slice(groupParts.length);
  return { mapping, path };
}

async function runExplain(ctx: CommandContext, args: string[]): Promise<number> {
  if (args.length === 0)
    throw new CliError('You must specify the type of resource to explain. Use "kubectl api-resources" for a complete list of supported resources.');
  if (args.length > 1) throw new CliError('We accept only this format: explain RESOURCE');
  const output = ctx.flags.string('output');
  if (output !== undefined && output !== 'plaintext' && output !== 'plaintext-openapiv2') {
    throw new CliError(`supported output format are plaintext, plaintext-openapiv2. "${output}" is not supported`);
  }
  const { mapping, path } = await resolveRequest(ctx, args[0]);
  let gvk = { group: mapping.group, version: mapping.version, kind: mapping.kind };
  const apiVersion = ctx.flags.string('api-version');
  if (apiVersion) {
    const slash = apiVersion.lastIndexOf('/');
    gvk = { group: slash < 0 ? '' : apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind: mapping.kind };
  }
  const doc = await ctx.client.request<OpenApiV2>('GET', '/openapi/v2');
  const definition = findDefinition(doc, gvk);
  if (!definition) throw new CliError(`couldn't find resource for "${gvk.group}/${gvk.version}, Kind=${gvk.kind}"`);
  const model = lookupField(toModel(doc, definition), path);
  ctx.out.write(explainModel(model, path.at(-1) ?? '', gvk, ctx.flags.bool('recursive')));
  return 0;
}

registerCommand({
  name: 'explain',
  summary: 'Get documentation for a resource',
  long: `Describe fields and structure of various resources.

 This command describes the fields associated with each supported API resource. Fields are identified via a simple JSONPath identifier:

        <type>.<fieldName>[.<fieldName>]

 Information about each field is retrieved from the server in OpenAPI format.

Use "kubectl api-resources" for a complete list of supported resources.`,
  usage: 'explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version-group] [options]',
  examples: `  # Get the documentation of the resource and its fields
  kubectl explain pods

  # Get all the fields in the resource
  kubectl explain pods --recursive

  # Get the explanation for deployment in supported api versions
  kubectl explain deployments --api-version=apps/v1

  # Get the documentation of a specific field of a resource
  kubectl explain pods.spec.containers`,
  flags: [{ name: 'api-version', type: 'string', usage: 'Use given api-version (group/version) of the resource.' }],
  run: runExplain,
});
