import { it } from 'node:test';
import assert from 'node:assert/strict';
import { kubeconfigFor } from './kubectl.ts';

it('skiff kubectl uses $KUBECONFIG when set, else the cluster admin kubeconfig', () => {
  assert.equal(kubeconfigFor({ SKIFF_HOME: '/srv/skiff' }), '/srv/skiff/kubeconfig');
  assert.equal(kubeconfigFor({ SKIFF_HOME: '/srv/skiff', KUBECONFIG: '' }), '/srv/skiff/kubeconfig');
  assert.equal(kubeconfigFor({ SKIFF_HOME: '/srv/skiff', KUBECONFIG: '/srv/skiff/lab/kubeconfig' }), '/srv/skiff/lab/kubeconfig');
});
