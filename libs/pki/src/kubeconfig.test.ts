import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { renderKubeconfig, writeKubeconfig } from './kubeconfig.ts';

const opts = { server: 'https://127.0.0.1:6443', caCert: 'CA PEM\n', clientCert: 'CERT PEM\n', clientKey: 'KEY PEM\n' };

it('renders one cluster, one user and the selected context skiff, credentials embedded', () => {
  const config = parse(renderKubeconfig(opts));
  assert.equal(config['current-context'], 'skiff');
  assert.deepEqual(config.contexts, [{ name: 'skiff', context: { cluster: 'skiff', user: 'admin' } }]);
  assert.equal(config.clusters[0].cluster.server, 'https://127.0.0.1:6443');
  assert.equal(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), 'CA PEM\n');
  assert.equal(Buffer.from(config.users[0].user['client-key-data'], 'base64').toString(), 'KEY PEM\n');
});

it('honours custom cluster and user names', () => {
  const config = parse(renderKubeconfig({ ...opts, clusterName: 'lab', userName: 'jane' }));
  assert.deepEqual(config.contexts[0].context, { cluster: 'lab', user: 'jane' });
  assert.equal(config.users[0].name, 'jane');
});

it('names the context (and current-context) when asked, as a lab does', () => {
  const config = parse(renderKubeconfig({ ...opts, clusterName: 'skiff-lab-1', userName: 'skiff-lab-1', contextName: 'skiff-lab-1' }));
  assert.equal(config['current-context'], 'skiff-lab-1');
  assert.deepEqual(config.contexts, [{ name: 'skiff-lab-1', context: { cluster: 'skiff-lab-1', user: 'skiff-lab-1' } }]);
});

it('writes the file with mode 0600, creating its directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'skiff-kubeconfig-'));
  try {
    const path = join(dir, 'nested', 'kubeconfig');
    await writeKubeconfig(path, opts);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await readFile(path, 'utf8'), renderKubeconfig(opts));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
