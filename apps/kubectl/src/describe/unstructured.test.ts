import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tabbed } from '../printers/tabwriter.ts';
import { Lines } from './lines.ts';
import { describeUnstructured, labelFor } from './unstructured.ts';

test('labelFor: kubectl smart labels', () => {
  const cases: [string, string][] = [
    ['spec', 'Spec'],
    ['cronSpec', 'Cron Spec'],
    ['apiVersion', 'API Version'],
    ['uid', 'UID'],
    ['resourceVersion', 'Resource Version'],
    ['creationTimestamp', 'Creation Timestamp'],
    ['targetURL', 'Target URL'],
    ['HTTPServer', 'HTTP Server'],
    ['replicas2', 'replicas2'],
    ['app.kubernetes.io/name', 'app.kubernetes.io/name'],
    ['x-forwarded', 'X - Forwarded'],
  ];
  for (const [field, want] of cases) assert.equal(labelFor(field), want, field);
});

test('a custom object: header, then every field nested and sorted, metadata without what the header showed', () => {
  const w = new Lines();
  describeUnstructured(
    w,
    {
      apiVersion: 'stable.example.com/v1',
      kind: 'CronTab',
      metadata: { name: 'first', namespace: 'default', uid: 'u1', generation: 1, labels: { team: 'a' }, managedFields: [{ manager: 'kubectl' }] },
      spec: { image: 'cron:1', cronSpec: '* * * * */5', replicas: 2, ports: [{ name: 'http', port: 80 }], args: ['-v', '2'], paused: false },
      status: { ready: null },
    },
    true,
  );
  assert.equal(
    tabbed(w.toString()),
    [
      'Name:         first',
      'Namespace:    default',
      'Labels:       team=a',
      'Annotations:  <none>',
      'API Version:  stable.example.com/v1',
      'Kind:         CronTab',
      'Metadata:',
      '  Generation:  1',
      '  UID:         u1',
      'Spec:',
      '  Args:',
      '    -v',
      '    2',
      '  Cron Spec:  * * * * */5',
      '  Image:      cron:1',
      '  Paused:     false',
      '  Ports:',
      '    Name:    http',
      '    Port:    80',
      '  Replicas:  2',
      'Status:',
      '  Ready:  <nil>',
      '',
    ].join('\n'),
  );
});
