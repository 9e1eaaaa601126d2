import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderKubeconfig } from '@skiff/pki';
import { parse, stringify } from 'yaml';
import { mergeKubeconfigFile, runKubeconfig, userKubeconfigPath } from './kubeconfig-merge.ts';

const creds = { server: 'https://127.0.0.1:6443', caCert: 'CA\n', clientCert: 'CERT\n', clientKey: 'KEY\n' };
const foreign = {
  apiVersion: 'v1',
  kind: 'Config',
  preferences: {},
  clusters: [{ name: 'kind-kind', cluster: { server: 'https://127.0.0.1:40000' } }],
  users: [{ name: 'kind-kind', user: { token: 't' } }],
  contexts: [{ name: 'kind-kind', context: { cluster: 'kind-kind', user: 'kind-kind' } }],
  'current-context': 'kind-kind',
};

/** runKubeconfig with its output captured. */
async function capture(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const log = console.log;
  const write = process.stdout.write;
  console.log = (line: string) => {
    out.push(`${line}\n`);
  };
  process.stdout.write = ((chunk: string) => {
    out.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await runKubeconfig(args, env), out: out.join('') };
  } finally {
    console.log = log;
    process.stdout.write = write;
  }
}

it("--merge adds skiff's cluster, user and context to ~/.kube/config, keeps a foreign one, and selects skiff", async () => {
  const home = await mkdtemp(join(tmpdir(), 'skiff-merge-'));
  try {
    const env = { HOME: home, SKIFF_HOME: join(home, 'skiff') };
    await mkdir(join(home, 'skiff'));
    await writeFile(join(home, 'skiff', 'kubeconfig'), renderKubeconfig(creds));
    await mkdir(join(home, '.kube'));
    await writeFile(join(home, '.kube', 'config'), stringify(foreign));

    const printed = await capture([], env);
    assert.equal(printed.code, 0);
    assert.equal(printed.out, renderKubeconfig(creds), 'without --merge: the kubeconfig itself');

    const merged = await capture(['--merge'], env);
    assert.equal(merged.code, 0);
    assert.match(merged.out, /^Set kubectl context to "skiff"\n/);
    const config = parse(await readFile(join(home, '.kube', 'config'), 'utf8'));
    assert.equal(config['current-context'], 'skiff');
    assert.deepEqual(
      config.contexts.map((c: { name: string }) => c.name),
      ['kind-kind', 'skiff'],
    );
    assert.deepEqual(
      config.clusters.map((c: { name: string }) => c.name),
      ['kind-kind', 'skiff'],
    );
    assert.deepEqual(
      config.users.map((c: { name: string }) => c.name),
      ['kind-kind', 'admin'],
    );
    assert.equal((await stat(join(home, '.kube', 'config'))).mode & 0o777, 0o600);

    // Again with a new server address: replaced, not added twice.
    await writeFile(join(home, 'skiff', 'kubeconfig'), renderKubeconfig({ ...creds, server: 'https://10.0.0.5:6443' }));
    await capture(['--merge'], env);
    const again = parse(await readFile(join(home, '.kube', 'config'), 'utf8'));
    assert.equal(again.clusters.length, 2);
    assert.equal(again.clusters[1].cluster.server, 'https://10.0.0.5:6443');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

it("--merge creates $KUBECONFIG's first file (mode 0600) when it does not exist; the lab's context is its own", async () => {
  const home = await mkdtemp(join(tmpdir(), 'skiff-merge-'));
  try {
    const target = join(home, 'new', 'config');
    const env = { HOME: home, SKIFF_HOME: home, KUBECONFIG: `${target}:${join(home, 'other')}` };
    assert.equal(userKubeconfigPath(env), target);
    await mkdir(join(home, 'lab'));
    await writeFile(
      join(home, 'lab', 'kubeconfig'),
      renderKubeconfig({ ...creds, clusterName: 'skiff-lab-0', userName: 'skiff-lab-0', contextName: 'skiff-lab-0' }),
    );
    const merged = await capture(['--merge', '--lab'], env);
    assert.equal(merged.code, 0);
    assert.match(merged.out, /^Set kubectl context to "skiff-lab-0"\n/);
    const config = parse(await readFile(target, 'utf8'));
    assert.equal(config['current-context'], 'skiff-lab-0');
    assert.equal(config.kind, 'Config');
    assert.equal((await stat(target)).mode & 0o777, 0o600);
    assert.equal(userKubeconfigPath({ HOME: home }), join(home, '.kube', 'config'));
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

it("under sudo, the kubeconfig merged into is the sudo user's, and stays theirs", async (t) => {
  assert.equal(userKubeconfigPath({ HOME: '/root' }, { home: '/home/jane', uid: 1000, gid: 1000 }), '/home/jane/.kube/config');
  assert.equal(userKubeconfigPath({ KUBECONFIG: '/k' }, { home: '/home/jane', uid: 1000, gid: 1000 }), '/k');
  if (process.getuid?.() !== 0) return t.skip('chown needs root');
  const home = await mkdtemp(join(tmpdir(), 'skiff-merge-'));
  try {
    await writeFile(join(home, 'source'), renderKubeconfig(creds));
    const target = join(home, '.kube', 'config');
    assert.equal(await mergeKubeconfigFile(join(home, 'source'), target, { home, uid: 65534, gid: 65534 }), 'skiff');
    assert.equal((await stat(target)).uid, 65534);
    assert.equal((await stat(join(home, '.kube'))).uid, 65534);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
