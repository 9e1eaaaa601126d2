import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { renderKubeconfig } from '@skiff/pki';
import { parse } from 'yaml';
import { findKubectl } from '../kubectl.ts';
import { computeLabLayout } from './lab-layout.ts';
import { ensureLabPki } from './lab-pki.ts';

it("a lab's kubeconfigs name their cluster and context skiff-lab-<slot>, the admin user too: KUBECONFIG=single:lab lists both", async () => {
  const home = await mkdtemp(join(tmpdir(), 'skiff-lab-pki-'));
  try {
    const layout = computeLabLayout(home, { nodes: 1, etcd: 1, controlPlanes: 1, slot: 2 });
    await ensureLabPki(layout);
    const admin = parse(await readFile(layout.kubeconfigPath, 'utf8'));
    assert.equal(admin['current-context'], 'skiff-lab-2');
    assert.deepEqual(admin.contexts, [{ name: 'skiff-lab-2', context: { cluster: 'skiff-lab-2', user: 'skiff-lab-2' } }]);
    const components = (await readdir(layout.kubeconfigDir)).filter((f) => f.endsWith('.kubeconfig'));
    assert.ok(components.includes('scheduler-0.kubeconfig'), components.join(' '));
    for (const file of components) {
      const config = parse(await readFile(join(layout.kubeconfigDir, file), 'utf8'));
      assert.equal(config['current-context'], 'skiff-lab-2', file);
      assert.equal(config.contexts[0].context.cluster, 'skiff-lab-2', file);
    }
    // Beside the single host's kubeconfig (context skiff), kubectl sees both clusters.
    const single = join(home, 'kubeconfig');
    await writeFile(single, renderKubeconfig({ server: 'https://127.0.0.1:6443', caCert: 'CA', clientCert: 'C', clientKey: 'K' }));
    const kubectl = spawnSync(findKubectl() ?? 'kubectl', ['config', 'get-contexts', '-o', 'name'], {
      env: { ...process.env, KUBECONFIG: `${single}${delimiter}${layout.kubeconfigPath}` },
      encoding: 'utf8',
    });
    assert.equal(kubectl.status, 0, kubectl.stderr);
    assert.deepEqual(kubectl.stdout.trim().split('\n').sort(), ['skiff', 'skiff-lab-2']);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
