import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT_COMPONENT_NAMES, getClientComponent, getComponentKubeconfig } from './components.ts';
import { resolveSkiffPaths, resolveSkiffPorts } from './paths.ts';
import { describeNodeReady } from './status.ts';
import { parseUpArgs } from './up.ts';

describe('parseUpArgs', () => {
  it('reads --hollow-nodes in both spellings, default 0', () => {
    assert.deepEqual(parseUpArgs([]), { hollowNodes: 0, noNode: false });
    assert.deepEqual(parseUpArgs(['--no-node']), { hollowNodes: 0, noNode: true });
    assert.deepEqual(parseUpArgs(['--hollow-nodes', '5']), { hollowNodes: 5, noNode: false });
    assert.deepEqual(parseUpArgs(['--hollow-nodes=1000']), { hollowNodes: 1000, noNode: false });
  });
  it('rejects anything else', () => {
    assert.throws(() => parseUpArgs(['--hollow-nodes']), /wants a number/);
    assert.throws(() => parseUpArgs(['--hollow-nodes=-1']), /wants a number/);
    assert.throws(() => parseUpArgs(['--hollow-nodes=99999']), /wants a number/);
    assert.throws(() => parseUpArgs(['extra']), /unexpected argument "extra"/);
  });
});

describe('client components', () => {
  const paths = resolveSkiffPaths({ SKIFF_HOME: '/srv/skiff' });
  const ports = resolveSkiffPorts({});
  it('start in order with their own kubeconfig, metrics port and leader election', () => {
    assert.deepEqual(CLIENT_COMPONENT_NAMES, ['controller-manager', 'scheduler', 'kubelet-hollow']);
    const cm = getClientComponent(paths, ports, 'controller-manager').createStartOptions();
    assert.equal(cm.command, process.execPath);
    assert.match(cm.args[0]!, /apps\/controller-manager\/src\/main\.ts$/);
    assert.deepEqual(cm.args.slice(1, 5), ['--kubeconfig=/srv/skiff/kubeconfigs/controller-manager.kubeconfig', '--metrics-port=10257', '--leader-elect=true', '--cluster-cidr=10.244.0.0/16']);
    assert.equal(cm.pidFile, '/srv/skiff/run/controller-manager.pid');
    assert.equal(cm.marker, cm.args[0]);
    const scheduler = getClientComponent(paths, ports, 'scheduler');
    assert.equal(scheduler.healthUrl, 'http://127.0.0.1:10259/healthz');
    assert.ok(scheduler.createStartOptions().args.includes('--leader-elect=true'));
    const hollow = getClientComponent(paths, ports, 'kubelet-hollow', { hollowNodes: 7 }).createStartOptions();
    assert.deepEqual(hollow.args.slice(1), ['--kubeconfig=/srv/skiff/kubeconfigs/kubelet-hollow.kubeconfig', '--metrics-port=10255', '--hollow-nodes=7']);
    assert.equal(getComponentKubeconfig(paths, 'scheduler'), '/srv/skiff/kubeconfigs/scheduler.kubeconfig');
  });
});

describe('describeNodeReady', () => {
  it('prints the Ready condition as kubectl does', () => {
    const node = (status?: string, unschedulable = false) => ({
      spec: { unschedulable },
      status: status ? { conditions: [{ type: 'Ready', status }] } : {},
    });
    assert.equal(describeNodeReady(node('True')), 'Ready');
    assert.equal(describeNodeReady(node('False')), 'NotReady');
    assert.equal(describeNodeReady(node('Unknown')), 'Unknown');
    assert.equal(describeNodeReady(node()), 'Unknown');
    assert.equal(describeNodeReady(node('True', true)), 'Ready,SchedulingDisabled');
  });
});
