import assert from 'node:assert/strict';
import { it } from 'node:test';
import { etcdComponents, labKubeconfig, nodeAgentRole, serverRoles } from './lab-components.ts';
import { computeLabLayout } from './lab-layout.ts';

const layout = computeLabLayout('/h', { nodes: 2, etcd: 3, controlPlanes: 2, slot: 0 });
const node = layout.nodes[1]!;
const flagsOf = (role: { config: { components: Array<{ name: string; flags: string[] }> } }, name: string) =>
  role.config.components.find((c) => c.name === name)!.flags;

it('starts one agent per node inside its netns, from the role file', () => {
  const agent = nodeAgentRole(layout, node, true);
  const start = agent.createStartOptions();
  assert.equal(start.command, 'nsenter');
  assert.equal(start.args[0], '--net=/run/netns/skiff-n2');
  assert.match(start.args[4]!, /apps\/skiff\/src\/main\.ts$/);
  assert.deepEqual(start.args.slice(5, 7), ['agent', '--config=/h/lab/roles/skiff-n2.agent.json']);
  assert.equal(agent.marker, '--config=/h/lab/roles/skiff-n2.agent.json');
  assert.deepEqual(
    agent.members.map((m) => m.name),
    ['kubelet', 'kube-proxy', 'dns', 'ingress', 'network-policy'],
  );
  const kubelet = flagsOf(agent, 'kubelet');
  for (const flag of [
    '--node-name=skiff-n2',
    '--docker-host=unix:///run/skiff-lab/skiff-n2/docker.sock',
    '--node-ip=10.250.0.12',
    '--network-name=skiff0',
    '--cluster-dns=169.254.20.10',
    '--client-ca-file=/h/lab/pki/ca.crt',
    '--heartbeat-interval-ms=3000',
  ]) {
    assert.ok(kubelet.includes(flag), `${flag} in ${kubelet.join(' ')}`);
  }
  assert.equal(kubelet.filter((a) => a.startsWith('--root-dir=')).length, 1);
  assert.ok(flagsOf(agent, 'dns').includes('--bind=169.254.20.10'));
  assert.ok(flagsOf(agent, 'kube-proxy').includes('--cluster-cidr=10.245.0.0/16'));
  // Each agent component on its own credential: local-path is not the kubelet.
  for (const name of ['kubelet', 'kube-proxy', 'dns', 'local-path', 'ingress', 'network-policy']) {
    const kubeconfig = `--kubeconfig=${labKubeconfig(layout, `skiff-n2/${name}`)}`;
    assert.ok(flagsOf(agent, name).includes(kubeconfig), `${kubeconfig} in ${flagsOf(agent, name).join(' ')}`);
  }
});

it('runs etcd members with client and peer mutual TLS from the etcd CA, over https', () => {
  const args = etcdComponents(layout)[1]!.createStartOptions().args;
  for (const flag of [
    '--listen-client-urls=https://127.0.0.1:27802',
    '--listen-peer-urls=https://127.0.0.1:27803',
    '--initial-cluster=etcd-0=https://127.0.0.1:27801,etcd-1=https://127.0.0.1:27803,etcd-2=https://127.0.0.1:27805',
    '--client-cert-auth',
    '--trusted-ca-file=/h/lab/pki/etcd/ca.crt',
    '--cert-file=/h/lab/pki/etcd/server.crt',
    '--key-file=/h/lab/pki/etcd/server.key',
    '--peer-client-cert-auth',
    '--peer-trusted-ca-file=/h/lab/pki/etcd/ca.crt',
    '--peer-cert-file=/h/lab/pki/etcd/peer.crt',
    '--peer-key-file=/h/lab/pki/etcd/peer.key',
  ]) {
    assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
  }
});

it('runs one server per control plane: apiserver-i, controller-manager-i, scheduler-i in one process', () => {
  assert.equal(etcdComponents(layout).length, 3);
  const servers = serverRoles(layout, async () => '', true);
  assert.deepEqual(
    servers.map((s) => s.name),
    ['server-0', 'server-1'],
  );
  assert.deepEqual(
    servers[1]!.members.map((m) => m.name),
    ['apiserver-1', 'controller-manager-1', 'scheduler-1'],
  );
  assert.deepEqual(servers[0]!.createStartOptions().args.slice(3, 5), ['server', '--config=/h/lab/roles/server-0.json']);
  const api = flagsOf(servers[0]!, 'apiserver');
  assert.ok(api.includes('--etcd-servers=https://127.0.0.1:27800,https://127.0.0.1:27802,https://127.0.0.1:27804'));
  for (const flag of [
    '--etcd-cafile=/h/lab/pki/etcd/ca.crt',
    '--etcd-certfile=/h/lab/pki/apiserver-etcd-client.crt',
    '--etcd-keyfile=/h/lab/pki/apiserver-etcd-client.key',
  ]) {
    assert.ok(api.includes(flag), `${flag} in ${api.join(' ')}`);
  }
  assert.ok(api.includes('--kubelet-client-certificate=/h/lab/pki/apiserver-kubelet-client.crt'));
  assert.ok(api.includes('--default-not-ready-toleration-seconds=10'));
  assert.ok(api.includes('--service-account-signing-key-file=/h/lab/pki/sa.key'));
  const cm = flagsOf(servers[0]!, 'controller-manager');
  assert.ok(cm.includes('--root-ca-file=/h/lab/pki/ca.crt') && cm.includes('--service-account-private-key-file=/h/lab/pki/sa.key'), cm.join(' '));
  assert.ok(
    servers.every(
      (s) =>
        flagsOf(s, 'controller-manager').includes('--cluster-cidr=10.245.0.0/16') &&
        flagsOf(s, 'controller-manager').includes('--node-monitor-grace-period=12'),
    ),
  );
});
