import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStrategicMergePatch } from './strategic-merge-patch.ts';
import { PatchError } from './patch-error.ts';

type Obj = Record<string, any>;

/** The live Deployment most cases patch: two containers, env, ports, a volume, finalizers. */
function liveDeployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, finalizers: ['a.example/x', 'b.example/y'] },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'img:1',
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
                { name: 'INJECTED', value: 'by-webhook' },
              ],
              ports: [{ containerPort: 80 }, { containerPort: 8080 }],
            },
            { name: 'sidecar', image: 'proxy:1' },
          ],
          volumes: [{ name: 'data', emptyDir: {} }],
          tolerations: [{ key: 'k', operator: 'Exists' }],
        },
      },
    },
    status: {
      conditions: [
        { type: 'Available', status: 'True' },
        { type: 'Progressing', status: 'True' },
      ],
    },
  };
}

/** Applies `change` to a fresh live Deployment: what the patched object must equal. */
function expectDeployment(change: (d: Obj) => void): Obj {
  const d = liveDeployment();
  change(d);
  return d;
}
const podSpecOf = (d: Obj) => d.spec.template.spec;
const web = (d: Obj) => podSpecOf(d).containers[0];

const cases: Array<{ name: string; typeKey?: string; doc?: Obj; patch: Obj; want: Obj }> = [
  {
    name: 'kubectl set image deploy/web web=img:2 (kubectl 1.20 and 1.32)',
    patch: { spec: { template: { spec: { containers: [{ image: 'img:2', name: 'web' }] } } } },
    want: expectDeployment((d) => {
      web(d).image = 'img:2';
    }),
  },
  {
    name: 'kubectl rollout restart: an annotation in the template',
    patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-02T03:04:05Z' } } } } },
    want: expectDeployment((d) => {
      d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2025-01-02T03:04:05Z' };
    }),
  },
  {
    name: 'kubectl rollout pause / resume',
    patch: { spec: { paused: true } },
    want: expectDeployment((d) => {
      d.spec.paused = true;
    }),
  },
  {
    name: 'kubectl scale sent as a patch',
    patch: { spec: { replicas: 4 } },
    want: expectDeployment((d) => {
      d.spec.replicas = 4;
    }),
  },
  {
    name: 'kubectl label (strategic form): labels merge',
    patch: { metadata: { labels: { tier: 'front' } } },
    want: expectDeployment((d) => {
      d.metadata.labels.tier = 'front';
    }),
  },
  {
    name: 'kubectl apply: replicas 3, env A changed, env B and port 8080 removed',
    patch: {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}\n' } },
      spec: {
        replicas: 3,
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'A' }],
                '$setElementOrder/ports': [{ containerPort: 80 }],
                env: [
                  { name: 'A', value: '2' },
                  { $patch: 'delete', name: 'B' },
                ],
                name: 'web',
                ports: [{ $patch: 'delete', containerPort: 8080 }],
              },
            ],
          },
        },
      },
    },
    want: expectDeployment((d) => {
      d.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{"kind":"Deployment"}\n' };
      d.spec.replicas = 3;
      // INJECTED was never applied by kubectl: it survives, after A where it stood.
      web(d).env = [
        { name: 'A', value: '2' },
        { name: 'INJECTED', value: 'by-webhook' },
      ];
      web(d).ports = [{ containerPort: 80 }];
    }),
  },
  {
    name: 'kubectl apply: a container removed',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }],
            containers: [{ $patch: 'delete', name: 'sidecar' }],
          },
        },
      },
    },
    want: expectDeployment((d) => {
      podSpecOf(d).containers.pop();
    }),
  },
  {
    name: 'kubectl apply: a container added before the existing ones, order kept',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'init-like' }, { name: 'web' }, { name: 'sidecar' }],
            containers: [{ image: 'busybox', name: 'init-like' }],
          },
        },
      },
    },
    want: expectDeployment((d) => {
      podSpecOf(d).containers.unshift({ image: 'busybox', name: 'init-like' });
    }),
  },
  {
    name: 'kubectl edit: a port added and the env reordered',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [
              {
                '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }, { name: 'INJECTED' }],
                '$setElementOrder/ports': [{ containerPort: 80 }, { containerPort: 9090 }, { containerPort: 8080 }],
                name: 'web',
                ports: [{ containerPort: 9090, name: 'metrics' }],
              },
            ],
          },
        },
      },
    },
    want: expectDeployment((d) => {
      web(d).env = [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
        { name: 'INJECTED', value: 'by-webhook' },
      ];
      web(d).ports = [{ containerPort: 80 }, { containerPort: 9090, name: 'metrics' }, { containerPort: 8080 }];
    }),
  },
  {
    name: 'kubectl apply: strategy switched to Recreate ($retainKeys)',
    patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } },
    want: expectDeployment((d) => {
      d.spec.strategy = { type: 'Recreate' };
    }),
  },
  {
    name: 'kubectl apply: a volume switched from emptyDir to hostPath ($retainKeys in a list element)',
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/volumes': [{ name: 'data' }],
            volumes: [{ $retainKeys: ['hostPath', 'name'], emptyDir: null, hostPath: { path: '/srv' }, name: 'data' }],
          },
        },
      },
    },
    want: expectDeployment((d) => {
      podSpecOf(d).volumes = [{ name: 'data', hostPath: { path: '/srv' } }];
    }),
  },
  {
    name: 'kubectl apply: a finalizer removed ($deleteFromPrimitiveList)',
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a.example/x'], '$setElementOrder/finalizers': ['b.example/y'] } },
    want: expectDeployment((d) => {
      d.metadata.finalizers = ['b.example/y'];
    }),
  },
  {
    name: 'finalizers merge as a set',
    patch: { metadata: { finalizers: ['b.example/y', 'c.example/z'] } },
    want: expectDeployment((d) => {
      d.metadata.finalizers = ['a.example/x', 'b.example/y', 'c.example/z'];
    }),
  },
  {
    name: 'null deletes a key; null for an absent key is ignored',
    patch: { metadata: { labels: { app: null, nothing: null } }, spec: { paused: null } },
    want: expectDeployment((d) => {
      d.metadata.labels = {};
    }),
  },
  {
    name: '$patch: replace on a list keeps only the patch elements',
    patch: { spec: { template: { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } } } },
    want: expectDeployment((d) => {
      podSpecOf(d).containers = [{ name: 'only', image: 'x' }];
    }),
  },
  {
    name: '$patch: replace on a map',
    patch: { metadata: { labels: { $patch: 'replace', only: 'this' } } },
    want: expectDeployment((d) => {
      d.metadata.labels = { only: 'this' };
    }),
  },
  {
    name: '$patch: delete on a map leaves it empty (as Kubernetes does)',
    patch: { spec: { selector: { $patch: 'delete' } } },
    want: expectDeployment((d) => {
      d.spec.selector = {};
    }),
  },
  {
    name: '$patch: merge on a map is the default',
    patch: { metadata: { labels: { $patch: 'merge', tier: 'front' } } },
    want: expectDeployment((d) => {
      d.metadata.labels.tier = 'front';
    }),
  },
  {
    name: 'atomic lists (tolerations) are replaced',
    patch: { spec: { template: { spec: { tolerations: [{ key: 'other', operator: 'Exists' }] } } } },
    want: expectDeployment((d) => {
      podSpecOf(d).tolerations = [{ key: 'other', operator: 'Exists' }];
    }),
  },
  {
    name: 'status conditions merge by type',
    patch: { status: { conditions: [{ type: 'Progressing', status: 'False', reason: 'Timeout' }] } },
    want: expectDeployment((d) => {
      d.status.conditions[1] = { type: 'Progressing', status: 'False', reason: 'Timeout' };
    }),
  },
  {
    name: 'directives inside new content are stripped',
    patch: {
      spec: {
        template: {
          spec: {
            initContainers: [
              {
                name: 'init',
                image: 'x',
                '$setElementOrder/env': [{ name: 'E' }],
                env: [
                  { name: 'E', value: '1' },
                  { name: 'F', $patch: 'delete' },
                ],
              },
            ],
          },
        },
      },
    },
    want: expectDeployment((d) => {
      podSpecOf(d).initContainers = [{ name: 'init', image: 'x', env: [{ name: 'E', value: '1' }] }];
    }),
  },
  {
    name: 'another version of the group uses the same metadata',
    typeKey: 'apps/v1beta2/Deployment',
    patch: { spec: { template: { spec: { containers: [{ image: 'img:2', name: 'web' }] } } } },
    want: expectDeployment((d) => {
      web(d).image = 'img:2';
    }),
  },
  {
    name: 'an unknown kind: lists are replaced, ObjectMeta lists still merge',
    typeKey: 'example.com/v1/Widget',
    patch: { metadata: { finalizers: ['c.example/z'] }, spec: { template: { spec: { containers: [{ image: 'img:2', name: 'web' }] } } } },
    want: expectDeployment((d) => {
      d.metadata.finalizers.push('c.example/z');
      podSpecOf(d).containers = [{ image: 'img:2', name: 'web' }];
    }),
  },
];

const pod: Obj = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', ownerReferences: [{ uid: 'u1', kind: 'ReplicaSet', name: 'rs1' }] },
  spec: { containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'v', mountPath: '/a' }] }] },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }], podIPs: [{ ip: '10.0.0.1' }] },
};
const service: Obj = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 's' },
  spec: {
    selector: { app: 'web' },
    ports: [
      { name: 'http', port: 80, targetPort: 8080 },
      { name: 'https', port: 443 },
    ],
  },
};
const node: Obj = {
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name: 'n1' },
  status: {
    addresses: [
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'Hostname', address: 'n1' },
    ],
    conditions: [{ type: 'Ready', status: 'True' }],
  },
};

cases.push(
  {
    name: 'Pod: kubelet status patch merges conditions by type and podIPs by ip',
    typeKey: 'v1/Pod',
    doc: pod,
    patch: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], podIPs: [{ ip: '10.0.0.1' }] } },
    want: {
      ...structuredClone(pod),
      status: {
        phase: 'Running',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
        podIPs: [{ ip: '10.0.0.1' }],
      },
    },
  },
  {
    name: 'Pod: ownerReferences merge by uid; volumeMounts by mountPath',
    typeKey: 'v1/Pod',
    doc: pod,
    patch: {
      metadata: { ownerReferences: [{ uid: 'u2', kind: 'Node', name: 'n' }] },
      spec: { containers: [{ name: 'c', volumeMounts: [{ name: 'w', mountPath: '/b' }] }] },
    },
    want: (() => {
      const want = structuredClone(pod);
      want.metadata.ownerReferences.push({ uid: 'u2', kind: 'Node', name: 'n' });
      want.spec.containers[0].volumeMounts.push({ name: 'w', mountPath: '/b' });
      return want;
    })(),
  },
  {
    name: 'Service: ports merge by port',
    typeKey: 'v1/Service',
    doc: service,
    patch: { spec: { ports: [{ port: 80, targetPort: 8081 }] } },
    want: (() => {
      const want = structuredClone(service);
      want.spec.ports[0].targetPort = 8081;
      return want;
    })(),
  },
  {
    name: 'Node: addresses and conditions merge by type',
    typeKey: 'v1/Node',
    doc: node,
    patch: { status: { addresses: [{ type: 'ExternalIP', address: '1.2.3.4' }], conditions: [{ type: 'Ready', status: 'False' }] } },
    want: {
      ...structuredClone(node),
      status: {
        addresses: [...node.status.addresses, { type: 'ExternalIP', address: '1.2.3.4' }],
        conditions: [{ type: 'Ready', status: 'False' }],
      },
    },
  },
  {
    name: 'PodDisruptionBudget: the selector is replaced, not merged',
    typeKey: 'policy/v1/PodDisruptionBudget',
    doc: { metadata: { name: 'pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web', tier: 'front' } } } },
    patch: { spec: { selector: { matchLabels: { app: 'db' } } } },
    want: { metadata: { name: 'pdb' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'db' } } } },
  },
  {
    name: 'CronJob: containers deep in the job template merge by name',
    typeKey: 'batch/v1/CronJob',
    doc: {
      spec: {
        jobTemplate: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'a', image: '1' },
                  { name: 'b', image: '1' },
                ],
              },
            },
          },
        },
      },
    },
    patch: { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'b', image: '2' }] } } } } } },
    want: {
      spec: {
        jobTemplate: {
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'a', image: '1' },
                  { name: 'b', image: '2' },
                ],
              },
            },
          },
        },
      },
    },
  },
);

function findDirectiveKeys(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => findDirectiveKeys(item, `${path}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => [...(key.startsWith('$') ? [`${path}.${key}`] : []), ...findDirectiveKeys(item, `${path}.${key}`)]);
}

for (const c of cases) {
  test(`applyStrategicMergePatch: ${c.name}`, () => {
    const doc = structuredClone(c.doc ?? liveDeployment());
    const patch = structuredClone(c.patch);
    const out = applyStrategicMergePatch(doc, patch, c.typeKey ?? 'apps/v1/Deployment');
    assert.deepEqual(out, c.want);
    assert.deepEqual(findDirectiveKeys(out), [], 'no directive survives in the result');
    assert.deepEqual(doc, c.doc ?? liveDeployment(), 'document unchanged');
    assert.deepEqual(patch, c.patch, 'patch unchanged');
  });
}
