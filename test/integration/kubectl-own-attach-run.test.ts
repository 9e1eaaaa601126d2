/**
 * Skiff's own kubectl attach -i/-t and run -i/-t/--rm against a real Docker kubelet: a container
 * with stdin reads what kubectl sends, run -i answers the container's exit code and --rm deletes
 * the pod, a TTY container's output comes back unframed (with kubectl's warning when our input is
 * no terminal).
 *
 * Ports 23140-23141 (etcd), 23142 (apiserver), 23143-23144 (kubelet) belong to this file (23145-23159
 * kept for it too). Node k22-attach-node, pod CIDR 10.231.40.0/24.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable, Writable } from 'node:stream';
import { findResourceByKind, type Pod } from '@skiff/api';
import { RestClient, isNotFound, loadKubeconfig } from '@skiff/client';
import { runCli } from '@skiff/kubectl';
import { cleanupNodeContainers, startKubelet, startTestCluster, waitForPodRunning, type KubeletProcess, type TestCluster } from '../harness/index.ts';

const PODS = findResourceByKind('v1', 'Pod')!;
const NODE = 'k22-attach-node';
const IMAGE = 'skiff/busybox:test';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let cluster: TestCluster | undefined;
let kubelet: KubeletProcess | undefined;
let client: RestClient | undefined;

/** One kubectl run in this process with `stdin` as its input; `live` sees stdout as it arrives. */
async function kubectl(args: string[], stdin: Readable = Readable.from([]), live?: (stdout: string) => void): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) =>
    new Writable({
      write: (c: Buffer, _e, cb) => {
        add(String(c));
        cb();
      },
    });
  const code = await runCli(args, {
    out: sink((s) => {
      stdout += s;
      live?.(stdout);
    }),
    err: sink((s) => (stderr += s)),
    stdin,
    env: { ...process.env, KUBECONFIG: cluster!.kubeconfigPath },
  });
  return { code, stdout, stderr };
}

before(
  async () => {
    await cleanupNodeContainers(NODE);
    cluster = await startTestCluster({ basePort: 23140, apiServerPort: 23142, etcdMembers: 1, kubeletClientCert: true });
    client = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    kubelet = await startKubelet({ cluster, nodeName: NODE, podCidr: '10.231.40.0/24', networkName: 'k22-attach', port: 23143, healthzPort: 23144 });
    await client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'cat', namespace: 'default' },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'Never', command: ['cat'], stdin: true, stdinOnce: true }],
      },
    } as Pod);
    await waitForPodRunning(client, 'default', 'cat', kubelet);
  },
  { timeout: 240_000 },
);

after(async () => {
  await kubelet?.stop().catch(() => undefined);
  await cleanupNodeContainers(NODE).catch(() => undefined);
  client?.close();
  await cluster?.stop();
});

/** run's pods name no node: the overrides put them on ours (the cluster runs no scheduler). */
const onNode = `--overrides={"spec":{"nodeName":"${NODE}","terminationGracePeriodSeconds":1}}`;

/** run -it with a pipe for input; the pipe ends once the answer is in (a TTY's stdin sees no EOF: Docker ends the session instead). */
function runTerm(): Promise<Result> {
  const input = new PassThrough();
  input.write('hello\n');
  return kubectl(
    [
      'run',
      'term',
      '-it',
      '--rm',
      '--restart=Never',
      `--image=${IMAGE}`,
      '--image-pull-policy=Never',
      onNode,
      '--',
      'sh',
      '-c',
      'read x; test -t 0 && echo tty got $x',
    ],
    input,
    (stdout) => {
      if (stdout.includes('tty got hello')) input.end();
    },
  );
}

let term: Promise<Result> | undefined;

describe('skiff kubectl (own): attach -i/-t, run -i/-t/--rm', { timeout: 240_000 }, () => {
  test('attach -i feeds the main process its stdin; the output comes back', async () => {
    const res = await kubectl(['attach', '-i', '-q', 'cat'], Readable.from(['ping\n']));
    assert.deepEqual(res, { code: 0, stdout: 'ping\n', stderr: '' });
  });

  test('run -i/--attach --rm --restart=Never: stdin to the command, its output and exit code, the pod deleted after', async () => {
    // The TTY session of the next test runs alongside (a pod's start and end take seconds here).
    term = runTerm();
    const [ok, failing, output] = await Promise.all([
      kubectl(
        ['run', 'reader', '-i', '--rm', '--restart=Never', `--image=${IMAGE}`, '--image-pull-policy=Never', onNode, '--', 'sh', '-c', 'read x; echo got $x'],
        Readable.from(['hello\n']),
      ),
      kubectl(
        [
          'run',
          'failer',
          '-i',
          '--rm',
          '--restart=Never',
          `--image=${IMAGE}`,
          '--image-pull-policy=Never',
          onNode,
          '--',
          'sh',
          '-c',
          'read x; echo bye $x; exit 3',
        ],
        Readable.from(['now\n']),
      ),
      // --attach alone: the output only (or the log, when the pod is done before the attach).
      kubectl([
        'run',
        'talker',
        '--attach',
        '--rm',
        '--restart=Never',
        `--image=${IMAGE}`,
        '--image-pull-policy=Never',
        onNode,
        '--',
        'sh',
        '-c',
        'sleep 1; echo out',
      ]),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'got hello\npod "reader" deleted\n');
    assert.match(ok.stderr, /If you don't see a command prompt, try pressing enter\.\n/);
    assert.equal(failing.code, 3, failing.stderr);
    assert.equal(failing.stdout, 'bye now\npod "failer" deleted\n');
    assert.match(failing.stderr, /pod default\/failer terminated \(Error\)\n$/);
    assert.deepEqual([output.code, output.stdout], [0, 'out\npod "talker" deleted\n'], output.stderr);
    for (const name of ['reader', 'failer', 'talker']) {
      await assert.rejects(client!.get(PODS, 'default', name), (err) => isNotFound(err));
    }
  });

  test('run -it without a terminal: kubectl warns and goes on; the TTY container answers unframed', async () => {
    const res = await term!;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /^Unable to use a TTY - input is not a terminal or the right kind of file\n/);
    // The terminal's own echo of our line, then the answer, with a terminal's line ends.
    assert.match(res.stdout, /tty got hello\r\n/);
    assert.match(res.stdout, /pod "term" deleted\n$/);
  });
});
