import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from '@skiff/api';
import { getPortMappings, type PortMapping } from './port-mappings.ts';
import { podChainName, renderHostPortRules } from './render-host-port-rules.ts';

const mapping = (over: Partial<PortMapping>): PortMapping => ({
  pod: 'default/dns',
  podUid: 'uid-dns',
  podIP: '10.244.1.5',
  protocol: 'udp',
  hostPort: 53,
  containerPort: 5353,
  hostIP: '',
  ...over,
});

test('renderHostPortRules: no mapping still declares the fixed chains (the jumps need targets)', () => {
  assert.equal(
    renderHostPortRules({ mappings: [] }).payload,
    [
      '*nat',
      ':SKIFFHP-DNAT - [0:0]',
      ':SKIFFHP-MARK-MASQ - [0:0]',
      ':SKIFFHP-POSTROUTING - [0:0]',
      '-A SKIFFHP-MARK-MASQ -j MARK --set-xmark 0x2000/0x2000',
      '-A SKIFFHP-POSTROUTING -m comment --comment "skiff hostport hairpin" -m mark --mark 0x2000/0x2000 -j MASQUERADE',
      'COMMIT',
      '',
    ].join('\n'),
  );
});

test('renderHostPortRules: a DNAT per mapping in a chain per pod, hostIP as -d, hairpin from the pod CIDR', () => {
  const web = podChainName('uid-web');
  const dns = podChainName('uid-dns');
  const { payload, chains } = renderHostPortRules({
    podCidr: '10.244.1.0/24',
    mappings: [
      mapping({ pod: 'default/web', podUid: 'uid-web', podIP: '10.244.1.7', protocol: 'tcp', hostPort: 8080, containerPort: 80, hostIP: '192.168.1.10' }),
      mapping({}),
      mapping({ protocol: 'tcp' }),
    ],
  });
  assert.deepEqual(chains, ['SKIFFHP-DNAT', 'SKIFFHP-MARK-MASQ', 'SKIFFHP-POSTROUTING', dns, web]);
  const rules = payload.split('\n').filter((l) => l.startsWith('-A SKIFFHP-DNAT') || l.startsWith('-A SKIFFHP-DN-'));
  assert.deepEqual(rules, [
    `-A SKIFFHP-DNAT -m comment --comment "default/dns hostPort 53/tcp" -p tcp -m tcp --dport 53 -j ${dns}`,
    `-A ${dns} -m comment --comment "default/dns hostPort 53/tcp" -p tcp -m tcp --dport 53 -s 10.244.1.0/24 -j SKIFFHP-MARK-MASQ`,
    `-A ${dns} -m comment --comment "default/dns hostPort 53/tcp" -p tcp -m tcp --dport 53 -j DNAT --to-destination 10.244.1.5:5353`,
    `-A SKIFFHP-DNAT -m comment --comment "default/dns hostPort 53/udp" -p udp -m udp --dport 53 -j ${dns}`,
    `-A ${dns} -m comment --comment "default/dns hostPort 53/udp" -p udp -m udp --dport 53 -s 10.244.1.0/24 -j SKIFFHP-MARK-MASQ`,
    `-A ${dns} -m comment --comment "default/dns hostPort 53/udp" -p udp -m udp --dport 53 -j DNAT --to-destination 10.244.1.5:5353`,
    `-A SKIFFHP-DNAT -m comment --comment "default/web hostPort 8080/tcp" -p tcp -m tcp --dport 8080 -d 192.168.1.10/32 -j ${web}`,
    `-A ${web} -m comment --comment "default/web hostPort 8080/tcp" -p tcp -m tcp --dport 8080 -d 192.168.1.10/32 -s 10.244.1.0/24 -j SKIFFHP-MARK-MASQ`,
    `-A ${web} -m comment --comment "default/web hostPort 8080/tcp" -p tcp -m tcp --dport 8080 -d 192.168.1.10/32 -j DNAT --to-destination 10.244.1.7:80`,
  ]);
});

test('renderHostPortRules: without a pod CIDR only the pod reaching itself is masqueraded; SCTP matches as sctp', () => {
  const { payload } = renderHostPortRules({ mappings: [mapping({ protocol: 'sctp', hostPort: 3868, containerPort: 3868 })] });
  assert.match(payload, /-p sctp -m sctp --dport 3868 -s 10\.244\.1\.5\/32 -j SKIFFHP-MARK-MASQ\n/);
});

test('renderHostPortRules: the same input gives the same bytes whatever the order', () => {
  const a = mapping({});
  const b = mapping({ pod: 'default/web', podUid: 'uid-web', protocol: 'tcp', hostPort: 80 });
  assert.equal(renderHostPortRules({ mappings: [a, b] }).payload, renderHostPortRules({ mappings: [b, a] }).payload);
});

test("renderHostPortRules: chains of pods that went are flushed and deleted; others' chains are not touched", () => {
  const gone = podChainName('uid-gone');
  const { payload, chains } = renderHostPortRules({
    mappings: [mapping({})],
    previousChains: ['SKIFFHP-DNAT', gone, podChainName('uid-dns'), 'SKIFF-SERVICES', 'KUBE-X'],
  });
  const lines = payload.split('\n');
  assert.ok(lines.includes(`:${gone} - [0:0]`), 'declared (flushed) first');
  assert.equal(lines.at(-3), `-X ${gone}`);
  assert.ok(!payload.includes('SKIFF-SERVICES') && !payload.includes('KUBE-X'));
  assert.ok(!chains.includes(gone));
});

test("podChainName: fits iptables' 28 characters and never starts with kube-proxy's SKIFF- prefix", () => {
  const name = podChainName('0b6f3ad5-27a4-4c5e-9d0c-6f1e2f8e0c11');
  assert.match(name, /^SKIFFHP-DN-[0-9A-F]{16}$/);
  assert.ok(name.length <= 28);
  assert.notEqual(podChainName('a'), podChainName('b'));
});

test('getPortMappings: container ports with a hostPort, protocol lower-cased, 0.0.0.0 as any address; IPv6 hostIP skipped', () => {
  const pod: Pod = {
    metadata: { name: 'dns', namespace: 'kube-system', uid: 'u1' },
    spec: {
      containers: [
        { name: 'a', ports: [{ containerPort: 53, hostPort: 53, protocol: 'UDP', hostIP: '0.0.0.0' }, { containerPort: 9153 }] },
        {
          name: 'b',
          ports: [
            { containerPort: 80, hostPort: 8080 },
            { containerPort: 81, hostPort: 8081, hostIP: 'fd00::1' },
          ],
        },
      ],
    },
  };
  const { mappings, skipped } = getPortMappings(pod, '10.244.0.9');
  assert.deepEqual(
    mappings.map((m) => [m.protocol, m.hostPort, m.containerPort, m.hostIP, m.pod]),
    [
      ['udp', 53, 53, '', 'kube-system/dns'],
      ['tcp', 8080, 80, '', 'kube-system/dns'],
    ],
  );
  assert.deepEqual(skipped, ['tcp/8081 on fd00::1']);
  assert.deepEqual(getPortMappings({ ...pod, spec: { ...pod.spec!, hostNetwork: true } }, '10.244.0.9').mappings, [], 'host network: nothing to publish');
  assert.deepEqual(getPortMappings(pod, '').mappings, [], 'no address yet');
});
