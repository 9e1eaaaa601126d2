import { it } from 'node:test';
import assert from 'node:assert/strict';
import { renderPodResolvConf } from './pod-resolv-conf.ts';

it('renders the ClusterFirst resolv.conf of a pod', () => {
  assert.equal(renderPodResolvConf('shop'), 'nameserver 169.254.20.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
  assert.match(
    renderPodResolvConf('a', 'corp.internal', '10.96.0.10'),
    /^nameserver 10\.96\.0\.10\nsearch a\.svc\.corp\.internal svc\.corp\.internal corp\.internal\n/,
  );
});
