import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyOverrides, parseLabelList, podForRun } from './run.ts';

test('run builds the Pod kubectl >= 1.18 builds: label run=NAME, container NAME, words as args', () => {
  const pod = podForRun({ name: 'web', image: 'nginx', args: ['sh', '-c', 'echo hi'], port: 80, env: ['A=1=2'] });
  assert.deepEqual(pod, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { creationTimestamp: null, name: 'web', labels: { run: 'web' } },
    spec: {
      containers: [
        { name: 'web', image: 'nginx', args: ['sh', '-c', 'echo hi'], env: [{ name: 'A', value: '1=2' }], ports: [{ containerPort: 80 }], resources: {} },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
    },
    status: {},
  });
});

test('run: --command makes the words the command, --labels replaces run=NAME, -1 means no port', () => {
  const pod = podForRun({ name: 'job', image: 'busybox', args: ['sleep', '1'], command: true, labels: 'a=b,c=d', restart: 'Never', port: -1, namespace: 'ns' });
  assert.deepEqual(pod.metadata, { creationTimestamp: null, name: 'job', namespace: 'ns', labels: { a: 'b', c: 'd' } });
  assert.deepEqual(pod.spec?.containers[0].command, ['sleep', '1']);
  assert.equal(pod.spec?.containers[0].ports, undefined);
  assert.equal(pod.spec?.restartPolicy, 'Never');
});

test('run refuses what kubectl refuses', () => {
  assert.throws(() => podForRun({ name: 'x', image: 'i', args: [], restart: 'Bad' }), /^CliError: invalid restart policy: Bad$/);
  assert.throws(() => parseLabelList('a=b,c'), /unexpected label spec: c/);
  assert.throws(() => applyOverrides(podForRun({ name: 'x', image: 'i', args: [] }), '{oops'), /unable to parse \{oops/);
});

test('--overrides is a JSON merge patch over the generated Pod', () => {
  const pod = applyOverrides(podForRun({ name: 'x', image: 'i', args: [] }), '{"spec":{"hostname":"h","dnsPolicy":null}}');
  assert.equal(pod.spec?.hostname, 'h');
  assert.equal(pod.spec?.dnsPolicy, undefined);
});

test('run -i: stdin once (open across attaches with --leave-stdin-open), -t a TTY; neither by default', () => {
  const fields = (extra: object) => {
    const c = podForRun({ name: 'x', image: 'i', args: [], ...extra }).spec!.containers[0];
    return [c.stdin, c.stdinOnce, c.tty];
  };
  assert.deepEqual(fields({}), [undefined, undefined, undefined]);
  assert.deepEqual(fields({ stdin: true }), [true, true, undefined]);
  assert.deepEqual(fields({ stdin: true, tty: true }), [true, true, true]);
  assert.deepEqual(fields({ stdin: true, leaveStdinOpen: true }), [true, false, undefined]);
});
