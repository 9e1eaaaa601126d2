/**
 * PodSecurity's configuration: the cluster-wide defaults for namespaces without labels and the
 * exemptions, read from kube-apiserver's --admission-control-config-file (an
 * AdmissionConfiguration, apiserver.config.k8s.io/v1, whose `PodSecurity` plugin entry carries a
 * PodSecurityConfiguration, pod-security.admission.config.k8s.io/v1, inline or at `path`).
 *
 * Without the file Skiff enforces, audits and warns baseline:latest everywhere but kube-system
 * (upstream's built-in default is privileged everywhere; the issue asks for baseline). With the
 * file, what it leaves out defaults as upstream's does: privileged, latest, no exemptions.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isLevel, LEVEL_ERROR, MODES, parseVersion, VERSION_ERROR, type Policy } from './policy.ts';

export interface PodSecurityExemptions {
  usernames: string[];
  runtimeClasses: string[];
  namespaces: string[];
}

export interface PodSecurityConfig {
  defaults: Policy;
  exemptions: PodSecurityExemptions;
}

const BASELINE_LATEST = { level: 'baseline', minor: Infinity } as const;

export const DEFAULT_POD_SECURITY: PodSecurityConfig = {
  defaults: { enforce: { ...BASELINE_LATEST }, audit: { ...BASELINE_LATEST }, warn: { ...BASELINE_LATEST } },
  exemptions: { usernames: [], runtimeClasses: [], namespaces: ['kube-system'] },
};

/** The plugins' configurations of an AdmissionConfiguration file, by plugin name. */
export type AdmissionPluginConfigurations = ReadonlyMap<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function readYamlOrJson(file: string): unknown {
  return parseYaml(readFileSync(file, 'utf8'));
}

/** Reads --admission-control-config-file (empty map without one); throws with the file's name on anything malformed. */
export function loadAdmissionConfiguration(file: string | undefined): AdmissionPluginConfigurations {
  const configs = new Map<string, unknown>();
  if (!file) return configs;
  const doc = readYamlOrJson(file);
  if (!isRecord(doc) || doc.kind !== 'AdmissionConfiguration' || !String(doc.apiVersion).startsWith('apiserver.config.k8s.io/')) {
    throw new Error(`${file}: expected an AdmissionConfiguration (apiserver.config.k8s.io/v1)`);
  }
  for (const plugin of Array.isArray(doc.plugins) ? doc.plugins : []) {
    if (!isRecord(plugin) || typeof plugin.name !== 'string') throw new Error(`${file}: plugins[] entries need a name`);
    if (plugin.configuration !== undefined) configs.set(plugin.name, plugin.configuration);
    else if (typeof plugin.path === 'string') configs.set(plugin.name, readYamlOrJson(resolve(dirname(file), plugin.path)));
  }
  return configs;
}

const stringList = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`PodSecurity configuration: ${field}: must be a list of strings`);
  return v as string[];
};

/** PodSecurity's configuration: the file's PodSecurityConfiguration, or Skiff's default when the file has none. */
export function podSecurityConfigFrom(configs: AdmissionPluginConfigurations): PodSecurityConfig {
  const raw = configs.get('PodSecurity');
  if (raw === undefined) return DEFAULT_POD_SECURITY;
  if (!isRecord(raw) || raw.kind !== 'PodSecurityConfiguration' || !String(raw.apiVersion).startsWith('pod-security.admission.config.k8s.io/')) {
    throw new Error('PodSecurity configuration: expected a PodSecurityConfiguration (pod-security.admission.config.k8s.io/v1)');
  }
  const defaults = isRecord(raw.defaults) ? raw.defaults : {};
  const policy = {} as Policy;
  for (const mode of MODES) {
    const level = defaults[mode] ?? 'privileged';
    const version = String(defaults[`${mode}-version`] ?? 'latest');
    if (!isLevel(level)) throw new Error(`PodSecurity configuration: defaults.${mode}: Invalid value: ${JSON.stringify(level)}: ${LEVEL_ERROR}`);
    const minor = parseVersion(version);
    if (minor === undefined)
      throw new Error(`PodSecurity configuration: defaults.${mode}-version: Invalid value: ${JSON.stringify(version)}: ${VERSION_ERROR}`);
    policy[mode] = { level, minor };
  }
  const exemptions = isRecord(raw.exemptions) ? raw.exemptions : {};
  return {
    defaults: policy,
    exemptions: {
      usernames: stringList(exemptions.usernames, 'exemptions.usernames'),
      runtimeClasses: stringList(exemptions.runtimeClasses, 'exemptions.runtimeClasses'),
      namespaces: stringList(exemptions.namespaces, 'exemptions.namespaces'),
    },
  };
}
