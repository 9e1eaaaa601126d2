import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causes, withPatch } from './testing.ts';

const template = { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } };
const sts = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default' },
  spec: {
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template,
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
  },
};
const ds = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'agent', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'db' } }, template },
};

test('StatefulSet: a valid one has no causes', () => {
  assert.deepEqual(causes(sts), []);
});

test('StatefulSet: containers may mount a claim template by name, but not a volume that is neither', () => {
  const mounting = (name: string) =>
    withPatch(sts, (o) => {
      o.spec.template.spec.containers[0].volumeMounts = [{ name, mountPath: '/data' }];
    });
  assert.deepEqual(causes(mounting('data')), []);
  assert.deepEqual(causes(mounting('logs')), ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "logs"']);
});

test('StatefulSet create: each bad field with the upstream message', () => {
  const cases: [string, (o: any) => void, string][] = [
    [
      'negative replicas',
      (o) => {
        o.spec.replicas = -1;
      },
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    [
      'no selector',
      (o) => {
        delete o.spec.selector;
      },
      'spec.selector: Required value',
    ],
    [
      'empty selector',
      (o) => {
        o.spec.selector = {};
      },
      'spec.selector: Invalid value: {}: empty selector is invalid for statefulset',
    ],
    [
      'selector misses template',
      (o) => {
        o.spec.selector.matchLabels.app = 'other';
      },
      'spec.template.metadata.labels: Invalid value: {"app":"db"}: `selector` does not match template `labels`',
    ],
    [
      'restartPolicy',
      (o) => {
        o.spec.template.spec.restartPolicy = 'Never';
      },
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ],
    [
      'podManagementPolicy',
      (o) => {
        o.spec.podManagementPolicy = 'Random';
      },
      "spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'",
    ],
    [
      'strategy type',
      (o) => {
        o.spec.updateStrategy = { type: 'Recreate' };
      },
      'spec.updateStrategy: Invalid value: {"type":"Recreate"}: must be \'RollingUpdate\' or \'OnDelete\'',
    ],
    [
      'rollingUpdate with OnDelete',
      (o) => {
        o.spec.updateStrategy = { type: 'OnDelete', rollingUpdate: { partition: 1 } };
      },
      'spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy \'RollingUpdate\'',
    ],
    [
      'negative partition',
      (o) => {
        o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: -2 } };
      },
      'spec.updateStrategy.rollingUpdate.partition: Invalid value: -2: must be greater than or equal to 0',
    ],
    [
      'zero maxUnavailable',
      (o) => {
        o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } };
      },
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0',
    ],
    [
      'retention policy',
      (o) => {
        o.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Keep' };
      },
      'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    ],
    [
      'claim without access modes',
      (o) => {
        delete o.spec.volumeClaimTemplates[0].spec.accessModes;
      },
      'spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required',
    ],
    [
      'claim without storage',
      (o) => {
        o.spec.volumeClaimTemplates[0].spec.resources = {};
      },
      'spec.volumeClaimTemplates[0].spec.resources[storage]: Required value',
    ],
    [
      'claim volume mode',
      (o) => {
        o.spec.volumeClaimTemplates[0].spec.volumeMode = 'Raw';
      },
      'spec.volumeClaimTemplates[0].spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"',
    ],
  ];
  for (const [name, patch, want] of cases) assert.ok(causes(withPatch(sts, patch)).includes(want), `${name}: ${causes(withPatch(sts, patch)).join('; ')}`);
});

test('StatefulSet update: replicas, template and strategy may change; selector, serviceName and claims may not', () => {
  const forbidden =
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
  const allowed = withPatch(sts, (o) => {
    o.spec.replicas = 5;
    o.spec.template.spec.containers[0].image = 'postgres:17';
    o.spec.updateStrategy = { type: 'OnDelete' };
    o.spec.minReadySeconds = 3;
  });
  assert.deepEqual(causes(allowed, sts), []);
  const selector = withPatch(sts, (o) => {
    o.spec.selector.matchLabels.tier = 'x';
    o.spec.template.metadata.labels.tier = 'x';
  });
  assert.deepEqual(causes(selector, sts), [forbidden]);
  assert.deepEqual(
    causes(
      withPatch(sts, (o) => {
        o.spec.serviceName = 'other';
      }),
      sts,
    ),
    [forbidden],
  );
  assert.deepEqual(
    causes(
      withPatch(sts, (o) => {
        o.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi';
      }),
      sts,
    ),
    [forbidden],
  );
});

test('DaemonSet: strategy, template and selector rules', () => {
  assert.deepEqual(causes(ds), []);
  const cases: [string, (o: any) => void, string][] = [
    [
      'both zero',
      (o) => {
        o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } };
      },
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    ],
    [
      'both set',
      (o) => {
        o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '10%' } };
      },
      'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "10%": may not be set when maxUnavailable is non-zero',
    ],
    [
      'bad percent',
      (o) => {
        o.spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } };
      },
      'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ],
    [
      'strategy type',
      (o) => {
        o.spec.updateStrategy = { type: 'Recreate' };
      },
      'spec.updateStrategy: Unsupported value: {"type":"Recreate"}: supported values: "RollingUpdate", "OnDelete"',
    ],
    [
      'restartPolicy',
      (o) => {
        o.spec.template.spec.restartPolicy = 'OnFailure';
      },
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ],
    [
      'deadline',
      (o) => {
        o.spec.template.spec.activeDeadlineSeconds = 5;
      },
      'spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds must be nil for daemonsets',
    ],
    [
      'empty selector',
      (o) => {
        o.spec.selector = {};
      },
      'spec.selector: Invalid value: {}: empty selector is invalid for daemonset',
    ],
  ];
  for (const [name, patch, want] of cases) assert.ok(causes(withPatch(ds, patch)).includes(want), `${name}: ${causes(withPatch(ds, patch)).join('; ')}`);
  const moved = withPatch(ds, (o) => {
    o.spec.selector.matchLabels.tier = 'x';
    o.spec.template.metadata.labels.tier = 'x';
  });
  assert.deepEqual(causes(moved, ds), ['spec.selector: Invalid value: {"matchLabels":{"app":"db","tier":"x"}}: field is immutable']);
});

test('ControllerRevision: data is required and fixed, revision not negative', () => {
  const rev = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'db-abc', namespace: 'default' }, data: { spec: {} }, revision: 1 };
  assert.deepEqual(causes(rev), []);
  assert.deepEqual(
    causes(
      withPatch(rev, (o) => {
        delete o.data;
        o.revision = -1;
      }),
    ),
    ['data: Required value: data is mandatory', 'revision: Invalid value: -1: must be greater than or equal to 0'],
  );
  assert.deepEqual(
    causes(
      withPatch(rev, (o) => {
        o.data = { spec: { x: 1 } };
      }),
      rev,
    ),
    ['data: Invalid value: {"spec":{"x":1}}: field is immutable'],
  );
});

test('StorageClass: provisioner, policies, and the fields an update may not touch', () => {
  const sc = {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'local-path' },
    provisioner: 'skiff.dev/local-path',
    parameters: { a: 'b' },
  };
  assert.deepEqual(causes(sc), []);
  assert.deepEqual(
    causes(
      withPatch(sc, (o) => {
        delete o.provisioner;
        o.reclaimPolicy = 'Recycle';
        o.volumeBindingMode = 'Later';
      }),
    ),
    [
      'provisioner: Required value',
      'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
      'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    ],
  );
  const changed = withPatch(sc, (o) => {
    o.provisioner = 'other.io/p';
    o.parameters = {};
    o.reclaimPolicy = 'Retain';
    o.volumeBindingMode = 'WaitForFirstConsumer';
  });
  assert.deepEqual(causes(changed, sc), [
    'parameters: Forbidden: updates to parameters are forbidden.',
    'provisioner: Forbidden: updates to provisioner are forbidden.',
    'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
    'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
  ]);
  assert.deepEqual(
    causes(
      withPatch(sc, (o) => {
        o.allowVolumeExpansion = true;
        o.metadata.annotations = { x: 'y' };
      }),
      sc,
    ),
    [],
  );
});
