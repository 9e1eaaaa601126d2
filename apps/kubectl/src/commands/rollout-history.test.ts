import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResourceByKind, type ControllerRevision, type DaemonSet, type PodTemplateSpec } from '@skiff/api';
import { findRevision, formatHistory, formatRevision, templateForRollback, templateOfControllerRevision, type Revision } from './rollout-history.ts';

const DAEMONSETS = findResourceByKind('apps/v1', 'DaemonSet')!;

function template(image: string): PodTemplateSpec {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] } };
}

function revision(n: number, image: string, cause?: string): Revision {
  return { revision: n, changeCause: cause, template: template(image) };
}

test("history prints kubectl's REVISION / CHANGE-CAUSE table, or says there is none", () => {
  const out = formatHistory('deployment.apps/web', [revision(1, 'nginx:1'), revision(2, 'nginx:2', 'kubectl set image'), revision(10, 'nginx:3')]);
  assert.equal(
    out,
    ['deployment.apps/web ', 'REVISION  CHANGE-CAUSE', '1         <none>', '2         kubectl set image', '10        <none>', '', ''].join('\n'),
  );
  assert.equal(formatHistory('daemonset.apps/agent', []), 'daemonset.apps/agent \nNo rollout history found.\n');
});

test("--revision shows that revision's template as kubectl describes one, tabs and all; an unknown revision fails", () => {
  const revisions = [revision(1, 'nginx:1'), revision(2, 'nginx:2')];
  const out = formatRevision('deployment.apps/web', findRevision(revisions, 1));
  assert.equal(
    out,
    [
      'deployment.apps/web with revision #1',
      'Pod Template:',
      '  Labels:\tapp=web',
      '  Containers:',
      '   web:',
      '    Image:\tnginx:1',
      '    Port:\t80/TCP',
      '    Host Port:\t0/TCP',
      '    Environment:\t<none>',
      '    Mounts:\t<none>',
      '  Volumes:\t<none>',
      '  Node-Selectors:\t<none>',
      '  Tolerations:\t<none>',
      '',
      '',
    ].join('\n'),
  );
  assert.throws(() => findRevision(revisions, 3), /unable to find the specified revision/);
});

test("rollback template drops only the pod-template-hash label and leaves the ReplicaSet's alone", () => {
  const rsTemplate = template('nginx:1');
  rsTemplate.metadata!.labels!['pod-template-hash'] = 'h1';
  const copy = templateForRollback(rsTemplate);
  assert.deepEqual(copy.metadata?.labels, { app: 'web' });
  assert.equal(rsTemplate.metadata?.labels?.['pod-template-hash'], 'h1');
});

test("a ControllerRevision's data replaces the live template wholesale (its $patch: replace)", () => {
  const ds: DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': 'x' } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx:2' },
            { name: 'side', image: 'busybox' },
          ],
        },
      },
    },
  };
  const cr: ControllerRevision = { metadata: { name: 'agent-1' }, revision: 1, data: { spec: { template: { ...template('nginx:1'), $patch: 'replace' } } } };
  assert.deepEqual(templateOfControllerRevision(DAEMONSETS, ds, cr), template('nginx:1'));
});
