import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PodSpec } from '@skiff/api';
import { DEFAULT_POD_SECURITY, loadAdmissionConfiguration, podSecurityConfigFrom } from './config.ts';
import { describeViolations, evaluatePod, levelVersionString, policyToEvaluate, type LevelVersion } from './policy.ts';

const latest = (level: LevelVersion['level']): LevelVersion => ({ level, minor: Infinity });
const says = (lv: LevelVersion, spec: Partial<PodSpec>) => describeViolations(evaluatePod(lv, {}, { containers: [{ name: 'c', image: 'x' }], ...spec }));

test('labels over the defaults; unreadable labels fail closed for enforce, open for warn and audit', () => {
  const { policy, errors } = policyToEvaluate(
    {
      'pod-security.kubernetes.io/enforce': 'strict',
      'pod-security.kubernetes.io/warn': 'loud',
      'pod-security.kubernetes.io/audit-version': 'v1.25',
      'pod-security.kubernetes.io/enforce-version': '1.25',
    },
    DEFAULT_POD_SECURITY.defaults,
  );
  assert.equal(levelVersionString(policy.enforce), 'restricted:latest');
  assert.equal(levelVersionString(policy.warn), 'privileged:latest');
  assert.equal(levelVersionString(policy.audit), 'baseline:v1.25');
  assert.deepEqual(
    errors.map((e) => `${e.field}: ${e.message}`),
    [
      'metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted',
      'metadata.labels[pod-security.kubernetes.io/enforce-version]: Invalid value: "1.25": must be "latest" or "v1.x"',
      'metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "loud": must be one of privileged, baseline, restricted',
    ],
  );
});

test('restricted replaces the baseline checks it tightens (volumes, capabilities, seccomp), not the others', () => {
  const spec: Partial<PodSpec> = {
    hostNetwork: true,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'Unconfined' } },
    volumes: [{ name: 'h', hostPath: { path: '/' } }],
    containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } } }],
  };
  assert.equal(
    says(latest('restricted'), spec),
    'unrestricted capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add), ' +
      'host namespaces (hostNetwork=true), restricted volume types (volume "h" uses restricted volume type "hostPath"), ' +
      'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
  );
  assert.equal(says(latest('privileged'), spec), '');
});

test('policy versions choose which checks and which safe sysctls exist', () => {
  const sysctls: Partial<PodSpec> = { securityContext: { sysctls: [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }] } };
  assert.equal(says({ level: 'baseline', minor: 28 }, sysctls), 'forbidden sysctls (net.ipv4.tcp_keepalive_time)');
  assert.equal(says({ level: 'baseline', minor: 29 }, sysctls), '');
  // Before v1.22 restricted had no capabilities_restricted: baseline's capabilities check stands.
  const caps: Partial<PodSpec> = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['SYS_ADMIN'] } } }],
  };
  assert.equal(
    says({ level: 'restricted', minor: 21 }, caps),
    'non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
  );
});

test('user-namespaced pods may run as root; Windows pods skip the Linux-only restricted checks', () => {
  const root: Partial<PodSpec> = {
    hostUsers: false,
    securityContext: { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, procMount: 'Unmasked' } }],
  };
  assert.equal(says(latest('restricted'), root), '');
  assert.equal(says(latest('restricted'), { os: { name: 'windows' }, securityContext: { runAsNonRoot: true } }), '');
});

test('an AdmissionConfiguration file: inline or by path; left-out defaults are privileged; bad levels stop the start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'psa-config-'));
  try {
    writeFileSync(
      join(dir, 'psa.yaml'),
      'apiVersion: pod-security.admission.config.k8s.io/v1\nkind: PodSecurityConfiguration\ndefaults: { enforce: restricted }\n',
    );
    writeFileSync(
      join(dir, 'admission.yaml'),
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- { name: PodSecurity, path: psa.yaml }\n',
    );
    const config = podSecurityConfigFrom(loadAdmissionConfiguration(join(dir, 'admission.yaml')));
    assert.deepEqual([config.defaults.enforce.level, config.defaults.warn.level, config.exemptions.namespaces], ['restricted', 'privileged', []]);
    assert.equal(podSecurityConfigFrom(loadAdmissionConfiguration(undefined)), DEFAULT_POD_SECURITY);
    assert.throws(
      () =>
        podSecurityConfigFrom(
          new Map([['PodSecurity', { apiVersion: 'pod-security.admission.config.k8s.io/v1', kind: 'PodSecurityConfiguration', defaults: { warn: 'loud' } }]]),
        ),
      /defaults.warn: Invalid value: "loud": must be one of privileged, baseline, restricted/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
