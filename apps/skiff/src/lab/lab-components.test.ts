import assert from 'node:assert/strict';
import { it } from 'node:test';
import { apiServerComponents, controllerManagerComponents, etcdComponents, nodeAgentComponent } from './lab-components.ts';
import { computeLabLayout } from './lab-layout.ts';

const layout = computeLabLayout('/h', { nodes: 2, etcd: 3, controlPlanes: 2, slot: 0 });
const node = layout.nodes[1]!;

it('starts node agents inside the node netns, the kubelet with the contract flags', () => {
  const kubelet = nodeAgentComponent(layout, node, 'kubelet', true).createStartOptions();
  assert.equal(kubelet.command, 'nsenter');
  assert.equal(kubelet.args[0], '--net=/run/netns/skiff-n2');
  assert.match(kubelet.args[2]!, /apps\/kubelet\/src\/main\.ts$/);
  for (const flag of ['--node-name=skiff-n2', '--docker-host=unix:///run/skiff-lab/skiff-n2/docker.sock', '--node-ip=10.250.0.12',
    '--network-name=skiff0', '--cluster-dns=169.254.20.10', '--client-ca-file=/h/lab/pki/ca.crt', '--heartbeat-interval-ms=3000']) {
    assert.ok(kubelet.args.includes(flag), `${flag} in ${kubelet.args.join(' ')}`);
  }
  assert.equal(kubelet.args.filter((a) => a.startsWith('--root-dir=')).length, 1);
  const dns = nodeAgentComponent(layout, node, 'dns', false).createStartOptions();
  assert.ok(dns.args.includes('--bind=169.254.20.10'));
  assert.equal(dns.args.filter((a) => a.startsWith('--kubeconfig=')).length, 1);
});

it('points the control plane at all etcd members and gives apiservers their kubelet-client cert', () => {
  assert.equal(etcdComponents(layout).length, 3);
  const [api] = apiServerComponents(layout, async () => '', true);
  const args = api!.createStartOptions().args;
  assert.ok(args.includes('--etcd-servers=http://127.0.0.1:27800,http://127.0.0.1:27802,http://127.0.0.1:27804'));
  assert.ok(args.includes('--kubelet-client-certificate=/h/lab/pki/apiserver-kubelet-client.crt'));
  assert.ok(args.includes('--default-not-ready-toleration-seconds=10'));
  const cms = controllerManagerComponents(layout, true).map((c) => c.createStartOptions().args);
  assert.equal(cms.length, 2);
  assert.ok(cms.every((a) => a.includes('--cluster-cidr=10.245.0.0/16') && a.includes('--node-monitor-grace-period=12')));
});
