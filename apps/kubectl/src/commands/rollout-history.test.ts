import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReplicaSet } from '@skiff/api';
import { findRevision, formatHistory, formatRevision, type Revision } from './rollout-history.ts';
import { templateForRollback } from './rollout-undo.ts';

function revision(n: number, image: string, cause?: string): Revision {
  const replicaSet: ReplicaSet = {
    metadata: { name: `web-${n}`, annotations: { 'deployment.kubernetes.io/revision': String(n) } },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web', 'pod-template-hash': `h${n}` } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] },
      },
    },
  };
  return { revision: n, changeCause: cause, replicaSet };
}

test('history prints kubectl\'s REVISION / CHANGE-CAUSE table', () => {
  const out = formatHistory('deployment.apps/web', [revision(1, 'nginx:1'), revision(2, 'nginx:2', 'kubectl set image'), revision(10, 'nginx:3')]);
  assert.equal(out, [
    'deployment.apps/web ',
    'REVISION  CHANGE-CAUSE',
    '1         <none>',
    '2         kubectl set image',
    '10        <none>',
    '',
    '',
  ].join('\n'));
});

test('--revision shows that revision\'s template; an unknown revision fails', () => {
  const revisions = [revision(1, 'nginx:1'), revision(2, 'nginx:2')];
  const out = formatRevision('deployment.apps/web', findRevision(revisions, 1));
  assert.match(out, /^deployment\.apps\/web with revision #1\nPod Template:\n/);
  assert.match(out, /Image:\tnginx:1\n/);
  assert.match(out, /Port:\t80\/TCP\n/);
  assert.doesNotMatch(out, /nginx:2/);
  assert.throws(() => findRevision(revisions, 3), /unable to find the specified revision/);
});

test('rollback template drops only the pod-template-hash label and leaves the ReplicaSet alone', () => {
  const rs = revision(1, 'nginx:1').replicaSet;
  const template = templateForRollback(rs.spec?.template);
  assert.deepEqual(template.metadata?.labels, { app: 'web' });
  assert.equal(template.spec?.containers[0].image, 'nginx:1');
  assert.equal(rs.spec?.template?.metadata?.labels?.['pod-template-hash'], 'h1');
});
