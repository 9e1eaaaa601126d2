/**
 * The networking.k8s.io/v1 kinds as API objects, driven by the kubectls users have (Debian's
 * 1.20 and the newest on PATH, which sends `create ingress` as protobuf) against a real etcd
 * and apiserver: `kubectl create ingress`, apply, what `kubectl get` prints for Ingresses,
 * IngressClasses and NetworkPolicies, explain, the default class `skiff` given to an Ingress
 * that names none, upstream's 422 causes (and the duplicate host/path issue #17 adds) with
 * nothing stored, the Ingress status subresource, and a deleted default class staying deleted.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { REPO_ROOT, apiRequest, kubectl, kubectlBinaries, tableHeader, tableRow, useApiControlPlane, type KubectlResult } from '../harness/index.ts';

// Ports 24100 (etcd) and 24150 (apiserver) belong to this file (range 24100-24199).
const BASE_PORT = 24100;
const NET = '/apis/networking.k8s.io/v1';
const binaries = await kubectlBinaries();

describe('networking API with real kubectl', { timeout: 600_000 }, () => {
  const api = useApiControlPlane(BASE_PORT);

  const get = (path: string) => apiRequest(api.cluster.admin, 'GET', path);

  binaries.forEach((bin, index) => {
    describe(bin.name, () => {
      const ns = `net-${index}`;
      const run = (args: string[], stdin?: string) => kubectl(bin, args, { kubeconfig: api.cluster.kubeconfigPath, stdin });
      const ok = async (args: string[], stdin?: string): Promise<KubectlResult> => {
        const res = await run(args, stdin);
        assert.equal(res.code, 0, `${bin.name} ${args.join(' ')} failed (${res.code}): ${res.stderr}${res.stdout}`);
        return res;
      };
      /** kubectl fails with the 422 and every cause; then the object is not there. */
      const refused = async (args: string[], stdin: string, causes: string[], stored: string): Promise<void> => {
        const res = await run(args, stdin);
        assert.notEqual(res.code, 0, `${args.join(' ')} should fail: ${res.stdout}`);
        assert.match(res.stderr, / is invalid: /, res.stderr);
        for (const cause of causes) assert.ok(res.stderr.includes(cause), `${cause}\nin ${res.stderr}`);
        assert.equal((await get(stored)).status, 404, `${stored} was stored`);
      };

      before(() => ok(['create', 'namespace', ns]));

      it('create ingress: rules, TLS, class and default backend as kubectl built them; no class means the default class skiff', async () => {
        assert.match(
          (
            await ok([
              '-n',
              ns,
              'create',
              'ingress',
              'web',
              '--class=other',
              '--rule=a.example.com/=web:80',
              '--rule=a.example.com/api*=api:http,tls=a-tls',
              '--default-backend=fallback:8080',
            ])
          ).stdout,
          /ingress.networking.k8s.io\/web created/,
        );
        const web = (await get(`${NET}/namespaces/${ns}/ingresses/web`)).json;
        assert.equal(web.spec.ingressClassName, 'other');
        assert.deepEqual(web.spec.defaultBackend, { service: { name: 'fallback', port: { number: 8080 } } });
        assert.deepEqual(web.spec.tls, [{ hosts: ['a.example.com'], secretName: 'a-tls' }]);
        assert.deepEqual(
          web.spec.rules[0].http.paths.map((p: any) => [p.path, p.pathType, p.backend.service.name, p.backend.service.port]),
          [
            ['/', 'Exact', 'web', { number: 80 }],
            ['/api', 'Prefix', 'api', { name: 'http' }],
          ],
        );
        assert.equal(web.metadata.generation, 1);
        assert.deepEqual(web.status, { loadBalancer: {} });

        await ok(['-n', ns, 'create', 'ingress', 'plain', '--rule=/static*=static:80']);
        assert.equal((await get(`${NET}/namespaces/${ns}/ingresses/plain`)).json.spec.ingressClassName, 'skiff');
      });

      it('get prints NAME CLASS HOSTS ADDRESS PORTS AGE, NAME CONTROLLER PARAMETERS AGE and NAME POD-SELECTOR AGE', async () => {
        const ings = (await ok(['-n', ns, 'get', 'ingress'])).stdout;
        assert.equal(tableHeader(ings), 'NAME CLASS HOSTS ADDRESS PORTS AGE');
        assert.match(tableRow(ings, 'web'), /^web other a\.example\.com 80, 443 \d+s$/);
        assert.match(tableRow(ings, 'plain'), /^plain skiff \* 80 \d+s$/);
        const classes = (await ok(['get', 'ingressclass'])).stdout;
        assert.equal(tableHeader(classes), 'NAME CONTROLLER PARAMETERS AGE');
        assert.match(tableRow(classes, 'skiff'), /^skiff skiff\.dev\/ingress <none> \d+(s|m\d*s?)$/);

        assert.match(
          (
            await ok(
              ['-n', ns, 'apply', '-f', '-'],
              `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db }
spec:
  podSelector: { matchLabels: { app: db } }
  ingress:
  - from: [{ podSelector: { matchLabels: { app: web } } }, { ipBlock: { cidr: 10.0.0.0/8, except: [10.1.0.0/16] } }]
    ports: [{ port: 5432 }, { port: 6000, endPort: 6010 }]
  egress: [{ to: [{ namespaceSelector: {} }] }]
`,
            )
          ).stdout,
          /networkpolicy.networking.k8s.io\/db created/,
        );
        const policies = (await ok(['-n', ns, 'get', 'netpol'])).stdout;
        assert.equal(tableHeader(policies), 'NAME POD-SELECTOR AGE');
        assert.match(tableRow(policies, 'db'), /^db app=db \d+s$/);
        const db = (await get(`${NET}/namespaces/${ns}/networkpolicies/db`)).json;
        assert.deepEqual(db.spec.policyTypes, ['Ingress', 'Egress'], 'defaulted from the rules');
        assert.deepEqual(db.spec.ingress[0].ports, [
          { protocol: 'TCP', port: 5432 },
          { protocol: 'TCP', port: 6000, endPort: 6010 },
        ]);
      });

      it('apply creates an Ingress, then changes its rules; applying the same again writes nothing', async () => {
        const manifest = (path: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: applied }
spec:
  rules:
  - host: b.example.com
    http:
      paths:
      - { path: ${path}, pathType: Prefix, backend: { service: { name: web, port: { number: 80 } } } }
`;
        assert.match((await ok(['-n', ns, 'apply', '-f', '-'], manifest('/v1'))).stdout, /ingress.networking.k8s.io\/applied created/);
        assert.match((await ok(['-n', ns, 'apply', '-f', '-'], manifest('/v2'))).stdout, /ingress.networking.k8s.io\/applied configured/);
        const applied = (await get(`${NET}/namespaces/${ns}/ingresses/applied`)).json;
        assert.deepEqual(
          applied.spec.rules[0].http.paths.map((p: any) => p.path),
          ['/v2'],
        );
        assert.equal(applied.spec.ingressClassName, 'skiff');
        assert.equal(applied.metadata.generation, 2);
        assert.match((await ok(['-n', ns, 'apply', '-f', '-'], manifest('/v2'))).stdout, /ingress.networking.k8s.io\/applied unchanged/);
      });

      it('explain reads the networking schemas', async () => {
        const rules = (await ok(['explain', 'ingress.spec.rules'])).stdout;
        for (const field of ['host', 'http']) assert.match(rules, new RegExp(`\\b${field}\\b`));
        assert.match((await ok(['explain', 'networkpolicy.spec.ingress.from'])).stdout, /ipBlock/);
        assert.match((await ok(['explain', 'ingressclass.spec'])).stdout, /controller/);
      });

      it('invalid Ingresses and NetworkPolicies are refused with their field causes, and nothing is stored', async () => {
        const ingress = (name: string, paths: string) => `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name} }
spec:
  rules:
  - host: a.example.com
    http:
      paths:
${paths}`;
        const backend = 'backend: { service: { name: web, port: { number: 80 } } }';
        await refused(
          ['-n', ns, 'apply', '-f', '-'],
          ingress('regex', `      - { path: /api, pathType: Regex, ${backend} }\n      - { path: api, pathType: Prefix, ${backend} }\n`),
          [
            'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
            'spec.rules[0].http.paths[1].path: Invalid value: "api": must be an absolute path',
          ],
          `${NET}/namespaces/${ns}/ingresses/regex`,
        );
        await refused(
          ['-n', ns, 'apply', '-f', '-'],
          ingress(
            'twice',
            `      - { path: /api, pathType: Prefix, ${backend} }\n      - { path: /api, pathType: Prefix, backend: { service: { name: other, port: { number: 80 } } } }\n`,
          ),
          ['spec.rules[0].http.paths[1].path: Duplicate value: "/api"'],
          `${NET}/namespaces/${ns}/ingresses/twice`,
        );
        await refused(
          ['-n', ns, 'apply', '-f', '-'],
          `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: bad }
spec:
  podSelector: {}
  ingress:
  - from: [{ ipBlock: { cidr: 10.0.0.0/33 } }, { ipBlock: { cidr: 10.0.0.0/16, except: [10.1.0.0/24] } }]
    ports: [{ port: 8080, endPort: 80 }]
`,
          [
            'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
            'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`',
            'spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`',
          ],
          `${NET}/namespaces/${ns}/networkpolicies/bad`,
        );
      });
    });
  });

  describe('the API itself', () => {
    it('a 422 carries field causes typed as Kubernetes types them', async () => {
      const res = await apiRequest(api.cluster.admin, 'POST', `${NET}/namespaces/default/ingresses`, {
        body: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'dup' },
          spec: {
            rules: [
              {
                host: 'a.io',
                http: { paths: [1, 2].map(() => ({ path: '/', pathType: 'Exact', backend: { service: { name: 's', port: { number: 80 } } } })) },
              },
            ],
          },
        },
      });
      assert.equal(res.status, 422);
      assert.equal(res.json.reason, 'Invalid');
      assert.deepEqual(res.json.details.causes, [
        { reason: 'FieldValueDuplicate', field: 'spec.rules[0].http.paths[1].path', message: 'Duplicate value: "/"' },
      ]);
      assert.equal((await get(`${NET}/namespaces/default/ingresses/dup`)).status, 404);
    });

    it('Ingress status: /status changes only status; a spec change bumps generation and keeps status', async () => {
      const path = `${NET}/namespaces/default/ingresses/st`;
      const created = await apiRequest(api.cluster.admin, 'POST', `${NET}/namespaces/default/ingresses`, {
        body: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'st' },
          spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } },
        },
      });
      assert.equal(created.status, 201, created.body);
      const withStatus = structuredClone(created.json);
      withStatus.status = { loadBalancer: { ingress: [{ ip: '192.0.2.10' }] } };
      withStatus.spec.defaultBackend.service.name = 'ignored';
      const statusPut = await apiRequest(api.cluster.admin, 'PUT', `${path}/status`, { body: withStatus });
      assert.equal(statusPut.status, 200, statusPut.body);
      assert.equal(statusPut.json.spec.defaultBackend.service.name, 's', 'spec is not changed through /status');
      assert.deepEqual(statusPut.json.status.loadBalancer.ingress, [{ ip: '192.0.2.10' }]);
      assert.equal(statusPut.json.metadata.generation, 1);

      const badStatus = structuredClone(statusPut.json);
      badStatus.status.loadBalancer.ingress = [{ hostname: '192.0.2.11' }];
      const refusedStatus = await apiRequest(api.cluster.admin, 'PUT', `${path}/status`, { body: badStatus });
      assert.equal(refusedStatus.status, 422, refusedStatus.body);
      assert.match(refusedStatus.body, /status.loadBalancer.ingress\[0\].hostname: Invalid value: \\"192.0.2.11\\": must be a DNS name, not an IP address/);

      const specChange = structuredClone(statusPut.json);
      specChange.spec.defaultBackend.service.name = 'other';
      specChange.status = { loadBalancer: {} };
      const specPut = await apiRequest(api.cluster.admin, 'PUT', path, { body: specChange });
      assert.equal(specPut.status, 200, specPut.body);
      assert.equal(specPut.json.metadata.generation, 2);
      assert.deepEqual(specPut.json.status.loadBalancer.ingress, [{ ip: '192.0.2.10' }], 'status is not changed through the main resource');
    });

    it('IngressClass: the default class is marked so; its controller cannot change', async () => {
      const skiff = (await get(`${NET}/ingressclasses/skiff`)).json;
      assert.equal(skiff.spec.controller, 'skiff.dev/ingress');
      assert.equal(skiff.metadata.annotations['ingressclass.kubernetes.io/is-default-class'], 'true');
      const changed = structuredClone(skiff);
      changed.spec.controller = 'example.com/other';
      const res = await apiRequest(api.cluster.admin, 'PUT', `${NET}/ingressclasses/skiff`, { body: changed });
      assert.equal(res.status, 422);
      assert.deepEqual(
        res.json.details.causes.map((c: any) => `${c.field}: ${c.message}`),
        ['spec.controller: Invalid value: "example.com/other": field is immutable'],
      );
    });

    it("Skiff's own kubectl gets the three kinds by their short names and describes Ingresses and NetworkPolicies", async () => {
      const own = async (...args: string[]): Promise<string> => {
        const res = await kubectl(process.execPath, [join(REPO_ROOT, 'apps/kubectl/src/main.ts'), ...args], { kubeconfig: api.cluster.kubeconfigPath });
        assert.equal(res.code, 0, `skiff kubectl ${args.join(' ')}: ${res.stderr}`);
        return res.stdout;
      };
      const ings = await own('-n', 'net-0', 'get', 'ing');
      assert.equal(tableHeader(ings), 'NAME CLASS HOSTS ADDRESS PORTS AGE');
      assert.match(tableRow(ings, 'web'), /^web other a\.example\.com 80, 443 \d+s$/);
      assert.match(tableRow(await own('-n', 'net-0', 'get', 'netpol'), 'db'), /^db app=db \d+s$/);
      assert.match(tableRow(await own('get', 'ingressclass'), 'skiff'), /^skiff skiff\.dev\/ingress <none> \d+/);
      const web = await own('-n', 'net-0', 'describe', 'ingress', 'web');
      assert.match(web, /Ingress Class:\s+other\n/);
      assert.match(web, /Default backend:\s+fallback:8080\n/);
      assert.match(web, /a-tls terminates a\.example\.com\n/);
      assert.match(web, /\n\s+\/api\s+api:http\n/);
      const db = await own('-n', 'net-0', 'describe', 'networkpolicy', 'db');
      assert.match(db, /PodSelector:\s+app=db\n\s+Allowing ingress traffic:\n\s+To Port: 5432\/TCP\n\s+To Port: 6000-6010\/TCP\n/);
      assert.match(db, /Policy Types: Ingress, Egress\n/);
    });

    // Last: it deletes the default class and restarts the apiserver.
    it('a deleted default class stays deleted across an apiserver restart, and Ingresses then get no class', async () => {
      assert.equal((await apiRequest(api.cluster.admin, 'DELETE', `${NET}/ingressclasses/skiff`)).status, 200);
      await api.cluster.restartApiServer();
      assert.equal((await get(`${NET}/ingressclasses/skiff`)).status, 404);
      const res = await apiRequest(api.cluster.admin, 'POST', `${NET}/namespaces/default/ingresses`, {
        body: {
          apiVersion: 'networking.k8s.io/v1',
          kind: 'Ingress',
          metadata: { name: 'classless' },
          spec: { defaultBackend: { service: { name: 's', port: { number: 80 } } } },
        },
      });
      assert.equal(res.status, 201, res.body);
      assert.equal(res.json.spec.ingressClassName, undefined);
    });
  });
});
