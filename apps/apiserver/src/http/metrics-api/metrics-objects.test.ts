import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Node, Pod } from '@skiff/api';
import type { Summary } from './kubelet-summaries.ts';
import { nodeMetrics, podMetrics } from './metrics-objects.ts';

const NOW = '2026-12-07T10:00:20Z';
const T1 = '2026-12-07T10:00:15Z';
const T2 = '2026-12-07T10:00:16Z';
const figures = (nanoCores: number | undefined, bytes: number | undefined, time = T1) => ({
  cpu: { time, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}) },
  memory: { time, ...(bytes !== undefined ? { workingSetBytes: bytes } : {}) },
});
const pod = (name: string, uid = `uid-${name}`, labels?: Record<string, string>): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', uid, ...(labels ? { labels } : {}) },
  spec: { nodeName: 'n1', containers: [] },
});

const summary: Summary = {
  node: { nodeName: 'n1', ...figures(1_500_000_000, 2048 * 1024) },
  pods: [
    {
      podRef: { name: 'web', namespace: 'default', uid: 'uid-web' },
      containers: [
        { name: 'app', ...figures(200_000_000, 10 * 1024) },
        { name: 'side', ...figures(1_000_000, 2048, T2) },
      ],
    },
    { podRef: { name: 'new', namespace: 'default', uid: 'uid-new' }, containers: [{ name: 'app', ...figures(undefined, 4096) }] },
    { podRef: { name: 'old', namespace: 'default', uid: 'uid-before' }, containers: [{ name: 'app', ...figures(5, 4096) }] },
    {
      podRef: { name: 'half', namespace: 'default', uid: 'uid-half' },
      containers: [
        { name: 'a', ...figures(5, 4096) },
        { name: 'b', ...figures(5, undefined) },
      ],
    },
  ],
};

describe('metrics objects', () => {
  it('a pod with every figure: containers in nanocores and Ki, the newest reading as timestamp, the pod labels', () => {
    assert.deepEqual(podMetrics([pod('web', 'uid-web', { app: 'web' })], [summary], NOW), [
      {
        kind: 'PodMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, creationTimestamp: NOW },
        timestamp: T2,
        window: '15s',
        containers: [
          { name: 'app', usage: { cpu: '200000000n', memory: '10Ki' } },
          { name: 'side', usage: { cpu: '1000000n', memory: '2Ki' } },
        ],
      },
    ]);
  });

  const left: [string, Pod][] = [
    ['no CPU rate yet (one reading)', pod('new')],
    ['the summary entry is an earlier pod of the same name', pod('old', 'uid-now')],
    ['one container lacks its working set', pod('half')],
    ['the kubelet does not report it', pod('absent')],
  ];
  for (const [why, p] of left) it(`leaves a pod out when ${why}`, () => assert.deepEqual(podMetrics([p], [summary], NOW), []));

  it('NodeMetrics carry the node labels, or nothing while the kubelet has no CPU rate', () => {
    const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { zone: 'a' } } };
    assert.deepEqual(nodeMetrics(node, summary, NOW), {
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'n1', labels: { zone: 'a' }, creationTimestamp: NOW },
      timestamp: T1,
      window: '15s',
      usage: { cpu: '1500000000n', memory: '2048Ki' },
    });
    assert.equal(nodeMetrics(node, { ...summary, node: { nodeName: 'n1', ...figures(undefined, 1024) } }, NOW), undefined);
  });
});
