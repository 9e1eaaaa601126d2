import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { createLogger } from '@skiff/log';
import type { PodSandbox, PodSandboxStatus, SandboxFilter } from '../container-runtime.ts';
import type { PodEvent } from '../pod-sync/sync-pod.ts';
import { HostPortIptables, type CommandResult } from './host-port-iptables.ts';
import { HostPortSyncer, staleUdpPorts } from './host-port-syncer.ts';
import { podChainName } from './render-host-port-rules.ts';

const logger = createLogger('test', 'silent');

/** Records every command; `fail` makes matching commands exit 1; `saved` is what iptables-save prints. */
function recorder(opts: { fail?: (cmd: string, args: string[]) => boolean; saved?: string } = {}) {
  const calls: { cmd: string; args: string[]; stdin?: string }[] = [];
  const run = async (cmd: string, args: string[], stdin?: string): Promise<CommandResult> => {
    calls.push({ cmd, args, ...(stdin ? { stdin } : {}) });
    // Inside `ip netns exec NS`, judge the command that runs there.
    const [inner, innerArgs] = cmd === 'ip' && args[0] === 'netns' ? [args[3]!, args.slice(4)] : [cmd, args];
    if (opts.fail?.(inner, innerArgs)) return { code: 1, stdout: '', stderr: `${inner}: failed` };
    return { code: 0, stdout: inner === 'iptables-save' ? (opts.saved ?? '') : '', stderr: '' };
  };
  return { calls, run };
}

function dnsPod(uid = 'uid-dns'): Pod {
  return {
    metadata: { name: 'dns', namespace: 'default', uid },
    spec: { containers: [{ name: 'dns', image: 'x', ports: [{ containerPort: 5353, hostPort: 24453, protocol: 'UDP' }] }] },
    status: { phase: 'Running' },
  };
}

/** A runtime with one ready sandbox per uid in `ips`. */
function runtimeWith(ips: Map<string, string>) {
  const sandbox = (uid: string): PodSandbox => ({
    id: `sb-${uid}`,
    metadata: { name: uid, namespace: 'default', uid, attempt: 0 },
    state: 'SANDBOX_READY',
    createdAt: 1,
    labels: {},
  });
  return {
    listPodSandboxes: async (f?: SandboxFilter) => [...ips.keys()].filter((uid) => f?.labels?.['io.kubernetes.pod.uid'] === uid).map(sandbox),
    podSandboxStatus: async (id: string): Promise<PodSandboxStatus | undefined> => {
      const uid = id.slice(3);
      return ips.has(uid) ? { ...sandbox(uid), ip: ips.get(uid)! } : undefined;
    },
  };
}

async function started(syncer: HostPortSyncer): Promise<AbortController> {
  const ac = new AbortController();
  void syncer.run(ac.signal);
  await syncer.idle();
  return ac;
}

test('HostPortSyncer: publishes a running pod, skips unchanged syncs, unpublishes it when it goes, forgets its UDP flows', async () => {
  const { calls, run } = recorder({ fail: (cmd, args) => cmd === 'iptables' && args.includes('-C') });
  let pods: Pod[] = [dnsPod()];
  const ips = new Map([['uid-dns', '10.244.1.5']]);
  const results: string[] = [];
  const syncer = new HostPortSyncer({
    logger,
    listPods: () => pods,
    runtime: runtimeWith(ips),
    podCidr: () => '10.244.1.0/24',
    iptables: new HostPortIptables({ run }),
    onSync: (result, n) => results.push(`${result}:${n}`),
  });
  syncer.request();
  assert.equal(calls.length, 0, 'nothing before run(): the cache may be half listed');
  const ac = await started(syncer);
  const chain = podChainName('uid-dns');
  const restores = () => calls.filter((c) => c.cmd === 'iptables-restore');
  assert.equal(restores().length, 1);
  assert.match(restores()[0]!.stdin!, new RegExp(`-A ${chain} .* -p udp -m udp --dport 24453 -j DNAT --to-destination 10\\.244\\.1\\.5:5353`));
  assert.deepEqual(
    calls.filter((c) => c.args.includes('-I')).map((c) => c.args[4]),
    ['PREROUTING', 'OUTPUT', 'POSTROUTING'],
  );
  assert.deepEqual(
    calls.filter((c) => c.cmd === 'conntrack').map((c) => c.args.join(' ')),
    ['-D -p udp --dport 24453'],
  );

  calls.length = 0;
  syncer.podChanged(dnsPod());
  await syncer.idle();
  assert.equal(calls.length, 0, 'unchanged: no command at all');

  const old = pods[0]!;
  pods = [];
  syncer.podChanged(old);
  await syncer.idle();
  assert.equal(restores().length, 1);
  assert.ok(restores()[0]!.stdin!.includes(`-X ${chain}`), "the pod's chain is deleted");
  assert.ok(!restores()[0]!.stdin!.includes('DNAT --to-destination'));
  assert.deepEqual(
    calls.filter((c) => c.cmd === 'conntrack').map((c) => c.args.join(' ')),
    ['-D -p udp --dport 24453'],
  );
  assert.deepEqual(results, ['success:1', 'success:1', 'success:0']);
  ac.abort();
});

test('HostPortSyncer: a pod without a ready sandbox, or finished, publishes nothing; host network pods are not its business', async () => {
  const { calls, run } = recorder();
  const finished = { ...dnsPod('uid-done'), status: { phase: 'Succeeded' as const } };
  const hostNet = dnsPod('uid-host');
  hostNet.spec!.hostNetwork = true;
  const syncer = new HostPortSyncer({
    logger,
    listPods: () => [dnsPod('uid-starting'), finished, hostNet],
    runtime: runtimeWith(
      new Map([
        ['uid-done', '10.244.1.9'],
        ['uid-host', '10.244.1.8'],
      ]),
    ),
    podCidr: () => '',
    iptables: new HostPortIptables({ run }),
  });
  const ac = await started(syncer);
  const payload = calls.find((c) => c.cmd === 'iptables-restore')!.stdin!;
  assert.ok(!payload.includes('DNAT --to-destination'), payload);
  ac.abort();
});

test('HostPortSyncer: a failed restore is logged and recorded once per failure streak, and the next sync retries', async () => {
  let broken = true;
  const { calls, run } = recorder({ fail: (cmd) => broken && cmd === 'iptables-restore' });
  const events: PodEvent[] = [];
  const results: string[] = [];
  const syncer = new HostPortSyncer({
    logger,
    listPods: () => [dnsPod()],
    runtime: runtimeWith(new Map([['uid-dns', '10.244.1.5']])),
    podCidr: () => '',
    iptables: new HostPortIptables({ run }),
    recordEvent: (_pod, ev) => events.push(ev),
    onSync: (r) => results.push(r),
  });
  const ac = await started(syncer);
  syncer.request();
  await syncer.idle();
  assert.deepEqual(results, ['error', 'error']);
  assert.equal(events.length, 1);
  assert.equal(events[0]!.reason, 'FailedHostPortMapping');
  assert.match(events[0]!.message, /hostPort rules not applied: iptables-restore failed \(exit 1\)/);
  broken = false;
  calls.length = 0;
  syncer.request();
  await syncer.idle();
  assert.deepEqual(results.at(-1), 'success');
  assert.equal(calls.filter((c) => c.cmd === 'iptables-restore').length, 1, 'retried in full although the payload is the same');
  ac.abort();
});

test('HostPortSyncer: after a restart, chains left by the last kubelet for pods now gone are deleted', async () => {
  const leftover = podChainName('uid-gone');
  const { calls, run } = recorder({ saved: `*nat\n:PREROUTING ACCEPT [0:0]\n:SKIFFHP-DNAT - [0:0]\n:${leftover} - [0:0]\nCOMMIT\n` });
  const syncer = new HostPortSyncer({
    logger,
    listPods: () => [],
    runtime: runtimeWith(new Map()),
    podCidr: () => '',
    iptables: new HostPortIptables({ run }),
  });
  const ac = await started(syncer);
  assert.ok(calls.find((c) => c.cmd === 'iptables-restore')!.stdin!.includes(`-X ${leftover}`));
  ac.abort();
});

test('staleUdpPorts: removed, retargeted and new UDP mappings; unchanged ones keep their flows', () => {
  const before = new Map([
    ['|udp/53', '10.244.1.5:53'],
    ['|udp/54', '10.244.1.5:54'],
    ['1.2.3.4|udp/55', '10.244.1.5:55'],
  ]);
  const after = new Map([
    ['|udp/53', '10.244.1.5:53'],
    ['|udp/54', '10.244.1.6:54'],
    ['|udp/56', '10.244.1.5:56'],
  ]);
  assert.deepEqual(staleUdpPorts(before, after), [54, 55, 56]);
  assert.deepEqual(staleUdpPorts(undefined, after), [53, 54, 56]);
});

test('HostPortIptables.cleanup: deletes every copy of our jumps and every SKIFFHP- chain, nothing else', async () => {
  let deletes = 0;
  const { calls, run } = recorder({
    // Two copies of the PREROUTING jump, none of the others.
    fail: (cmd, args) => cmd === 'iptables' && args.includes('-D') && (args[4] !== 'PREROUTING' || ++deletes > 2),
    saved: '*nat\n:SKIFF-SERVICES - [0:0]\n:SKIFFHP-DNAT - [0:0]\n:SKIFFHP-DN-ABC - [0:0]\nCOMMIT\n',
  });
  await new HostPortIptables({ run, ipNetns: 'hp-node' }).cleanup();
  assert.ok(calls.every((c) => c.cmd === 'ip' && c.args.slice(0, 3).join(' ') === 'netns exec hp-node'));
  assert.equal(calls.filter((c) => c.args.includes('-D') && c.args.includes('PREROUTING')).length, 3);
  const restore = calls.find((c) => c.args[3] === 'iptables-restore')!;
  assert.equal(restore.stdin, '*nat\n:SKIFFHP-DNAT - [0:0]\n:SKIFFHP-DN-ABC - [0:0]\n-X SKIFFHP-DNAT\n-X SKIFFHP-DN-ABC\nCOMMIT\n');
});
