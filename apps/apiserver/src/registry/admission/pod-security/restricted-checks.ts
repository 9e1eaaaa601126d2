/**
 * The restricted level of the Pod Security Standards, on top of baseline: only inline volume
 * types that cannot reach the host, no privilege escalation, non-root users, a seccomp profile,
 * every capability dropped (NET_BIND_SERVICE may come back). Words of upstream's checks.
 */
import { badSeccompSetters, HOST_PATH_VOLUMES, SECCOMP_BASELINE, validSeccomp } from './baseline-checks.ts';
import {
  containersPhrase,
  containersWhere,
  inUserNamespace,
  isWindowsPod,
  joinQuote,
  pluralize,
  settersPhrase,
  sorted,
  type Check,
  type Violation,
} from './check-helpers.ts';

const violation = (reason: string, detail: string): Violation => ({ reason, detail });

const allowPrivilegeEscalation: Check = {
  id: 'allowPrivilegeEscalation',
  level: 'restricted',
  since: 8,
  run(_meta, spec) {
    if (isWindowsPod(spec)) return undefined;
    const bad = containersWhere(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
    return bad.length > 0
      ? violation('allowPrivilegeEscalation != false', `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false`)
      : undefined;
  },
};

export const CAPABILITIES_BASELINE = 'capabilities_baseline';

const capabilitiesRestricted: Check = {
  id: 'capabilities_restricted',
  level: 'restricted',
  since: 22,
  overrides: [CAPABILITIES_BASELINE],
  run(_meta, spec) {
    if (isWindowsPod(spec)) return undefined;
    const added: string[] = [];
    const missingDropAll = containersWhere(spec, (c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'));
    const adding = containersWhere(spec, (c) => {
      const extra = (c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
      added.push(...extra);
      return extra.length > 0;
    });
    const details: string[] = [];
    if (missingDropAll.length > 0) details.push(`${containersPhrase(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`);
    if (adding.length > 0) details.push(`${containersPhrase(adding)} must not include ${joinQuote(sorted(added))} in securityContext.capabilities.add`);
    return details.length > 0 ? violation('unrestricted capabilities', details.join('; ')) : undefined;
  },
};

/** Inline volume sources that cannot reach the node or the network on their own. */
const ALLOWED_VOLUME_SOURCES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
const RESTRICTED_VOLUME_TYPES = [
  'hostPath',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'gitRepo',
  'nfs',
  'iscsi',
  'glusterfs',
  'rbd',
  'flexVolume',
  'cinder',
  'cephfs',
  'flocker',
  'fc',
  'azureFile',
  'vsphereVolume',
  'quobyte',
  'azureDisk',
  'photonPersistentDisk',
  'portworxVolume',
  'scaleIO',
  'storageos',
];

const restrictedVolumes: Check = {
  id: 'restrictedVolumes',
  level: 'restricted',
  overrides: [HOST_PATH_VOLUMES],
  run(_meta, spec) {
    const names: string[] = [];
    const types: string[] = [];
    for (const volume of spec.volumes ?? []) {
      const v = volume as unknown as Record<string, unknown>;
      if (ALLOWED_VOLUME_SOURCES.some((source) => v[source] !== undefined && v[source] !== null)) continue;
      names.push(volume.name);
      types.push(RESTRICTED_VOLUME_TYPES.find((type) => v[type] !== undefined && v[type] !== null) ?? 'unknown');
    }
    if (names.length === 0) return undefined;
    const list = sorted(types);
    return violation(
      'restricted volume types',
      `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)} ${pluralize('uses', 'use', names.length)} ${pluralize('restricted volume type', 'restricted volume types', list.length)} ${joinQuote(list)}`,
    );
  },
};

const runAsNonRoot: Check = {
  id: 'runAsNonRoot',
  level: 'restricted',
  run(_meta, spec) {
    if (inUserNamespace(spec)) return undefined;
    const podValue = spec.securityContext?.runAsNonRoot;
    const explicit = containersWhere(spec, (c) => c.securityContext?.runAsNonRoot === false);
    if (podValue === false || explicit.length > 0) {
      return violation('runAsNonRoot != true', `${settersPhrase(podValue === false, explicit)} must not set securityContext.runAsNonRoot=false`);
    }
    const implicit = containersWhere(spec, (c) => c.securityContext?.runAsNonRoot === undefined && podValue !== true);
    return implicit.length > 0
      ? violation('runAsNonRoot != true', `pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`)
      : undefined;
  },
};

const runAsUser: Check = {
  id: 'runAsUser',
  level: 'restricted',
  since: 23,
  run(_meta, spec) {
    if (inUserNamespace(spec)) return undefined;
    const pod = spec.securityContext?.runAsUser === 0;
    const bad = containersWhere(spec, (c) => c.securityContext?.runAsUser === 0);
    return pod || bad.length > 0 ? violation('runAsUser=0', `${settersPhrase(pod, bad)} must not set runAsUser=0`) : undefined;
  },
};

const seccompProfileRestricted: Check = {
  id: 'seccompProfile_restricted',
  level: 'restricted',
  since: 19,
  overrides: [SECCOMP_BASELINE],
  run(_meta, spec) {
    if (isWindowsPod(spec)) return undefined;
    const bad = badSeccompSetters(spec);
    if (bad.pod || bad.containers.length > 0) {
      return violation(
        'seccompProfile',
        `${settersPhrase(bad.pod, bad.containers)} must not set securityContext.seccompProfile.type to ${joinQuote(bad.values)}`,
      );
    }
    const podSet = validSeccomp(spec.securityContext?.seccompProfile?.type);
    const implicit = containersWhere(spec, (c) => c.securityContext?.seccompProfile === undefined && !podSet);
    return implicit.length > 0
      ? violation('seccompProfile', `pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`)
      : undefined;
  },
};

export const restrictedChecks: Check[] = [
  allowPrivilegeEscalation,
  capabilitiesRestricted,
  restrictedVolumes,
  runAsNonRoot,
  runAsUser,
  seccompProfileRestricted,
];
