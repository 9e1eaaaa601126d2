import { test } from 'node:test';
import assert from 'node:assert/strict';
import { causes, check, withPatch } from './testing.ts';

const API = 'networking.k8s.io/v1';
const backend = { service: { name: 'web', port: { number: 80 } } };
const ingress = {
  apiVersion: API,
  kind: 'Ingress',
  metadata: { name: 'web', namespace: 'a' },
  spec: {
    ingressClassName: 'skiff',
    rules: [
      {
        host: 'a.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend },
            { path: '/api', pathType: 'Exact', backend: { service: { name: 'api', port: { name: 'http' } } } },
          ],
        },
      },
      { host: '*.example.com', http: { paths: [{ pathType: 'ImplementationSpecific', backend }] } },
    ],
    tls: [{ hosts: ['a.example.com', '*.example.com'], secretName: 'tls' }],
  },
};
const netpol = {
  apiVersion: API,
  kind: 'NetworkPolicy',
  metadata: { name: 'p', namespace: 'a' },
  spec: {
    podSelector: { matchLabels: { app: 'db' } },
    ingress: [
      {
        from: [{ podSelector: { matchLabels: { app: 'web' } }, namespaceSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
        ports: [{ port: 5432 }, { port: 6000, endPort: 6010 }, { port: 'metrics' }],
      },
    ],
    egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }] }],
  },
};
const ingressClass = { apiVersion: API, kind: 'IngressClass', metadata: { name: 'skiff' }, spec: { controller: 'skiff.dev/ingress' } };
const paths = (ps: unknown[]) => (i: any) => {
  i.spec.rules = [{ host: 'a.example.com', http: { paths: ps } }];
};

test('networking: valid objects pass', () => {
  for (const obj of [ingress, netpol, ingressClass]) assert.deepEqual(causes(obj), [], obj.kind);
  assert.deepEqual(
    causes(
      withPatch(ingress, (i) => {
        i.spec = { defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'static' } } };
      }),
    ),
    [],
  );
});

test('Ingress: pathType required and supported, paths absolute and clean', () => {
  const cases: [unknown[], string[]][] = [
    [[{ path: '/', backend }], ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
    [
      [{ path: '/', pathType: 'Regex', backend }],
      ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"'],
    ],
    [[{ path: 'api', pathType: 'Prefix', backend }], ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']],
    [[{ path: 'api', pathType: 'ImplementationSpecific', backend }], ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']],
    [
      [{ path: '/a//b/..', pathType: 'Exact', backend }],
      [
        `spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": must not contain '//'`,
        `spec.rules[0].http.paths[0].path: Invalid value: "/a//b/..": cannot end with '/..'`,
      ],
    ],
    [[], ['spec.rules[0].http.paths: Required value']],
  ];
  for (const [ps, want] of cases) assert.deepEqual(causes(withPatch(ingress, paths(ps))), want, JSON.stringify(ps));
});

test('Ingress: a backend is one of service or resource, with a port name or number', () => {
  const cases: [unknown, string[]][] = [
    [{}, ['spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required']],
    [
      { ...backend, resource: { kind: 'K', name: 'n' } },
      ['spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends'],
    ],
    [
      { service: { name: 'web', port: { name: 'http', number: 80 } } },
      ['spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number'],
    ],
    [{ service: { name: 'web', port: {} } }, ['spec.rules[0].http.paths[0].backend: Required value: port name or number is required']],
    [
      { service: { name: '1web', port: { number: 70000 } } },
      [
        `spec.rules[0].http.paths[0].backend.service.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
        'spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      { resource: { kind: '', name: 'a/b' } },
      [
        'spec.rules[0].http.paths[0].backend.resource.kind: Required value',
        `spec.rules[0].http.paths[0].backend.resource.name: Invalid value: "a/b": may not contain '/'`,
      ],
    ],
  ];
  for (const [b, want] of cases) assert.deepEqual(causes(withPatch(ingress, paths([{ path: '/', pathType: 'Prefix', backend: b }]))), want, JSON.stringify(b));
});

test('Ingress: hosts are DNS names (a leading *. allowed), not IPs; rules or a default backend; class a subdomain', () => {
  const hostCauses = (host: string) =>
    causes(
      withPatch(ingress, (i) => {
        i.spec.rules[0].host = host;
      }),
    );
  assert.deepEqual(hostCauses('10.0.0.1'), ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']);
  assert.match(hostCauses('a.*.com')[0]!, /^spec\.rules\[0\]\.host: Invalid value: "a\.\*\.com": a wildcard DNS-1123 subdomain must start with '\*\.'/);
  assert.match(hostCauses('Web.com')[0]!, /a lowercase RFC 1123 subdomain/);
  assert.deepEqual(
    causes(
      withPatch(ingress, (i) => {
        i.spec = {};
      }),
    ),
    ['spec: Invalid value: null: either `defaultBackend` or `rules` must be specified'],
  );
  assert.match(
    causes(
      withPatch(ingress, (i) => {
        i.spec.ingressClassName = 'Skiff';
      }),
    )[0]!,
    /^spec\.ingressClassName: Invalid value: "Skiff": a lowercase RFC 1123 subdomain/,
  );
  assert.match(
    causes(
      withPatch(ingress, (i) => {
        i.spec.tls[0].hosts = ['*'];
      }),
    )[0]!,
    /^spec\.tls\[0\]\.hosts\[0\]: Invalid value: "\*": a wildcard/,
  );
  assert.match(
    causes(
      withPatch(ingress, (i) => {
        i.spec.tls[0].secretName = 'TLS';
      }),
    )[0]!,
    /^spec\.tls\[0\]\.secretName: Invalid value: "TLS"/,
  );
});

test('Ingress: the same host, path and pathType twice is a duplicate (issue #17), other combinations are not', () => {
  const dup = withPatch(ingress, (i) => {
    i.spec.rules = [
      {
        host: 'a.example.com',
        http: {
          paths: [
            { path: '/api', pathType: 'Prefix', backend },
            { path: '/api', pathType: 'Exact', backend },
          ],
        },
      },
      { host: 'b.example.com', http: { paths: [{ path: '/api', pathType: 'Prefix', backend }] } },
      { host: 'a.example.com', http: { paths: [{ path: '/api', pathType: 'Prefix', backend }] } },
    ];
  });
  const errs = check(dup);
  assert.deepEqual(errs, [{ reason: 'FieldValueDuplicate', field: 'spec.rules[2].http.paths[0].path', message: 'Duplicate value: "/api"' }]);
});

test('Ingress: the class annotation must agree with ingressClassName on create; updates are not held to it', () => {
  const both = withPatch(ingress, (i) => {
    i.metadata.annotations = { 'kubernetes.io/ingress.class': 'nginx' };
  });
  assert.deepEqual(causes(both), ['annotations.kubernetes.io/ingress.class: Invalid value: "nginx": must match `ingressClassName` when both are specified']);
  const stored = withPatch(both, (i) => {
    i.metadata.resourceVersion = '5';
    i.metadata.uid = 'u';
    i.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
  });
  assert.deepEqual(causes(stored, stored), []);
});

test('Ingress: status addresses are IPs and hostnames that are not IPs', () => {
  const withStatus = withPatch(ingress, (i) => {
    i.status = { loadBalancer: { ingress: [{ ip: '10.0.0.300' }, { hostname: '10.0.0.1' }] } };
  });
  assert.deepEqual(causes(withStatus), [
    'status.loadBalancer.ingress[0].ip: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    'status.loadBalancer.ingress[1].hostname: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
  ]);
});

test('IngressClass: controller required and domain-prefixed, immutable; parameters with a scope', () => {
  const with_ = (spec: unknown) =>
    causes(
      withPatch(ingressClass, (c) => {
        c.spec = spec;
      }),
    );
  assert.deepEqual(with_({}), ['spec.controller: Required value']);
  assert.deepEqual(with_({ controller: 'ingress' }), ['spec.controller: Invalid value: "ingress": must be a domain-prefixed path (such as "acme.io/foo")']);
  assert.deepEqual(with_({ controller: 'a.io/b c' }), [
    `spec.controller: Invalid value: "b c": Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')`,
  ]);
  assert.deepEqual(with_({ controller: 'a.io/b', parameters: { kind: 'P', name: 'p', scope: 'Namespace' } }), [
    "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
  ]);
  assert.deepEqual(with_({ controller: 'a.io/b', parameters: { kind: 'P', name: 'p', scope: 'Cluster', namespace: 'x' } }), [
    "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'",
  ]);
  assert.deepEqual(with_({ controller: 'a.io/b', parameters: { kind: 'P', name: 'p', scope: 'Node' } }), [
    'spec.parameters.scope: Unsupported value: "Node": supported values: "Cluster", "Namespace"',
  ]);
  const stored = withPatch(ingressClass, (c) => {
    c.metadata.resourceVersion = '5';
    c.metadata.uid = 'u';
    c.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
  });
  assert.deepEqual(
    causes(
      withPatch(stored, (c) => {
        c.spec.controller = 'other.dev/x';
      }),
      stored,
    ),
    ['spec.controller: Invalid value: "other.dev/x": field is immutable'],
  );
});

test('NetworkPolicy: ports, endPort only after a numeric port and not below it, protocols', () => {
  const ports = (ps: unknown[]) =>
    causes(
      withPatch(netpol, (n) => {
        n.spec.ingress = [{ ports: ps }];
      }),
    );
  assert.deepEqual(ports([{ port: 8080, endPort: 80 }]), ['spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`']);
  assert.deepEqual(ports([{ port: 'http', endPort: 90 }]), [
    'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
  ]);
  assert.deepEqual(ports([{ endPort: 90 }]), ['spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified']);
  assert.deepEqual(ports([{ port: 0 }, { port: 80, protocol: 'ICMP' }]), [
    'spec.ingress[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'spec.ingress[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
  ]);
});

test('NetworkPolicy: ipBlock cidr valid, except strictly inside it; one kind of peer', () => {
  const peers = (ps: unknown[]) =>
    causes(
      withPatch(netpol, (n) => {
        n.spec.ingress = [{ from: ps }];
      }),
    );
  assert.deepEqual(peers([{ ipBlock: { cidr: '10.0.0.0/33' } }]), [
    'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  ]);
  assert.deepEqual(peers([{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/16', '10.0.1.0/24', 'x'] } }]), [
    'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
    'spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`',
    'spec.ingress[0].from[0].ipBlock.except[3]: Invalid value: "x": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  ]);
  assert.deepEqual(peers([{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db9::/48', '::ffff:10.0.0.0/120'] } }]), [
    'spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "2001:db9::/48": must be a strict subset of `cidr`',
    'spec.ingress[0].from[0].ipBlock.except[1]: Invalid value: "::ffff:10.0.0.0/120": must be a strict subset of `cidr`',
  ]);
  assert.deepEqual(peers([{ ipBlock: { cidr: '' } }]), ['spec.ingress[0].from[0].ipBlock.cidr: Required value']);
  assert.deepEqual(peers([{}]), ['spec.ingress[0].from[0]: Required value: must specify a peer']);
  assert.deepEqual(peers([{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }]), [
    'spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer',
  ]);
});

test('NetworkPolicy: policyTypes are Ingress or Egress, two at most; selectors are label selectors', () => {
  assert.deepEqual(
    causes(
      withPatch(netpol, (n) => {
        n.spec.policyTypes = ['Ingress', 'Both'];
      }),
    ),
    ['spec.policyTypes[1]: Unsupported value: "Both": supported values: "Ingress", "Egress"'],
  );
  assert.deepEqual(
    causes(
      withPatch(netpol, (n) => {
        n.spec.policyTypes = ['Ingress', 'Egress', 'Ingress'];
      }),
    ),
    ['spec.policyTypes: Invalid value: ["Ingress","Egress","Ingress"]: may not specify more than two policyTypes'],
  );
  assert.deepEqual(
    causes(
      withPatch(netpol, (n) => {
        n.spec.podSelector = { matchExpressions: [{ key: 'app', operator: 'Is' }] };
      }),
    ),
    ['spec.podSelector.matchExpressions[0].operator: Unsupported value: "Is": supported values: "DoesNotExist", "Exists", "In", "NotIn"'],
  );
});
