/**
 * Reads `-f` arguments as kubectl does: files, directories (their .yaml/.yml/.json files,
 * descending with -R), and '-' for stdin; multi-document YAML and `kind: List` are split
 * into objects. Untrusted input is bounded: YAML alias expansion is capped (billion-laughs)
 * and each file/document has a size limit.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '@skiff/client';
import { CliError } from './errors.ts';

export const MAX_ALIAS_COUNT = 50;
/** Per input (file or stdin): kubectl's decoder refuses far smaller objects anyway (etcd caps at 1.5 MiB). */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
export const MAX_DOCUMENT_BYTES = 3 * 1024 * 1024;

export interface Manifest {
  /** File path, or '-' for stdin. */
  source: string;
  object: KubeObject & Record<string, unknown>;
}

const manifestExtensions = new Set(['.yaml', '.yml', '.json']);

/** Expands -f arguments into file paths ('-' kept as is); directories list their manifest files. */
export function expandFilenames(filenames: string[], recursive: boolean): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive) walk(path);
      } else if (manifestExtensions.has(extname(entry.name))) {
        out.push(path);
      }
    }
  };
  for (const name of filenames) {
    if (name === '-') {
      out.push(name);
      continue;
    }
    let isDir: boolean;
    try {
      isDir = statSync(name).isDirectory();
    } catch {
      throw new CliError(`the path "${name}" does not exist`);
    }
    if (isDir) walk(name);
    else out.push(name);
  }
  return out;
}

/** Splits one manifest text into objects; `source` names it in errors. */
export function parseManifests(text: string, source: string): Manifest[] {
  if (Buffer.byteLength(text) > MAX_MANIFEST_BYTES) {
    throw new CliError(`error parsing ${source}: manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
  }
  const out: Manifest[] = [];
  const docs = parseAllDocuments(text, { prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      throw new CliError(`error parsing ${source}: error converting YAML to JSON: yaml: ${doc.errors[0].message}`);
    }
    if (doc.range && doc.range[1] - doc.range[0] > MAX_DOCUMENT_BYTES) {
      throw new CliError(`error parsing ${source}: a document is larger than ${MAX_DOCUMENT_BYTES} bytes`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      throw new CliError(`error parsing ${source}: error converting YAML to JSON: yaml: ${(err as Error).message}`);
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new CliError(`error validating "${source}": error validating data: expected an object, got ${Array.isArray(value) ? 'a list' : typeof value}`);
    }
    out.push(...expandList(value as Manifest['object'], source));
  }
  return out;
}

/** `kind: List` (or any *List with items) contributes its items. */
function expandList(obj: Manifest['object'], source: string): Manifest[] {
  if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) {
    return (obj.items as Manifest['object'][]).flatMap((item) => expandList(item, source));
  }
  if (!obj.kind) throw new CliError(`error validating "${source}": error validating data: kind not set`);
  if (!obj.apiVersion) throw new CliError(`error validating "${source}": error validating data: apiVersion not set`);
  return [{ source, object: obj }];
}

async function readStream(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += buf.length;
    if (size > MAX_MANIFEST_BYTES) throw new CliError(`error parsing -: manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads every object named by -f arguments, in order (callers word the empty case: "no objects passed to create"). */
export async function readManifests(filenames: string[], opts: { recursive?: boolean; stdin?: Readable } = {}): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const path of expandFilenames(filenames, opts.recursive ?? false)) {
    let text: string;
    if (path === '-') {
      if (!opts.stdin) throw new CliError('no stdin to read from');
      text = await readStream(opts.stdin);
    } else {
      if (statSync(path).size > MAX_MANIFEST_BYTES) throw new CliError(`error parsing ${path}: manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
      text = readFileSync(path, 'utf8');
    }
    out.push(...parseManifests(text, path));
  }
  return out;
}
