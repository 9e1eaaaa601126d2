import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointSubset, Pod, Service, ServicePort } from '@skiff/api';
import { buildSubsets, subsetsEqual, truncateSubsets } from './subsets.ts';

interface PodSpecInput {
  name: string;
  ip?: string;
  ready?: boolean;
  node?: string;
  terminating?: boolean;
  phase?: string;
  ports?: { name: string; containerPort: number; protocol?: string }[];
}

function makePod(p: PodSpecInput): Pod {
  return {
    metadata: {
      name: p.name,
      namespace: 'ns',
      uid: `uid-${p.name}`,
      labels: { app: 'web' },
      ...(p.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { nodeName: p.node ?? 'n1', containers: [{ name: 'c', ports: p.ports }] },
    status: {
      phase: p.phase ?? 'Running',
      ...(p.ip ? { podIP: p.ip } : {}),
      conditions: [{ type: 'Ready', status: p.ready === false ? 'False' : 'True' }],
    },
  };
}

function makeService(ports: ServicePort[], extra: Partial<Service['spec']> = {}): Service {
  return { metadata: { name: 'web', namespace: 'ns' }, spec: { selector: { app: 'web' }, ports, ...extra } };
}

function addr(name: string, ip: string, node = 'n1') {
  return { ip, nodeName: node, targetRef: { kind: 'Pod', namespace: 'ns', name, uid: `uid-${name}` } };
}

const http: ServicePort = { name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' };

const cases: { name: string; svc: Service; pods: PodSpecInput[]; want: EndpointSubset[] }[] = [
  { name: 'no pods: no subsets', svc: makeService([http]), pods: [], want: [] },
  {
    name: 'ready and not-ready pods share a subset',
    svc: makeService([http]),
    pods: [
      { name: 'b', ip: '10.0.0.2' },
      { name: 'a', ip: '10.0.0.1' },
      { name: 'c', ip: '10.0.0.3', ready: false },
    ],
    want: [
      {
        addresses: [addr('a', '10.0.0.1'), addr('b', '10.0.0.2')],
        notReadyAddresses: [addr('c', '10.0.0.3')],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ],
  },
  {
    name: 'pods without an IP, finished or terminating are skipped',
    svc: makeService([http]),
    pods: [{ name: 'a' }, { name: 'b', ip: '10.0.0.2', phase: 'Succeeded' }, { name: 'c', ip: '10.0.0.3', terminating: true }, { name: 'd', ip: '10.0.0.4' }],
    want: [{ addresses: [addr('d', '10.0.0.4')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  },
  {
    name: 'publishNotReadyAddresses makes every pod ready, terminating ones included',
    svc: makeService([http], { publishNotReadyAddresses: true }),
    pods: [
      { name: 'a', ip: '10.0.0.1', ready: false },
      { name: 'b', ip: '10.0.0.2', terminating: true },
    ],
    want: [{ addresses: [addr('a', '10.0.0.1'), addr('b', '10.0.0.2')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  },
  {
    name: 'named targetPort resolves per pod; pods lacking it are left out',
    svc: makeService([{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }]),
    pods: [
      { name: 'a', ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 8080 }] },
      { name: 'b', ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 9090 }] },
      { name: 'c', ip: '10.0.0.3', ports: [{ name: 'metrics', containerPort: 9100 }] },
      { name: 'd', ip: '10.0.0.4', ports: [{ name: 'http', containerPort: 8080, protocol: 'UDP' }] },
    ],
    want: [
      { addresses: [addr('a', '10.0.0.1')], ports: [{ name: 'web', port: 8080, protocol: 'TCP' }] },
      { addresses: [addr('b', '10.0.0.2')], ports: [{ name: 'web', port: 9090, protocol: 'TCP' }] },
    ],
  },
  {
    name: 'multiple ports: pods with identical port sets group, others split',
    svc: makeService([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      { name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' },
    ]),
    pods: [
      { name: 'a', ip: '10.0.0.1', ports: [{ name: 'http', containerPort: 8080 }] },
      { name: 'b', ip: '10.0.0.2', ports: [{ name: 'http', containerPort: 8080 }], ready: false },
      { name: 'c', ip: '10.0.0.3' },
    ],
    want: [
      {
        addresses: [addr('a', '10.0.0.1')],
        notReadyAddresses: [addr('b', '10.0.0.2')],
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP' },
          { name: 'http', port: 8080, protocol: 'TCP' },
        ],
      },
      { addresses: [addr('c', '10.0.0.3')], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    ],
  },
  {
    name: 'headless service without ports still publishes addresses',
    svc: makeService([], { clusterIP: 'None' }),
    pods: [{ name: 'a', ip: '10.0.0.1' }],
    want: [{ addresses: [addr('a', '10.0.0.1')] }],
  },
  {
    name: 'a ClusterIP service without ports has no endpoints',
    svc: makeService([]),
    pods: [{ name: 'a', ip: '10.0.0.1' }],
    want: [],
  },
];

for (const c of cases) {
  test(`buildSubsets: ${c.name}`, () => {
    const got = buildSubsets(c.svc, c.pods.map(makePod));
    assert.deepEqual(got, c.want);
  });
}

test('buildSubsets sets hostname for pods in the service subdomain', () => {
  const pod = makePod({ name: 'a', ip: '10.0.0.1' });
  pod.spec!.hostname = 'db-0';
  pod.spec!.subdomain = 'web';
  const [subset] = buildSubsets(makeService([http]), [pod]);
  assert.equal(subset.addresses?.[0].hostname, 'db-0');
});

test('subsetsEqual ignores order and empty arrays, sees real differences', () => {
  const pods = [makePod({ name: 'a', ip: '10.0.0.1' }), makePod({ name: 'b', ip: '10.0.0.2', ready: false })];
  const ours = buildSubsets(makeService([http]), pods);
  const stored: EndpointSubset[] = JSON.parse(JSON.stringify(ours));
  stored[0].addresses!.reverse();
  stored[0].notReadyAddresses = [...stored[0].notReadyAddresses!];
  assert.ok(subsetsEqual(stored, ours));
  assert.ok(subsetsEqual([], undefined));
  const flipped = buildSubsets(makeService([http]), [makePod({ name: 'a', ip: '10.0.0.1' }), makePod({ name: 'b', ip: '10.0.0.2' })]);
  assert.ok(!subsetsEqual(flipped, ours));
});

test('truncateSubsets keeps ready addresses first, up to the cap', () => {
  const pods = [0, 1, 2, 3, 4].map((i) => makePod({ name: `p${i}`, ip: `10.0.0.${i}`, ready: i % 2 === 0 }));
  const all = buildSubsets(makeService([http]), pods);
  assert.deepEqual(truncateSubsets(all, 5), { subsets: all, truncated: false });
  const { subsets, truncated } = truncateSubsets(all, 4);
  assert.ok(truncated);
  assert.deepEqual(
    subsets[0].addresses?.map((a) => a.ip),
    ['10.0.0.0', '10.0.0.2', '10.0.0.4'],
  );
  assert.deepEqual(
    subsets[0].notReadyAddresses?.map((a) => a.ip),
    ['10.0.0.1'],
  );
  assert.deepEqual(truncateSubsets(all, 2).subsets, [{ addresses: [addr('p0', '10.0.0.0'), addr('p2', '10.0.0.2')], ports: all[0].ports }]);
});
