/**
 * Well-known projects' CRDs (close copies in test/integration/fixtures/crds: prometheus-operator
 * ServiceMonitor, MetalLB IPAddressPool and L2Advertisement, Traefik IngressRoute, Argo CD
 * Application) installed and used the way their users do, with both kubectls: client-side
 * apply and (newest kubectl) server-side apply of the CRDs, a second apply that changes one,
 * a realistic object of each read back with its printer columns, an invalid one of each refused
 * with its field path, `kubectl diff` on a custom object and `kubectl explain <kind>.spec`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  REPO_ROOT,
  apiRequest,
  eventually,
  kubectl,
  kubectlBinaries,
  tableHeader,
  tableRow,
  useApiControlPlane,
  type KubectlResult,
} from '../harness/index.ts';

// Ports 25520-25521 (etcd) and 25570 (apiserver), inside this brief's range 25500-25599.
const BASE_PORT = 25520;
const FIXTURES = join(REPO_ROOT, 'test/integration/fixtures/crds');
const CRD_FILES = ['servicemonitor.yaml', 'metallb.yaml', 'ingressroute.yaml', 'application.yaml'];
const CRD_NAMES = CRD_FILES.flatMap((file) => parseAllDocuments(readFileSync(join(FIXTURES, file), 'utf8')).map((d) => d.toJS().metadata.name as string));

const binaries = await kubectlBinaries();

/** One realistic object of each kind, as its project's docs show them. */
const objects = (ns: string): string => `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: web, namespace: ${ns}, labels: { release: prometheus } }
spec:
  selector: { matchLabels: { app: web } }
  namespaceSelector: { matchNames: [${ns}] }
  endpoints:
    - port: metrics
      interval: 30s
      targetPort: 9090
      relabelings:
        - sourceLabels: [__meta_kubernetes_pod_node_name]
          targetLabel: node
    - targetPort: http-metrics
      scheme: https
      tlsConfig: { serverName: web.${ns}.svc, ca: { secret: { key: ca.crt, name: web-ca } } }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: first-pool, namespace: ${ns} }
spec:
  addresses: [192.168.10.0/24, 192.168.9.1-192.168.9.5]
  serviceAllocation: { priority: 50, namespaces: [${ns}] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: l2, namespace: ${ns} }
spec:
  ipAddressPools: [first-pool]
  interfaces: [eth0]
---
apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: whoami, namespace: ${ns} }
spec:
  entryPoints: [websecure]
  routes:
    - kind: Rule
      match: Host(\`whoami.example.com\`) && PathPrefix(\`/api\`)
      priority: 10
      middlewares: [{ name: strip-api }]
      services:
        - { name: whoami, port: 80, weight: 3 }
        - { name: whoami-canary, port: http, weight: 1 }
  tls: { certResolver: letsencrypt, domains: [{ main: example.com, sans: [whoami.example.com] }] }
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: guestbook, namespace: ${ns} }
spec:
  project: default
  source:
    repoURL: https://github.com/argoproj/argocd-example-apps.git
    targetRevision: HEAD
    path: helm-guestbook
    helm:
      releaseName: guestbook
      valueFiles: [values-production.yaml]
      parameters: [{ name: image.tag, value: v2 }, { name: replicaCount, value: "2", forceString: true }]
      valuesObject: { ingress: { enabled: true, hosts: [guestbook.example.com] }, anything: { goes: [1, two] } }
  destination: { server: https://kubernetes.default.svc, namespace: guestbook }
  syncPolicy:
    automated: { prune: true, selfHeal: true }
    syncOptions: [CreateNamespace=true]
    retry: { limit: 5, backoff: { duration: 5s, factor: 2, maxDuration: 3m } }
  ignoreDifferences: [{ group: apps, kind: Deployment, jsonPointers: [/spec/replicas] }]
status:
  sync: { status: Synced, revision: 53e28ff20cc530b9ada2173fbbd64d48338583ba }
  health: { status: Healthy }
  resources: [{ kind: Service, name: guestbook-ui, status: Synced, version: v1, hook: false }]
`;

/** One invalid object of each kind, and the cause its field path names. */
const invalid = (ns: string): [string, string, RegExp][] => [
  [
    'servicemonitors',
    `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: bad, namespace: ${ns} }
spec: { selector: {}, endpoints: [{ port: metrics, scheme: ftp }] }
`,
    /spec\.endpoints\[0\]\.scheme: Unsupported value: "ftp": supported values: "http", "https"/,
  ],
  [
    'ipaddresspools',
    `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: bad, namespace: ${ns} }
spec: { autoAssign: false }
`,
    /spec\.addresses: Required value/,
  ],
  [
    'l2advertisements',
    `apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: { name: bad, namespace: ${ns} }
spec: { interfaces: eth0 }
`,
    /spec\.interfaces: Invalid value: "string": spec\.interfaces in body must be of type array: "string"/,
  ],
  [
    'ingressroutes',
    `apiVersion: traefik.io/v1alpha1
kind: IngressRoute
metadata: { name: bad, namespace: ${ns} }
spec: { routes: [{ kind: Other, match: "Host(\`x\`)", services: [{ name: s, port: 80, weight: -1 }] }] }
`,
    /spec\.routes\[0\]\.kind: Unsupported value: "Other": supported values: "Rule"/,
  ],
  [
    'applications',
    `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: bad, namespace: ${ns} }
spec: { project: default, destination: {}, syncPolicy: { retry: { limit: many } } }
`,
    /spec\.syncPolicy\.retry\.limit: Invalid value: "string": spec\.syncPolicy\.retry\.limit in body must be of type integer: "string"/,
  ],
];

describe('real-world CRDs', { timeout: 600_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);

  binaries.forEach((bin, index) => {
    describe(bin.name, () => {
      const ns = `real-${index}`;
      const newest = bin.name !== 'kubectl-1.20';
      const run = (args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: api.cluster.kubeconfigPath, stdin });
      const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
        const res = await run(args, stdin);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };

      it('applies the CRDs (client-side; newest also server-side) and each becomes Established', async () => {
        for (const file of CRD_FILES) await ok(['apply', '-f', join(FIXTURES, file)]);
        if (newest) {
          const ssa = await ok(['apply', '--server-side', ...CRD_FILES.flatMap((f) => ['-f', join(FIXTURES, f)])]);
          for (const name of CRD_NAMES)
            assert.match(ssa.stdout, new RegExp(`customresourcedefinition.apiextensions.k8s.io/${name.replace(/\./g, '\\.')} serverside-applied`));
        }
        await ok(['wait', '--for=condition=Established', '--timeout=10s', ...CRD_NAMES.map((n) => `crd/${n}`)]);
        const resources = await ok(['api-resources', '--api-group=argoproj.io']);
        assert.match(resources.stdout, /^applications\s+app,apps\s+argoproj.io\/v1alpha1\s+true\s+Application$/m);
        await ok(['create', 'namespace', ns]);
      });

      it('applies a realistic object of each and reads it back with its printer columns', async () => {
        const applied = await ok(['apply', '-f', '-'], objects(ns));
        assert.match(applied.stdout, /servicemonitor.monitoring.coreos.com\/web created/);
        assert.match(applied.stdout, /application.argoproj.io\/guestbook created/);
        assert.equal(applied.stderr.includes('unknown field'), false, applied.stderr);

        // A version with printer columns prints NAME and those only (upstream adds no AGE to them).
        const smon = await ok(['get', 'smon', '-n', ns]);
        assert.equal(tableHeader(smon.stdout), 'NAME AGE');
        assert.match(tableRow(smon.stdout, 'web'), /^web \d+s$/);
        const pools = await ok(['get', 'ipaddresspools', '-n', ns]);
        assert.equal(tableHeader(pools.stdout), 'NAME AUTO ASSIGN AVOID BUGGY IPS ADDRESSES');
        assert.match(tableRow(pools.stdout, 'first-pool'), /^first-pool true false \["192\.168\.10\.0\/24","192\.168\.9\.1-192\.168\.9\.5"\]$/);
        const l2 = await ok(['get', 'l2advertisements', '-n', ns, '-o', 'wide']);
        assert.equal(tableHeader(l2.stdout), 'NAME IPADDRESSPOOLS IPADDRESSPOOL SELECTORS INTERFACES NODE SELECTORS');
        assert.match(l2.stdout, /^l2\s+\["first-pool"\]\s+\["eth0"\]\s*$/m);
        const routes = await ok(['get', 'ingressroutes', '-n', ns]);
        assert.equal(tableHeader(routes.stdout), 'NAME AGE');
        const apps = await ok(['get', 'apps', '-n', ns, '-o', 'wide']);
        assert.equal(tableHeader(apps.stdout), 'NAME SYNC STATUS HEALTH STATUS REVISION PROJECT');
        assert.match(tableRow(apps.stdout, 'guestbook'), /^guestbook Synced Healthy 53e28ff20cc530b9ada2173fbbd64d48338583ba default$/);

        // What the schemas keep: int-or-string ports, defaults, preserved subtrees, a list-map.
        const port = await ok(['get', 'ingressroute', 'whoami', '-n', ns, '-o', 'jsonpath={.spec.routes[0].services[*].port}']);
        assert.equal(port.stdout, '80 http');
        const action = await ok(['get', 'servicemonitor', 'web', '-n', ns, '-o', 'jsonpath={.spec.endpoints[0].relabelings[0].action}']);
        assert.equal(action.stdout, 'replace', 'defaulted from the schema');
        const values = await ok(['get', 'application', 'guestbook', '-n', ns, '-o', 'jsonpath={.spec.source.helm.valuesObject.anything}']);
        assert.deepEqual(JSON.parse(values.stdout), { goes: [1, 'two'] });
        const hook = await ok(['get', 'application', 'guestbook', '-n', ns, '-o', 'jsonpath={.status.resources[0].hook}']);
        assert.equal(hook.stdout, 'false', 'kept by x-kubernetes-preserve-unknown-fields');
        const autoAssign = await ok(['get', 'ipaddresspool', 'first-pool', '-n', ns, '-o', 'jsonpath={.spec.autoAssign}']);
        assert.equal(autoAssign.stdout, 'true');
      });

      it('refuses an invalid object of each kind with its field path (422)', async () => {
        for (const [resource, yaml, cause] of invalid(ns)) {
          const refused = await run(['apply', '--validate=false', '-f', '-'], yaml);
          assert.notEqual(refused.code, 0, `${resource}: ${refused.stdout}`);
          assert.match(refused.stderr, / "bad" is invalid: /, resource);
          assert.match(refused.stderr, cause, resource);
          if (index > 0) continue;
          const doc = parseAllDocuments(yaml)[0]!.toJS();
          const res = await apiRequest(api.cluster.admin, 'POST', `/apis/${doc.apiVersion}/namespaces/${ns}/${resource}`, { body: doc });
          assert.equal(res.status, 422, res.body);
          assert.equal(res.json.reason, 'Invalid');
          assert.ok(
            res.json.details.causes.some((c: { field: string; message: string }) => cause.test(`${c.field}: ${c.message}`)),
            res.body,
          );
        }
      });

      it('kubectl diff shows a change to a custom object, and nothing once applied', async () => {
        const changed = objects(ns).replace('priority: 10', 'priority: 20');
        const diff = await run(['diff', '-f', '-'], changed);
        assert.equal(diff.code, 1, `${diff.stderr}${diff.stdout}`);
        assert.match(diff.stdout, /^-\s+priority: 10$/m);
        assert.match(diff.stdout, /^\+\s+priority: 20$/m);
        assert.doesNotMatch(diff.stdout, /ServiceMonitor|IPAddressPool|kind: Application/, 'only the changed object differs');
        await ok(['apply', '-f', '-'], changed);
        const none = await run(['diff', '-f', '-'], changed);
        assert.equal(none.code, 0, `${none.stderr}${none.stdout}`);
      });

      it('applying a CRD again updates it (a new short name is served)', async () => {
        const file = readFileSync(join(FIXTURES, 'ingressroute.yaml'), 'utf8');
        const shortName = `ir${index}`;
        const updated = file.replace('    singular: ingressroute\n', `    singular: ingressroute\n    shortNames: [${shortName}]\n`);
        assert.notEqual(updated, file);
        const applied = await ok(['apply', '-f', '-'], updated);
        assert.match(applied.stdout, /customresourcedefinition.apiextensions.k8s.io\/ingressroutes.traefik.io configured/);
        await eventually(
          async () => {
            const got = await ok(['get', shortName, '-n', ns]);
            assert.match(got.stdout, /^whoami\s/m);
          },
          10_000,
          200,
        );
        await ok(['apply', '-f', join(FIXTURES, 'ingressroute.yaml')]);
      });

      if (newest) {
        it('kubectl explain <kind>.spec describes each kind from the CRD schema', async () => {
          const cases: [string, RegExp, string[]][] = [
            [
              'servicemonitor.spec',
              /Specification of desired Service selection for target discovery by Prometheus/,
              ['endpoints', 'namespaceSelector', 'selector'],
            ],
            ['ipaddresspool.spec', /KIND: IPAddressPool/, ['addresses', 'autoAssign', 'serviceAllocation']],
            ['l2advertisement.spec', /KIND: L2Advertisement/, ['ipAddressPools', 'interfaces']],
            ['ingressroute.spec', /IngressRouteSpec defines the desired state of IngressRoute/, ['entryPoints', 'routes', 'tls']],
            ['application.spec', /ApplicationSpec represents desired application state/, ['destination', 'project', 'source', 'syncPolicy']],
          ];
          for (const [path, description, fields] of cases) {
            const explained = await ok(['explain', path]);
            // explain wraps descriptions: compare with whitespace collapsed.
            assert.match(explained.stdout.replace(/\s+/g, ' '), description, explained.stdout);
            for (const field of fields) assert.match(explained.stdout, new RegExp(`^\\s+${field}\\s+<`, 'm'), `${path}: ${field}\n${explained.stdout}`);
          }
          const required = await ok(['explain', 'application.spec.destination']);
          assert.match(required.stdout.replace(/\s+/g, ' '), /Destination is a reference to the target Kubernetes server and namespace/);
        });
      }
    });
  });
});
