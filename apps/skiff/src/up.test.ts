import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getComponentKubeconfig, getHollowKubelet, getServerRole } from './components.ts';
import { getAgentRole } from './node-components.ts';
import { resolveSkiffPaths, resolveSkiffPorts } from './paths.ts';
import { describeNodeReady } from './status.ts';
import { parseUpArgs } from './up.ts';

describe('parseUpArgs', () => {
  it('reads --hollow-nodes in both spellings, default 0', () => {
    assert.deepEqual(parseUpArgs([]), { hollowNodes: 0, noNode: false, disable: [] });
    assert.deepEqual(parseUpArgs(['--no-node']), { hollowNodes: 0, noNode: true, disable: [] });
    assert.deepEqual(parseUpArgs(['--hollow-nodes', '5']), { hollowNodes: 5, noNode: false, disable: [] });
    assert.deepEqual(parseUpArgs(['--hollow-nodes=1000']), { hollowNodes: 1000, noNode: false, disable: [] });
  });
  it('reads --disable as a list, in both spellings, and refuses what is not an add-on', () => {
    assert.deepEqual(parseUpArgs(['--disable', 'ingress']).disable, ['ingress']);
    assert.deepEqual(parseUpArgs(['--disable=ingress,network-policy', '--disable', 'ingress']).disable, ['ingress', 'network-policy']);
    assert.throws(() => parseUpArgs(['--disable', 'kubelet']), /--disable wants ingress or network-policy .*got "kubelet"/);
    assert.throws(() => parseUpArgs(['--disable']), /--disable wants/);
  });
  it('rejects anything else', () => {
    assert.throws(() => parseUpArgs(['--hollow-nodes']), /wants a number/);
    assert.throws(() => parseUpArgs(['--hollow-nodes=-1']), /wants a number/);
    assert.throws(() => parseUpArgs(['--hollow-nodes=99999']), /wants a number/);
    assert.throws(() => parseUpArgs(['extra']), /unexpected argument "extra"/);
  });
});

describe('roles on one host', () => {
  const paths = resolveSkiffPaths({ SKIFF_HOME: '/srv/skiff' });
  const ports = resolveSkiffPorts({});
  it('the server is one process running apiserver, controller-manager and scheduler from its role file', async () => {
    const server = getServerRole(paths, ports, { caCert: async () => '' });
    const start = server.createStartOptions();
    assert.equal(start.command, process.execPath);
    assert.deepEqual(start.args.slice(0, 2), ['--max-semi-space-size=4', '--max-old-space-size=1024'], 'V8 limits of the server role');
    assert.match(start.args[2]!, /apps\/skiff\/src\/main\.ts$/);
    assert.deepEqual(start.args.slice(3), ['server', '--config=/srv/skiff/roles/server.json', '--restart-on-failure', '--pid-file=/srv/skiff/run/server.pid']);
    assert.equal(start.marker, '--config=/srv/skiff/roles/server.json');
    assert.deepEqual(
      server.members.map((m) => [m.name, m.pidFile, m.healthUrl]),
      [
        ['apiserver', '/srv/skiff/run/server.pid', 'https://127.0.0.1:6443/readyz'],
        ['controller-manager', '/srv/skiff/run/server.pid', 'http://127.0.0.1:10257/healthz'],
        ['scheduler', '/srv/skiff/run/server.pid', 'http://127.0.0.1:10259/healthz'],
      ],
    );
  });
  it('the agent runs kubelet, kube-proxy, dns, local-path, ingress and network policy; the hollow kubelet is a component of its own', () => {
    const agent = getAgentRole(paths, ports);
    assert.deepEqual(agent.createStartOptions().args.slice(0, 1), ['--max-semi-space-size=1']);
    assert.deepEqual(agent.createStartOptions().args.slice(3, 5), ['agent', '--config=/srv/skiff/roles/agent.json']);
    assert.deepEqual(
      agent.members.map((m) => m.name),
      ['kubelet', 'kube-proxy', 'dns', 'local-path', 'ingress', 'network-policy'],
    );
    const without = getAgentRole(paths, ports, { disable: ['ingress'] });
    assert.deepEqual(
      without.config.components.map((c) => c.name),
      ['kubelet', 'kube-proxy', 'dns', 'local-path', 'network-policy'],
    );
    assert.deepEqual(
      without.members.map((m) => m.name),
      ['kubelet', 'kube-proxy', 'dns', 'local-path', 'network-policy'],
    );
    const hollow = getHollowKubelet(paths, ports, 7).createStartOptions();
    assert.deepEqual(hollow.args.slice(1), [
      'run',
      'kubelet',
      '--kubeconfig=/srv/skiff/kubeconfigs/kubelet-hollow.kubeconfig',
      '--metrics-port=10255',
      '--hollow-nodes=7',
    ]);
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
