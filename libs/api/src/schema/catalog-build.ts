/**
 * Builds the schema catalog (see catalog-file.ts) from @kubernetes/client-node's
 * generated models: every model class carries `attributeTypeMap` (field name, JSON name,
 * type string such as 'Array<V1Container>'), and its `.d.ts` beside it carries the field
 * descriptions and which fields are required (no `?`). We walk that instead of keeping a
 * copy of Kubernetes' schema in the repo.
 *
 * Only libs/api/scripts/build-schemas.ts imports this module: loading client-node's
 * models costs a process ~25 MB, which is why the result is committed instead.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CatalogDescription, CatalogDescriptions, CatalogField, CatalogFiles, CatalogModels } from './catalog-file.ts';

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface ModelClass {
  attributeTypeMap?: AttributeType[];
}

const modelsModule = '@kubernetes/client-node/dist/gen/models/all.js';

/** Every client-node model class with an attribute map, in name order. */
export async function buildCatalog(): Promise<CatalogFiles> {
  const modelClasses = (await import(modelsModule)) as Record<string, ModelClass | undefined>;
  const require = createRequire(import.meta.url);
  const modelsDir = dirname(require.resolve(modelsModule));
  const manifest = JSON.parse(readFileSync(require.resolve('@kubernetes/client-node/package.json'), 'utf8')) as { version: string };
  const models: CatalogModels = {};
  const descriptions: CatalogDescriptions = {};
  for (const name of Object.keys(modelClasses).sort()) {
    const attributes = modelClasses[name]?.attributeTypeMap;
    if (!Array.isArray(attributes)) continue;
    const docs = readDeclarationDocs(join(modelsDir, `${name}.d.ts`));
    const prose: CatalogDescription = {};
    if (docs.classDescription) prose.d = docs.classDescription;
    models[name] = attributes.map((attr): CatalogField => {
      const fieldDoc = docs.fields.get(attr.name);
      if (fieldDoc?.description) (prose.f ??= {})[attr.baseName] = fieldDoc.description;
      return [attr.baseName, attr.type, attr.format ?? '', fieldDoc?.required ? 1 : 0];
    });
    if (prose.d || prose.f) descriptions[name] = prose;
  }
  return { clientNodeVersion: manifest.version, models, descriptions };
}

interface DeclarationDocs {
  classDescription?: string;
  fields: Map<string, { required: boolean; description?: string }>;
}

/**
 * Reads descriptions and required-ness from the model's `.d.ts`, which looks like
 *   /** * A single application container ... *\/ export declare class V1Container {
 *     /** * Name of the container ... *\/ 'name': string;
 *     'image'?: string;
 * A missing or unreadable file only costs descriptions, never the structure.
 */
function readDeclarationDocs(path: string): DeclarationDocs {
  const docs: DeclarationDocs = { fields: new Map() };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return docs;
  }
  const classMatch = /\/\*\*\s*\n((?:\s*\*.*\n)*?)\s*\*\/\s*\nexport declare class /.exec(text);
  if (classMatch) docs.classDescription = cleanComment(classMatch[1]);
  const fieldPattern = /(?:\/\*\*\s*\n((?:\s*\*.*\n)*?)\s*\*\/\s*\n)?\s*'([^']+)'(\?)?:/g;
  for (const match of text.matchAll(fieldPattern)) {
    docs.fields.set(match[2], {
      required: match[3] !== '?',
      description: match[1] ? cleanComment(match[1]) : undefined,
    });
  }
  return docs;
}

function cleanComment(block: string): string | undefined {
  const text = block
    .split('\n')
    .map((line) => line.replace(/^\s*\*\s?/, ''))
    .join('\n')
    .trim()
    .replace(/\\'/g, "'")
    .replace(/\\"/g, '"');
  return text || undefined;
}
