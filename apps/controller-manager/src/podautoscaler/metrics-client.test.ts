import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiStatusError } from '@skiff/client';
import { parseWindow, podMetricsFromItems, RestMetricsClient } from './metrics-client.ts';

const item = (name: string, containers: { name: string; usage?: Record<string, string> }[]) => ({
  metadata: { name, namespace: 'default' },
  timestamp: '2026-12-07T12:00:00Z',
  window: '15s',
  containers,
});

const notFound = () => new ApiStatusError({ kind: 'Status', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' });

describe('metrics client', () => {
  it('parses metav1.Duration windows', () => {
    assert.equal(parseWindow('15s'), 15_000);
    assert.equal(parseWindow('1m30s'), 90_000);
    assert.equal(parseWindow('500ms'), 500);
    assert.equal(parseWindow(undefined), 0);
  });

  it('sums containers in milli-units and skips pods missing the resource', () => {
    const metrics = podMetricsFromItems(
      [
        item('a', [
          { name: 'x', usage: { cpu: '250m', memory: '1Ki' } },
          { name: 'y', usage: { cpu: '1500000n', memory: '1Ki' } },
        ]),
        item('b', [{ name: 'x', usage: { memory: '1Ki' } }]),
        item('c', []),
      ],
      'cpu',
    );
    assert.deepEqual([...metrics.keys()], ['a']);
    assert.deepEqual(metrics.get('a'), { value: 252, timestamp: Date.parse('2026-12-07T12:00:00Z'), windowMs: 15_000 });
    assert.equal(podMetricsFromItems([item('a', [{ name: 'x', usage: { memory: '1Ki' } }])], 'memory').get('a')?.value, 1_024_000);
  });

  it('reads one container for ContainerResource, and says when it is absent', () => {
    const items = [
      item('a', [
        { name: 'x', usage: { cpu: '10m' } },
        { name: 'y', usage: { cpu: '20m' } },
      ]),
    ];
    assert.equal(podMetricsFromItems(items, 'cpu', 'y').get('a')?.value, 20);
    assert.throws(() => podMetricsFromItems(items, 'cpu', 'z'), /^Error: container z not present in metrics for pod default\/a$/);
  });

  it('keeps only the selected pods and fails in upstream words when none are left', async () => {
    const paths: string[] = [];
    const client = new RestMetricsClient({
      request: async <T>(_m: string, path: string) => {
        paths.push(path);
        return { items: [item('mine', [{ name: 'x', usage: { cpu: '5m' } }]), item('other', [{ name: 'x', usage: { cpu: '9m' } }])] } as T;
      },
    });
    const sample = await client.resourceMetric('cpu', 'default', 'app=web', new Set(['mine']));
    assert.deepEqual([...sample.metrics.keys()], ['mine']);
    assert.equal(paths[0], '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb');
    await assert.rejects(client.resourceMetric('cpu', 'default', 'app=none', new Set(['gone'])), /^Error: no metrics returned from resource metrics API$/);
  });

  it('says no custom metrics API is registered when the group is not served', async () => {
    const client = new RestMetricsClient({
      request: async () => {
        throw notFound();
      },
    });
    await assert.rejects(
      client.podsMetric('qps', 'default', 'app=web', ''),
      /^Error: unable to fetch metrics from custom metrics API: no custom metrics API \(custom\.metrics\.k8s\.io\) registered$/,
    );
    await assert.rejects(
      client.externalMetric('queue', 'default', ''),
      /^Error: unable to fetch metrics from external metrics API: the server could not find the requested resource \(get queue\.external\.metrics\.k8s\.io\)$/,
    );
  });
});
