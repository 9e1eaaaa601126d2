import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chainName } from './chain-names.ts';
import { misplacedJumps, ownedChainsIn } from './iptables.ts';
import type { PodPlan } from './policy-plan.ts';
import { renderRules } from './render-rules.ts';

const I = chainName('I', 'default/echo');
const E = chainName('E', 'default/echo');

test('chain names keep the SKIFFNP- prefix and the 28-character limit', () => {
  assert.match(I, /^SKIFFNP-I-[0-9A-F]{16}$/);
  assert.ok(I.length <= 28);
  assert.notEqual(chainName('I', 'default/echo'), chainName('I', 'default/echo2'));
});

test('no isolated pod: only the base chains, letting replies through', () => {
  assert.equal(
    renderRules([]).payload,
    [
      '*filter',
      ':SKIFFNP-FORWARD - [0:0]',
      ':SKIFFNP-INPUT - [0:0]',
      '-A SKIFFNP-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
      '-A SKIFFNP-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
      'COMMIT',
      '',
    ].join('\n'),
  );
});

test('default deny ingress: the node passes, nothing else, a drop at the end', () => {
  const plans: PodPlan[] = [{ pod: 'default/echo', ip: '10.244.0.10', ingress: [{ policy: 'default/deny', allows: [] }] }];
  const { payload, chains, ruleCount } = renderRules(plans);
  assert.deepEqual(chains, ['SKIFFNP-FORWARD', 'SKIFFNP-INPUT', I]);
  assert.equal(ruleCount, 7);
  assert.ok(payload.includes(`-A SKIFFNP-FORWARD -d 10.244.0.10 -m comment --comment "default/echo ingress" -j ${I}\n`));
  assert.ok(!payload.includes('-A SKIFFNP-INPUT -s'), 'ingress isolation never touches INPUT');
  const podRules = payload.split('\n').filter((l) => l.startsWith(`-A ${I} `));
  assert.deepEqual(podRules, [
    `-A ${I} -m addrtype --src-type LOCAL -j RETURN`,
    `-A ${I} -j MARK --set-xmark 0x0/0x20000`,
    `-A ${I} -m mark --mark 0x20000/0x20000 -j RETURN`,
    `-A ${I} -m comment --comment "default/echo ingress denied by network policy" -j DROP`,
  ]);
});

test('allows become marking rules, peers × ports, in a policy chain the pod jumps to', () => {
  const plans: PodPlan[] = [
    {
      pod: 'default/echo',
      ip: '10.244.0.10',
      ingress: [
        {
          policy: 'default/allow',
          allows: [
            {
              peers: ['10.244.1.5', '10.0.0.0/8'],
              ports: [
                { protocol: 'TCP', port: 8080 },
                { protocol: 'UDP', port: 5000, endPort: 5010 },
              ],
            },
            { peers: undefined, ports: [{ protocol: 'SCTP' }] },
            { peers: ['10.244.2.9'] },
          ],
        },
      ],
    },
  ];
  const { payload } = renderRules(plans);
  const policyChain = payload.match(new RegExp(`-A ${I} -j (SKIFFNP-P-\\w+)`))![1]!;
  const rules = payload
    .split('\n')
    .filter((l) => l.startsWith(`-A ${policyChain} `))
    .map((l) => l.replace(`-A ${policyChain} -m comment --comment "default/allow ingress" `, ''));
  const mark = '-j MARK --set-xmark 0x20000/0x20000';
  assert.deepEqual(rules, [
    `-s 10.244.1.5 -p tcp -m tcp --dport 8080 ${mark}`,
    `-s 10.244.1.5 -p udp -m udp --dport 5000:5010 ${mark}`,
    `-s 10.0.0.0/8 -p tcp -m tcp --dport 8080 ${mark}`,
    `-s 10.0.0.0/8 -p udp -m udp --dport 5000:5010 ${mark}`,
    `-p sctp ${mark}`,
    `-s 10.244.2.9 ${mark}`,
  ]);
});

test('an allow with any peer and any port is one unconditional mark', () => {
  const { payload } = renderRules([{ pod: 'default/echo', ip: '10.244.0.10', ingress: [{ policy: 'default/all', allows: [{}] }] }]);
  assert.match(payload, /-A SKIFFNP-P-\w+ -m comment --comment "default\/all ingress" -j MARK --set-xmark 0x20000\/0x20000\n/);
});

test('egress is checked at the source in FORWARD and INPUT (pod to node), by destination, before any ingress check', () => {
  const plans: PodPlan[] = [
    { pod: 'default/a', ip: '10.244.0.11', ingress: [{ policy: 'default/deny', allows: [] }] },
    {
      pod: 'default/echo',
      ip: '10.244.0.10',
      egress: [{ policy: 'default/dns', allows: [{ peers: ['169.254.20.10'], ports: [{ protocol: 'UDP', port: 53 }] }] }],
    },
  ];
  const lines = renderRules(plans).payload.split('\n');
  const forward = lines.filter((l) => l.startsWith('-A SKIFFNP-FORWARD '));
  assert.deepEqual(
    forward.map((l) => l.replace(/ -m comment --comment "[^"]*"/, '')),
    [
      '-A SKIFFNP-FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN',
      `-A SKIFFNP-FORWARD -s 10.244.0.10 -j ${E}`,
      `-A SKIFFNP-FORWARD -d 10.244.0.11 -j ${chainName('I', 'default/a')}`,
    ],
  );
  assert.ok(lines.includes(`-A SKIFFNP-INPUT -s 10.244.0.10 -m comment --comment "default/echo egress" -j ${E}`));
  assert.ok(lines.some((l) => l.includes('-d 169.254.20.10 -p udp -m udp --dport 53 -j MARK')));
  assert.ok(!lines.some((l) => l.startsWith(`-A ${E} -m addrtype`)), 'egress has no node exception');
});

test('pods selected alike share one policy chain; the payload is deterministic', () => {
  const allow = { policy: 'default/allow', allows: [{ peers: ['10.244.1.5'] }] };
  const plans: PodPlan[] = [
    { pod: 'default/a', ip: '10.244.0.11', ingress: [allow] },
    { pod: 'default/b', ip: '10.244.0.12', ingress: [allow] },
  ];
  const first = renderRules(plans);
  assert.equal(first.chains.filter((c) => c.startsWith('SKIFFNP-P-')).length, 1);
  assert.equal(renderRules(structuredClone(plans)).payload, first.payload);
});

test('stale SKIFFNP- chains are flushed and deleted after the rules; other chains are never touched', () => {
  const { payload } = renderRules([], ['SKIFFNP-FORWARD', 'SKIFFNP-I-0123456789ABCDEF', 'SKIFF-SVC-X', 'DOCKER-USER']);
  const lines = payload.split('\n');
  assert.ok(lines.includes(':SKIFFNP-I-0123456789ABCDEF - [0:0]'));
  assert.equal(lines.at(-3), '-X SKIFFNP-I-0123456789ABCDEF');
  assert.ok(!payload.includes('SKIFF-SVC-X') && !payload.includes('DOCKER-USER'));
});

test('our jumps must be first in FORWARD and INPUT, exactly once', () => {
  const jump = (chain: string, target: string) => `-A ${chain} -m comment --comment "skiff network policy" -j ${target}`;
  const good = [
    '*filter',
    ':FORWARD DROP [0:0]',
    jump('FORWARD', 'SKIFFNP-FORWARD'),
    '-A FORWARD -j DOCKER-USER',
    jump('INPUT', 'SKIFFNP-INPUT'),
    'COMMIT',
  ].join('\n');
  assert.deepEqual(misplacedJumps(good), []);
  const dockerFirst = ['-A FORWARD -j DOCKER-USER', jump('FORWARD', 'SKIFFNP-FORWARD'), jump('INPUT', 'SKIFFNP-INPUT')].join('\n');
  assert.deepEqual(
    misplacedJumps(dockerFirst).map((j) => j.chain),
    ['FORWARD'],
  );
  const twice = [jump('FORWARD', 'SKIFFNP-FORWARD'), jump('FORWARD', 'SKIFFNP-FORWARD')].join('\n');
  assert.deepEqual(
    misplacedJumps(twice).map((j) => j.chain),
    ['FORWARD', 'INPUT'],
  );
  assert.deepEqual(ownedChainsIn(':SKIFFNP-FORWARD - [0:0]\n:SKIFF-SVC-X - [0:0]\n:SKIFFNP-P-AB - [0:0]'), ['SKIFFNP-FORWARD', 'SKIFFNP-P-AB']);
});
