/**
 * Every resource this apiserver serves right now: the built-in table of @skiff/api plus the
 * custom resources of established CustomResourceDefinitions. The HTTP layer resolves request
 * paths and builds discovery from here; the CRD controller (crd-controller.ts) sets and
 * removes a CRD's resources as the CRD comes and goes, and listeners (discovery, OpenAPI)
 * hear of each change.
 *
 * A custom resource is a ResourceInfo carrying `custom`: what its CRD says of that version.
 * The verb files stay generic and ask `isCustomResource(res)` where custom resources differ
 * (schema validation, defaulting, pruning, printer columns, the etcd key prefix).
 */
import { apiVersionOf, resources as builtinResources, type ResourceInfo } from '@skiff/api';
import type { KubeObject } from '../../storage/store.ts';

/** One JSON schema node of a CRD's openAPIV3Schema, as the CRD spells it. */
export type JsonSchemaProps = Record<string, unknown>;

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** What one served version of a CRD says about its objects. */
export interface CustomResourceVersion {
  /** The CRD's name: `<plural>.<group>`. */
  crdName: string;
  /** The CRD object this was built from (its uid ties the stored objects to it). */
  crd: KubeObject;
  /** The version the CRD stores objects in (`spec.versions[].storage: true`). */
  storageVersion: string;
  /** Every served version's name, the storage one included. */
  servedVersions: string[];
  schema?: JsonSchemaProps;
  /** spec.preserveUnknownFields (v1 CRDs: false). */
  preserveUnknownFields: boolean;
  status: boolean;
  scale?: ScaleSubresource;
  printerColumns: PrinterColumn[];
  /** `selectableFields[].jsonPath` of this version (`.spec.color`): extra field selectors. */
  selectableFields?: string[];
  /** spec.conversion: None (only apiVersion changes) or Webhook. */
  conversion: { strategy: 'None' | 'Webhook'; webhook?: Record<string, unknown> };
  deprecated?: boolean;
  deprecationWarning?: string;
  /** The CRD is being deleted: its objects are read and deleted, never created (upstream answers 405). */
  terminating?: boolean;
}

export interface CustomResourceInfo extends ResourceInfo {
  custom: CustomResourceVersion;
}

export function isCustomResource(res: ResourceInfo): res is CustomResourceInfo {
  return (res as Partial<CustomResourceInfo>).custom !== undefined;
}

export interface GroupVersion {
  group: string;
  version: string;
}

export type ServedResourcesListener = () => void;

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/**
 * Kubernetes' version priority (apimachinery's CompareKubeAwareVersionStrings): GA before
 * beta before alpha, higher numbers first within each, then anything else alphabetically.
 * Negative when `a` comes first.
 */
export function compareKubeVersions(a: string, b: string): number {
  const ma = KUBE_VERSION.exec(a);
  const mb = KUBE_VERSION.exec(b);
  if (!ma || !mb) {
    if (ma) return -1;
    if (mb) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const rank = (m: RegExpExecArray): number => (m[2] === undefined ? 2 : m[2] === 'beta' ? 1 : 0);
  if (rank(ma) !== rank(mb)) return rank(mb) - rank(ma);
  if (Number(ma[1]) !== Number(mb[1])) return Number(mb[1]) - Number(ma[1]);
  return Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

export class ServedResources {
  readonly #builtin: readonly ResourceInfo[];
  /** CRD name → the resources of its served versions. */
  readonly #custom = new Map<string, CustomResourceInfo[]>();
  readonly #listeners = new Set<ServedResourcesListener>();

  constructor(builtin: readonly ResourceInfo[] = builtinResources) {
    this.#builtin = builtin;
  }

  find(group: string, version: string, resource: string): ResourceInfo | undefined {
    return this.all().find((r) => r.group === group && r.version === version && r.resource === resource);
  }

  /** `findByKind('stable.example.com/v1', 'CronTab')`. */
  findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.all().find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
  }

  /** Built-in resources first, in table order, then custom ones. */
  all(): ResourceInfo[] {
    return [...this.#builtin, ...this.customResources()];
  }

  customResources(): CustomResourceInfo[] {
    return [...this.#custom.values()].flat();
  }

  /** The served resources of one CRD (empty when it serves none). */
  ofDefinition(crdName: string): CustomResourceInfo[] {
    return this.#custom.get(crdName) ?? [];
  }

  resourcesIn(group: string, version: string): ResourceInfo[] {
    return this.all().filter((r) => r.group === group && r.version === version);
  }

  /** Every served group/version, each once: built-in in table order, then each custom group's versions by priority. */
  groupVersions(): GroupVersion[] {
    const seen = new Set<string>();
    const out: GroupVersion[] = [];
    const add = (group: string, version: string): void => {
      const key = apiVersionOf({ group, version });
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ group, version });
    };
    for (const r of this.#builtin) add(r.group, r.version);
    const customGroups = new Map<string, Set<string>>();
    for (const r of this.customResources()) {
      if (!customGroups.has(r.group)) customGroups.set(r.group, new Set());
      customGroups.get(r.group)!.add(r.version);
    }
    for (const [group, versions] of [...customGroups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const version of [...versions].sort(compareKubeVersions)) add(group, version);
    }
    return out;
  }

  /** The versions of `group`, preferred first. */
  versionsOf(group: string): string[] {
    return this.groupVersions()
      .filter((gv) => gv.group === group)
      .map((gv) => gv.version);
  }

  /** Replaces what `crdName` serves (an empty list stops serving it). Names must not clash with a built-in. */
  set(crdName: string, served: CustomResourceInfo[]): void {
    if (served.length === 0) this.#custom.delete(crdName);
    else this.#custom.set(crdName, served);
    this.#notify();
  }

  delete(crdName: string): void {
    if (this.#custom.delete(crdName)) this.#notify();
  }

  /** Called after every change; returns the unsubscribe function. */
  onChange(listener: ServedResourcesListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
