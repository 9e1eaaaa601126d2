import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renewalTargets, renewIntervalMs } from './roles/cert-renewer.ts';

it("finds the pki dir from the apiserver's flags and the kubeconfigs the launcher wrote, not the kubelet's", async () => {
  const home = mkdtempSync(join(tmpdir(), 'skiff-renewer-'));
  try {
    mkdirSync(join(home, 'kubeconfigs'));
    for (const name of ['controller-manager.kubeconfig', 'kube-proxy.kubeconfig', 'kubelet.kubeconfig', 'notes.txt'])
      writeFileSync(join(home, 'kubeconfigs', name), '');
    const targets = await renewalTargets({
      role: 'server',
      components: [
        { name: 'apiserver', flags: [`--client-ca-file=${join(home, 'pki', 'ca.crt')}`, '--secure-port=6443'] },
        { name: 'scheduler', flags: ['--kubeconfig=/elsewhere/scheduler.kubeconfig'] },
      ],
    });
    assert.equal(targets?.pkiDir, join(home, 'pki'));
    assert.deepEqual(
      targets?.kubeconfigs.sort(),
      [
        '/elsewhere/scheduler.kubeconfig',
        join(home, 'kubeconfig'),
        join(home, 'kubeconfigs', 'controller-manager.kubeconfig'),
        join(home, 'kubeconfigs', 'kube-proxy.kubeconfig'),
      ].sort(),
    );
    assert.equal(await renewalTargets({ role: 'server', components: [{ name: 'scheduler', flags: [] }] }), undefined, 'no apiserver here: nothing to renew');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

it('looks every 30 s unless SKIFF_CERT_RENEW_INTERVAL_SECONDS says otherwise', () => {
  assert.equal(renewIntervalMs({}), 30_000);
  assert.equal(renewIntervalMs({ SKIFF_CERT_RENEW_INTERVAL_SECONDS: '2' }), 2000);
  assert.equal(renewIntervalMs({ SKIFF_CERT_RENEW_INTERVAL_SECONDS: 'x' }), 30_000);
});
