/**
 * Service-account tokens end to end on a real etcd, apiserver and controller-manager: the
 * TokenRequest API (and `kubectl create token`), tokens authenticating as their account
 * (SelfSubjectReview, `kubectl auth whoami`), a pod-bound token dying with its pod, expired,
 * forged and wrong-audience tokens refused with 401, TokenReview, the issuer's JWKS verifying
 * what it signs, the ServiceAccount admission's kube-api-access volume, legacy token Secrets
 * filled by the controller-manager, and kube-root-ca.crt in new namespaces.
 * (Whether an account may do something is RBAC's business and tested there.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { findResourceByKind, type Pod, type Secret, type ServiceAccount } from '@skiff/api';
import type { RestClient } from '@skiff/client';
import { parseServiceAccountPrivateKey, serviceAccountKeyId } from '@skiff/pki';
import {
  apiRequest,
  eventually,
  kubectl,
  kubectlBinaries,
  startControlPlane,
  tokenKubeconfig,
  type ApiTarget,
  type ControlPlane,
  type TestCluster,
} from '../harness/index.ts';

// Ports 28300-28399 belong to this file: etcd 28300-28301, the apiserver 28390.
const BASE_PORT = 28300;
const API_PORT = 28390;
const NS = 'default';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

const SERVICE_ACCOUNTS = findResourceByKind('v1', 'ServiceAccount')!;
const PODS = findResourceByKind('v1', 'Pod')!;
const SECRETS = findResourceByKind('v1', 'Secret')!;
const NAMESPACES = findResourceByKind('v1', 'Namespace')!;
const CONFIGMAPS = findResourceByKind('v1', 'ConfigMap')!;

const newest = (await kubectlBinaries()).find((b) => b.name === 'kubectl-latest');

interface TokenRequestStatus {
  status: { token: string; expirationTimestamp: string };
}

const pod = (name: string, spec: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: NS },
  spec: { containers: [{ name: 'app', image: 'registry.local/app:1' }], ...spec },
});

describe('service-account tokens', { timeout: 240_000 }, () => {
  let cp: ControlPlane;
  let cluster: TestCluster;
  let client: RestClient;
  let builderUid: string;

  before(async () => {
    cp = await startControlPlane({ basePort: BASE_PORT, apiServerPort: API_PORT, kubeletProcesses: 0, scheduler: false });
    ({ cluster, client } = cp);
    builderUid = (
      await client.create<ServiceAccount>(SERVICE_ACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: NS } })
    ).metadata!.uid!;
  });
  after(async () => {
    await cp?.stop();
  });

  const requestToken = async (sa: string, spec: Record<string, unknown> = {}): Promise<string> => {
    const res = await apiRequest(cluster.admin, 'POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
    });
    assert.equal(res.status, 201, res.body);
    return (res.json as TokenRequestStatus).status.token;
  };
  const bearer = (token: string): ApiTarget => ({ server: cluster.server, caCert: cluster.pki.caCert, token });
  const whoAmI = (token: string) =>
    apiRequest(bearer(token), 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });

  it('a requested token authenticates as its service account', async () => {
    const token = await requestToken('builder');
    const res = await eventually(async () => {
      const r = await whoAmI(token);
      assert.equal(r.status, 201, r.body);
      return r;
    });
    const user = res.json.status.userInfo;
    assert.equal(user.username, 'system:serviceaccount:default:builder');
    assert.equal(user.uid, builderUid);
    assert.deepEqual(user.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    assert.match(user.extra['authentication.kubernetes.io/credential-id'][0], /^JTI=/);
    const claims = decodeJwt(token);
    assert.deepEqual(claims.aud, [ISSUER]);
    assert.equal(Number(claims.exp) - Number(claims.iat), 3600);
  });

  it('kubectl create token (with --duration, --audience, --bound-object-*) and kubectl auth whoami', {
    skip: !newest && 'no kubectl newer than 1.20 on PATH',
  }, async () => {
    const created = await kubectl(newest!, [
      '--kubeconfig',
      cluster.kubeconfigPath,
      'create',
      'token',
      'builder',
      '--duration=20m',
      `--audience=${ISSUER}`,
      '--audience=vault',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    const claims = decodeJwt(token);
    assert.equal(Number(claims.exp) - Number(claims.iat), 1200);
    assert.deepEqual(claims.aud, [ISSUER, 'vault']);
    const { kubeconfigPath } = await tokenKubeconfig(cluster, token, 'builder');
    const whoami = await kubectl(newest!, ['--kubeconfig', kubeconfigPath, 'auth', 'whoami', '-o', 'json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.equal(JSON.parse(whoami.stdout).status.userInfo.username, 'system:serviceaccount:default:builder');

    const web = await client.create<Pod>(PODS, pod('kubectl-bound', { serviceAccountName: 'builder' }));
    const bound = await kubectl(newest!, [
      '--kubeconfig',
      cluster.kubeconfigPath,
      'create',
      'token',
      'builder',
      '--bound-object-kind=Pod',
      '--bound-object-name=kubectl-bound',
    ]);
    assert.equal(bound.code, 0, bound.stderr);
    assert.deepEqual((decodeJwt(bound.stdout.trim())['kubernetes.io'] as { pod: unknown }).pod, { name: 'kubectl-bound', uid: web.metadata!.uid });
    const tooShort = await kubectl(newest!, ['--kubeconfig', cluster.kubeconfigPath, 'create', 'token', 'builder', '--duration=1m']);
    assert.notEqual(tooShort.code, 0);
    assert.match(tooShort.stderr, /may not specify a duration less than 10 minutes/);
  });

  it('a pod-bound token stops working once its pod is deleted', async () => {
    const web = await client.create<Pod>(PODS, pod('bound-web', { serviceAccountName: 'builder' }));
    const token = await requestToken('builder', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound-web', uid: web.metadata!.uid } });
    const res = await eventually(async () => {
      const r = await whoAmI(token);
      assert.equal(r.status, 201, r.body);
      return r;
    });
    assert.deepEqual(res.json.status.userInfo.extra['authentication.kubernetes.io/pod-name'], ['bound-web']);
    assert.deepEqual(res.json.status.userInfo.extra['authentication.kubernetes.io/pod-uid'], [web.metadata!.uid]);
    await client.delete(PODS, NS, 'bound-web', { gracePeriodSeconds: 0 });
    await eventually(async () => assert.equal((await whoAmI(token)).status, 401), 10_000);
  });

  it('expired, forged and wrong-audience tokens are 401', async () => {
    const key = parseServiceAccountPrivateKey(await readFile(join(cluster.dir, 'pki', 'sa.key'), 'utf8'), 'sa.key');
    const claims = decodeJwt(await requestToken('builder'));
    const past = Math.floor(Date.now() / 1000) - 7200;
    const expired = await new SignJWT({ ...claims, iat: past, nbf: past, exp: past + 600 })
      .setProtectedHeader({ alg: 'RS256', kid: serviceAccountKeyId(key) })
      .sign(key);
    const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: serviceAccountKeyId(key) }).sign(stranger);
    const vaultOnly = await requestToken('builder', { audiences: ['vault'] });
    for (const [what, token] of [
      ['expired', expired],
      ['forged', forged],
      ['wrong audience', vaultOnly],
    ] as const) {
      const res = await whoAmI(token);
      assert.equal(res.status, 401, `${what}: ${res.body}`);
      assert.equal(res.json.reason, 'Unauthorized');
    }
  });

  it('TokenReview tells who a token is, for which audiences, or why not', async () => {
    const review = (token: string, audiences?: string[]) =>
      apiRequest(cluster.admin, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } },
      });
    const token = await requestToken('builder', { audiences: [ISSUER, 'vault'] });
    const ok = await review(token, ['vault']);
    assert.equal(ok.status, 201, ok.body);
    assert.equal(ok.json.status.authenticated, true);
    assert.equal(ok.json.status.user.username, 'system:serviceaccount:default:builder');
    assert.equal(ok.json.status.user.uid, builderUid);
    assert.deepEqual(ok.json.status.audiences, ['vault']);
    const wrong = await review(token, ['elsewhere']);
    assert.equal(wrong.json.status.authenticated, undefined);
    assert.match(wrong.json.status.error, /audiences/);
    const bad = await review('not-a-token');
    assert.equal(bad.json.status.authenticated, undefined);
    assert.equal(typeof bad.json.status.error, 'string');
    const staticToken = await review(cluster.token);
    assert.equal(staticToken.json.status.user.username, 'tester', 'the rest of the chain answers for non-JWT tokens');
    const discovery = await apiRequest(cluster.admin, 'GET', '/apis/authentication.k8s.io/v1');
    assert.ok(discovery.json.resources.some((r: { name: string }) => r.name === 'tokenreviews'));
  });

  it('the issuer discovery document and JWKS verify the tokens it signs', async () => {
    const config = await apiRequest(cluster.admin, 'GET', '/.well-known/openid-configuration');
    assert.equal(config.status, 200, config.body);
    assert.equal(config.json.issuer, ISSUER);
    assert.match(config.json.jwks_uri, /\/openid\/v1\/jwks$/);
    assert.deepEqual(config.json.id_token_signing_alg_values_supported, ['RS256']);
    const jwks = await apiRequest(cluster.admin, 'GET', '/openid/v1/jwks');
    assert.equal(jwks.status, 200);
    assert.equal(jwks.headers['content-type'], 'application/jwk-set+json');
    const token = await requestToken('builder');
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks.json as JSONWebKeySet), { issuer: ISSUER, audience: ISSUER });
    assert.equal(payload.sub, 'system:serviceaccount:default:builder');
  });

  it("pods get the account's token volume, mounted in every container, unless automount is off", async () => {
    const created = await client.create<Pod>(PODS, pod('mounted', { initContainers: [{ name: 'init', image: 'registry.local/app:1' }] }));
    const spec = created.spec!;
    assert.equal(spec.serviceAccountName, 'default');
    const volume = spec.volumes?.find((v) => v.name.startsWith('kube-api-access-'));
    assert.match(volume?.name ?? '', /^kube-api-access-[a-z0-9]{5}$/);
    assert.deepEqual(
      volume?.projected?.sources?.map((s) => Object.keys(s)[0]),
      ['serviceAccountToken', 'configMap', 'downwardAPI'],
    );
    assert.equal(volume?.projected?.sources?.[0]?.serviceAccountToken?.expirationSeconds, 3607);
    for (const c of [...spec.initContainers!, ...spec.containers]) {
      assert.deepEqual(c.volumeMounts, [{ name: volume!.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    }
    const off = await client.create<Pod>(PODS, pod('unmounted', { automountServiceAccountToken: false }));
    assert.equal(off.spec?.volumes, undefined);
    assert.equal(off.spec?.containers[0]?.volumeMounts, undefined);
  });

  it('a pod naming a missing account is refused with 403', async () => {
    const res = await apiRequest(cluster.admin, 'POST', `/api/v1/namespaces/${NS}/pods`, { body: pod('orphan', { serviceAccountName: 'ghost' }) });
    assert.equal(res.status, 403);
    assert.equal(res.json.message, 'pods "orphan" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found');
  });

  it('a legacy token Secret is filled by the controller-manager and authenticates while it exists', async () => {
    await client.create<Secret>(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: { name: 'builder-legacy', namespace: NS, annotations: { 'kubernetes.io/service-account.name': 'builder' } },
    });
    const filled = await eventually(async () => {
      const s = await client.get<Secret>(SECRETS, NS, 'builder-legacy');
      assert.ok(s.data?.token, 'no token yet');
      return s;
    }, 30_000);
    assert.equal(filled.metadata?.annotations?.['kubernetes.io/service-account.uid'], builderUid);
    assert.equal(Buffer.from(filled.data!['ca.crt']!, 'base64').toString(), cluster.pki.caCert);
    assert.equal(Buffer.from(filled.data!.namespace!, 'base64').toString(), NS);
    const token = Buffer.from(filled.data!.token!, 'base64').toString();
    assert.equal(decodeJwt(token).iss, 'kubernetes/serviceaccount');
    const res = await eventually(async () => {
      const r = await whoAmI(token);
      assert.equal(r.status, 201, r.body);
      return r;
    });
    assert.equal(res.json.status.userInfo.username, 'system:serviceaccount:default:builder');
    await client.delete(SECRETS, NS, 'builder-legacy');
    await eventually(async () => assert.equal((await whoAmI(token)).status, 401), 10_000);
  });

  it('a new namespace gets kube-root-ca.crt, and its first pod runs as a default account made on the spot', async () => {
    await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fresh' } });
    // Straight away: the serviceaccount controller may not have made `default` yet.
    const first = await client.create<Pod>(PODS, { ...pod('first'), metadata: { name: 'first', namespace: 'fresh' } });
    assert.equal(first.spec?.serviceAccountName, 'default');
    const cm = await eventually(
      async () =>
        client.get<{ metadata: { annotations?: Record<string, string> }; data?: Record<string, string> } & { apiVersion?: string }>(
          CONFIGMAPS,
          'fresh',
          'kube-root-ca.crt',
        ),
      30_000,
    );
    assert.deepEqual(cm.data, { 'ca.crt': cluster.pki.caCert });
    assert.match(cm.metadata.annotations?.['kubernetes.io/description'] ?? '', /^Contains a CA bundle/);
    await client.delete(CONFIGMAPS, 'fresh', 'kube-root-ca.crt');
    await eventually(
      async () =>
        assert.deepEqual((await client.get<{ data?: Record<string, string> } & { metadata?: object }>(CONFIGMAPS, 'fresh', 'kube-root-ca.crt')).data, {
          'ca.crt': cluster.pki.caCert,
        }),
      30_000,
    );
  });
});
