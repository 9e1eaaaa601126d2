import { it } from 'node:test';
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { getLogFile, getPidFile, resolveSkiffHome, resolveSkiffPaths, resolveSkiffPorts } from './paths.ts';

it('puts state in SKIFF_HOME, else /var/lib/skiff for root and ~/.skiff for others', () => {
  assert.equal(resolveSkiffHome({ SKIFF_HOME: '/srv/skiff' }, 1000), '/srv/skiff');
  assert.equal(resolveSkiffHome({}, 0), '/var/lib/skiff');
  assert.equal(resolveSkiffHome({}, 1000), join(homedir(), '.skiff'));
});

it('names pid and log files after the component', () => {
  const paths = resolveSkiffPaths({ SKIFF_HOME: '/srv/skiff' });
  assert.deepEqual(paths, {
    home: '/srv/skiff',
    etcdDataDir: '/srv/skiff/etcd',
    pkiDir: '/srv/skiff/pki',
    kubeconfig: '/srv/skiff/kubeconfig',
    kubeconfigDir: '/srv/skiff/kubeconfigs',
    runDir: '/srv/skiff/run',
    logDir: '/srv/skiff/logs',
  });
  assert.equal(getPidFile(paths, 'apiserver'), '/srv/skiff/run/apiserver.pid');
  assert.equal(getLogFile(paths, 'etcd'), '/srv/skiff/logs/etcd.log');
});

it('uses the standard ports unless overridden, and rejects a bad one', () => {
  assert.deepEqual(resolveSkiffPorts({}), {
    etcdClient: 2379,
    etcdPeer: 2380,
    apiServer: 6443,
    controllerManager: 10257,
    scheduler: 10259,
    kubeletHollow: 10255,
    kubelet: 10250,
    kubeletHealthz: 10248,
    kubeProxyMetrics: 10249,
    dnsMetrics: 9153,
    localPathMetrics: 10262,
    ingressMetrics: 10254,
    networkPolicyMetrics: 10263,
    ingressHttp: 80,
    ingressHttps: 443,
  });
  assert.equal(resolveSkiffPorts({ SKIFF_SCHEDULER_PORT: '24050' }).scheduler, 24050);
  assert.equal(resolveSkiffPorts({ SKIFF_APISERVER_PORT: '21312' }).apiServer, 21312);
  assert.throws(() => resolveSkiffPorts({ SKIFF_ETCD_CLIENT_PORT: '70000' }), /not a TCP port/);
});
