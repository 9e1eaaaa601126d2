import assert from 'node:assert/strict';
import { it } from 'node:test';
import { computeLabLayout, findLabNode, validateLabOptions } from './lab-layout.ts';

const base = { nodes: 3, etcd: 3, controlPlanes: 2, slot: 0, fastFailover: true, images: [] };

it('names slot 0 the way users see it: skiff-lab0, skiff-nK at 10.250.0.1K', () => {
  const layout = computeLabLayout('/h', base);
  assert.equal(layout.bridge, 'skiff-lab0');
  assert.equal(layout.hostIp, '10.250.0.1');
  assert.deepEqual(
    layout.nodes.map((n) => [n.name, n.ip, n.hostVeth, n.dockerHost]),
    [
      ['skiff-n1', '10.250.0.11', 'sl0n1', 'unix:///run/skiff-lab/skiff-n1/docker.sock'],
      ['skiff-n2', '10.250.0.12', 'sl0n2', 'unix:///run/skiff-lab/skiff-n2/docker.sock'],
      ['skiff-n3', '10.250.0.13', 'sl0n3', 'unix:///run/skiff-lab/skiff-n3/docker.sock'],
    ],
  );
  assert.equal(layout.stateFile, '/h/lab/lab.json');
  assert.equal(findLabNode(layout, 'n2').name, 'skiff-n2');
  assert.throws(() => findLabNode(layout, 'skiff-n9'), /no node "skiff-n9"/);
});

it('gives every slot its own names, subnet and non-overlapping ports', () => {
  const ports = (slot: number) => {
    const l = computeLabLayout('/h', { ...base, slot, etcd: 5, controlPlanes: 3 });
    return [...l.etcd.flatMap((m) => [m.clientPort, m.peerPort]), ...l.apiServerPorts, ...l.controllerManagerPorts, ...l.schedulerPorts, l.balancerPort];
  };
  const all = [0, 1, 2, 3, 4].flatMap(ports);
  assert.equal(new Set(all).size, all.length);
  assert.ok(all.every((p) => p >= 27800 && p <= 27899));
  const s1 = computeLabLayout('/h', { ...base, slot: 1 });
  assert.equal(s1.nodes[0]!.name, 'skiff-s1n1');
  assert.equal(s1.subnet, '10.250.1.0/24');
  assert.ok(s1.nodes.every((n) => n.hostVeth.length <= 15));
});

it('rejects sizes it cannot lay out', () => {
  assert.throws(() => validateLabOptions({ ...base, nodes: 0 }), /--nodes/);
  assert.throws(() => validateLabOptions({ ...base, etcd: 2 }), /odd/);
  assert.throws(() => validateLabOptions({ ...base, controlPlanes: 4 }), /--control-planes/);
  validateLabOptions(base);
});
