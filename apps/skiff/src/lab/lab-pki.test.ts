import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { computeLabLayout } from './lab-layout.ts';
import { ensureLabPki } from './lab-pki.ts';

it('a lab\'s kubeconfigs name their cluster and context skiff-lab-<slot>, the admin user too', async () => {
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
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
