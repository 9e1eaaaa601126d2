import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultKubeletConfig, FlagError, parseKubeletFlags } from './config.ts';

const docker = ['--kubeconfig=/k', '--node-name=n1'];

test('parseKubeletFlags: defaults, and $DOCKER_HOST as the default Docker address', () => {
  assert.deepEqual(parseKubeletFlags(docker, {}), { ...defaultKubeletConfig({}), kubeconfig: '/k', nodeName: 'n1' });
  assert.deepEqual(defaultKubeletConfig({}), {
    kubeconfig: '',
    logLevel: 'info',
    heartbeatIntervalMs: 10_000,
    nodeLabels: {},
    hollowNodes: 0,
    nodeNamePrefix: 'hollow-node-',
    firstIndex: 0,
    nodeCpu: '4',
    nodeMemory: '16Gi',
    nodeMaxPods: 110,
    metricsPort: 0,
    nodeName: '',
    dockerHost: 'unix:///var/run/docker.sock',
    nodeIp: '',
    rootDir: '/var/lib/skiff/kubelet',
    networkName: 'skiff0',
    podCidr: '',
    clusterDns: ['169.254.20.10'],
    clusterDomain: 'cluster.local',
    port: 10250,
    address: '0.0.0.0',
    tlsCertFile: '',
    rotateServerCertificates: true,
    rotateCertificates: true,
    tlsPrivateKeyFile: '',
    clientCaFile: '',
    authorizationMode: 'Webhook',
    healthzPort: 10248,
    maxPods: 110,
    systemReserved: { cpu: '100m', memory: '256Mi' },
    allowPrivileged: false,
    nodeStatusUpdateFrequencyMs: 10_000,
    maxDeadContainersPerPod: 1,
    maxDeadContainers: 100,
    imageGc: false,
    cleanupHostports: false,
  });
  assert.equal(parseKubeletFlags(docker, { DOCKER_HOST: 'tcp://d:2375' }).dockerHost, 'tcp://d:2375');
  assert.equal(parseKubeletFlags([...docker, '--docker-host=unix:///d.sock'], { DOCKER_HOST: 'tcp://d:2375' }).dockerHost, 'unix:///d.sock');
});

test('parseKubeletFlags: hollow mode and Docker mode exclude each other', () => {
  const hollow = parseKubeletFlags(['--kubeconfig=/k', '--hollow-nodes=3', '--node-labels=zone=a,rack=1', '--metrics-port=9100'], {});
  assert.deepEqual([hollow.hollowNodes, hollow.nodeLabels, hollow.metricsPort], [3, { zone: 'a', rack: '1' }, 9100]);
  const bad: [string[], RegExp][] = [
    [['--node-name=n1'], /--kubeconfig is required/],
    [['--kubeconfig=/k'], /--node-name is required \(or --hollow-nodes=N\)/],
    [[...docker, '--hollow-nodes=2'], /--hollow-nodes and --node-name are mutually exclusive/],
    [['--kubeconfig=/k', '--hollow-nodes=0'], /--hollow-nodes: want an integer ≥ 1, got "0"/],
    [[...docker, '--pod-cidr=nope'], /--pod-cidr: want an IPv4 CIDR like 10.244.0.0\/16, got "nope"/],
    [[...docker, '--system-reserved=cpu'], /--system-reserved: want KEY=VALUE pairs, got "cpu"/],
    [[...docker, '--heartbeat-interval-ms=50'], /--heartbeat-interval-ms: want an integer ≥ 100, got "50"/],
    [[...docker, '--healthz-port=70000'], /--healthz-port: want an integer from 0 to 65535, got "70000"/],
  ];
  for (const [argv, message] of bad)
    assert.throws(
      () => parseKubeletFlags(argv, {}),
      (e: Error) => e instanceof FlagError && message.test(e.message),
      argv.join(' '),
    );
  assert.equal(parseKubeletFlags([...docker, '--pod-cidr='], {}).podCidr, '', 'an empty --pod-cidr means none');
  assert.equal(parseKubeletFlags(['--cleanup-hostports'], {}).cleanupHostports, true, '--cleanup-hostports needs neither a kubeconfig nor a node name');
});

test('parseKubeletFlags: $SKIFF_LOG_LEVEL is the default level and --log-level wins; unknown flags are usage errors', () => {
  assert.equal(parseKubeletFlags(docker, { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'debug');
  assert.equal(parseKubeletFlags([...docker, '--log-level=error'], { SKIFF_LOG_LEVEL: 'debug' }).logLevel, 'error');
  assert.throws(
    () => parseKubeletFlags([...docker, '--no-such-flag=1'], {}),
    (e: Error) => e instanceof FlagError && /^unknown flag: --no-such-flag\nusage: kubelet /.test(e.message),
  );
});
