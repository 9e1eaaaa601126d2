import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Ingress, Node } from '@skiff/api';
import { statusAddresses, statusChanged } from './ingress-status.ts';

function node(name: string, ready: string, ips: string[]): Node {
  return {
    metadata: { name },
    status: {
      conditions: [{ type: 'Ready', status: ready }],
      addresses: [...ips.map((address) => ({ type: 'InternalIP', address })), { type: 'Hostname', address: name }],
    },
  } as Node;
}

describe('ingress status', () => {
  it('lists the InternalIP of every Ready node, in address order, once each', () => {
    const nodes = [
      node('c', 'True', ['192.168.56.20']),
      node('a', 'True', ['192.168.56.9']),
      node('b', 'False', ['192.168.56.10']),
      node('d', 'Unknown', ['192.168.56.30']),
    ];
    assert.deepEqual(statusAddresses(nodes), [{ ip: '192.168.56.9' }, { ip: '192.168.56.20' }]);
  });

  it('writes only on change', () => {
    const ing = (ips: string[]) => ({ status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } }) as Ingress;
    assert.equal(statusChanged(ing(['10.0.0.1']), [{ ip: '10.0.0.1' }]), false);
    assert.equal(statusChanged(ing([]), [{ ip: '10.0.0.1' }]), true);
    assert.equal(statusChanged(ing(['10.0.0.1', '10.0.0.2']), [{ ip: '10.0.0.1' }]), true);
    assert.equal(statusChanged({} as Ingress, []), false);
  });
});
