/**
 * The schema catalog: the Kubernetes type tree extracted from @kubernetes/client-node's
 * generated models by libs/api/scripts/build-schemas.ts and committed under ./generated/,
 * so no process loads client-node's ~900 model modules or parses their `.d.ts` at run
 * time. It comes in two files, because they serve different readers:
 * - kubernetes-models.json (~130 KB): fields, types, required. Decoding a request body
 *   (dropNullFields, findUnknownFields) needs only this.
 * - kubernetes-descriptions.json (~750 KB): the prose, for the OpenAPI documents that
 *   `kubectl explain` reads; only an apiserver that serves /openapi ever loads it.
 * Each is read on first use, so a process that never asks for schemas holds neither.
 * catalog.test.ts fails when the committed files differ from what the generator writes.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One field: [JSON name, client-node type string, format ('' if none), required (1/0)]. */
export type CatalogField = [jsonName: string, type: string, format: string, required: 0 | 1];

/** client-node class name ('V1PodSpec', 'CoreV1Event') → its fields, in client-node's order. */
export type CatalogModels = Record<string, CatalogField[]>;

/** One model's prose: its own description ('d') and its fields' ('f', by JSON name). */
export interface CatalogDescription {
  d?: string;
  f?: Record<string, string>;
}

export type CatalogDescriptions = Record<string, CatalogDescription>;

export interface CatalogFiles {
  /** The client-node version the files were generated from (a header line in the models file). */
  clientNodeVersion: string;
  models: CatalogModels;
  descriptions: CatalogDescriptions;
}

export const modelsPath = fileURLToPath(new URL('./generated/kubernetes-models.json', import.meta.url));
export const descriptionsPath = fileURLToPath(new URL('./generated/kubernetes-descriptions.json', import.meta.url));

let models: CatalogModels | undefined;
let descriptions: CatalogDescriptions | undefined;

export function loadModels(): CatalogModels {
  return (models ??= (JSON.parse(readFileSync(modelsPath, 'utf8')) as { models: CatalogModels }).models);
}

export function loadDescriptions(): CatalogDescriptions {
  return (descriptions ??= JSON.parse(readFileSync(descriptionsPath, 'utf8')) as CatalogDescriptions);
}

/**
 * The files' text, one model per line so that a client-node upgrade reads as a diff of
 * the models that changed. Shared by the generator and the staleness test.
 */
export function renderCatalogFiles(catalog: CatalogFiles): { models: string; descriptions: string } {
  const lines = (record: Record<string, unknown>) =>
    Object.entries(record)
      .map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`)
      .join(',\n');
  return {
    models: `{"clientNodeVersion":${JSON.stringify(catalog.clientNodeVersion)},"models":{\n${lines(catalog.models)}\n}}\n`,
    descriptions: `{\n${lines(catalog.descriptions)}\n}\n`,
  };
}
