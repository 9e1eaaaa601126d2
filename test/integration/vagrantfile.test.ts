/**
 * The Vagrant lab is valid as Vagrant reads it (Debian's vagrant, installed by ./skiff), with
 * the default and a configured worker count, and the provisioning scripts and unit installer
 * parse. VMs cannot boot here (no hypervisor), so `--ignore-provider`: Vagrant otherwise
 * refuses to validate without VirtualBox or libvirt installed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../harness/index.ts';

const vagrantHome = mkdtempSync(join(tmpdir(), 'k8-vagrant-home-'));

function vagrant(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string } {
  const r = spawnSync('vagrant', args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 180_000,
    env: {
      ...process.env,
      VAGRANT_HOME: vagrantHome,
      VAGRANT_CHECKPOINT_DISABLE: '1',
      // Vagrant's per-project state (.vagrant/) goes to the temp dir, not into the checkout.
      VAGRANT_DOTFILE_PATH: join(vagrantHome, 'dotfile'),
      ...env,
    },
  });
  if (r.error) throw new Error(`vagrant could not run (./skiff installs Debian's vagrant): ${r.error.message}`);
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('Vagrantfile and provisioning scripts', { timeout: 300_000 }, () => {
  after(() => rmSync(vagrantHome, { recursive: true, force: true }));

  it('vagrant validate passes with the default 2 workers', () => {
    const r = vagrant(['validate', '--ignore-provider']);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /Vagrantfile validated successfully/);
    for (const vm of ['skiff-cp', 'skiff-worker-1', 'skiff-worker-2']) assert.match(r.out, new RegExp(`${vm}:`));
    assert.doesNotMatch(r.out, /skiff-worker-3/);
  });

  it('SKIFF_WORKERS sets the number of workers; a bad value is refused', () => {
    const four = vagrant(['validate', '--ignore-provider'], { SKIFF_WORKERS: '4' });
    assert.equal(four.code, 0, four.out);
    assert.match(four.out, /skiff-worker-4:/);
    const bad = vagrant(['validate', '--ignore-provider'], { SKIFF_WORKERS: 'many' });
    assert.notEqual(bad.code, 0);
  });

  it('the Vagrantfile provisions with deploy/provision on 192.168.56.0/24 from debian/bookworm64', () => {
    const text = readFileSync(join(REPO_ROOT, 'Vagrantfile'), 'utf8');
    assert.match(text, /debian\/bookworm64/);
    assert.match(text, /192\.168\.56/);
    assert.match(text, /deploy\/provision\/control-plane\.sh/);
    assert.match(text, /deploy\/provision\/node\.sh/);
  });

  it('provisioning scripts and the unit installer pass bash -n', () => {
    const scripts = [
      ...readdirSync(join(REPO_ROOT, 'deploy/provision'))
        .filter((f) => f.endsWith('.sh'))
        .map((f) => join('deploy/provision', f)),
      'deploy/systemd/install.sh',
    ];
    assert.ok(scripts.includes('deploy/provision/control-plane.sh') && scripts.includes('deploy/provision/node.sh'));
    for (const script of scripts) {
      const r = spawnSync('bash', ['-n', join(REPO_ROOT, script)], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${script}: ${r.stderr}`);
    }
  });

  it('there is a systemd unit for every role (etcd, server, agent), each rendered with no placeholder left', () => {
    const dest = mkdtempSync(join(tmpdir(), 'k8-units-'));
    try {
      for (const role of ['control-plane', 'node']) {
        const r = spawnSync('bash', [join(REPO_ROOT, 'deploy/systemd/install.sh'), role], {
          encoding: 'utf8',
          env: { ...process.env, SYSTEMD_DIR: dest, NODE: process.execPath, SKIFF_HOME: '/var/lib/skiff' },
        });
        assert.equal(r.status, 0, r.stderr);
      }
      const units = readdirSync(dest).sort();
      assert.deepEqual(units, ['skiff-agent.service', 'skiff-etcd.service', 'skiff-server.service']);
      for (const unit of units) {
        const text = readFileSync(join(dest, unit), 'utf8');
        assert.doesNotMatch(text, /@[A-Z_]+@/, unit);
        assert.match(text, /^ExecStart=/m, unit);
        assert.match(text, /^WantedBy=multi-user.target$/m, unit);
      }
      assert.match(
        readFileSync(join(dest, 'skiff-server.service'), 'utf8'),
        /apps\/skiff\/src\/main\.ts server --config=\/var\/lib\/skiff\/roles\/server\.json$/m,
      );
      assert.match(
        readFileSync(join(dest, 'skiff-agent.service'), 'utf8'),
        /apps\/skiff\/src\/main\.ts agent --config=\/var\/lib\/skiff\/roles\/agent\.json$/m,
      );
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
