/**
 * The kubelet renews its own client certificate (issue #20 §4, --rotate-certificates): started
 * with a short-lived node certificate, it asks kubernetes.io/kube-apiserver-client-kubelet for a
 * new one with that certificate (so the approver sees a node renewing its own: selfnodeclient),
 * keeps it as <root-dir>/pki/kubelet-client-current.pem and goes on heartbeating past the old
 * certificate's expiry — the same process, no restart. Ports 29000-29099 (etcd 29000/29001,
 * apiserver 29050, kubelet 29060/29061); Docker objects: skiff.node=kcr-a, network kcr-a.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findResource, type CertificateSigningRequest, type Lease } from '@skiff/api';
import { RestClient, loadKubeconfig } from '@skiff/client';
import { createCertificateRequest, signClientCertificateRequest, writeKubeconfig } from '@skiff/pki';
import {
  cleanupNodeContainers,
  eventually,
  startControllerManager,
  startKubelet,
  startTestCluster,
  type ComponentProcess,
  type KubeletProcess,
  type TestCluster,
} from '../harness/index.ts';

const NODE = 'kcr-a';
const PORT = 29060;
/** The first certificate's life: renewed at 70–90% of it (+ the signer's backdate of a tenth), with ≥ 10 s to spare for approval and signing. */
const FIRST_LIFE_SECONDS = 60;
const csrs = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
const leases = findResource('coordination.k8s.io', 'v1', 'leases')!;

let cluster: TestCluster;
let cm: ComponentProcess | undefined;
let kubelet: KubeletProcess | undefined;
let api: RestClient;
let first: X509Certificate;

const renewals = async () =>
  (await api.list<CertificateSigningRequest>(csrs)).items.filter(
    (c) => c.spec?.signerName === 'kubernetes.io/kube-apiserver-client-kubelet' && c.spec?.username === `system:node:${NODE}`,
  );

describe('the kubelet renews its client certificate through the CSR API', { timeout: 240_000 }, () => {
  before(async () => {
    await cleanupNodeContainers(NODE);
    cluster = await startTestCluster({ basePort: 29000, apiServerPort: 29050, etcdMembers: 1 });
    api = new RestClient(loadKubeconfig(cluster.kubeconfigPath));
    cm = await startControllerManager(cluster, {
      name: 'csr-controllers',
      args: [
        `--cluster-signing-cert-file=${join(cluster.dir, 'pki', 'ca.crt')}`,
        `--cluster-signing-key-file=${join(cluster.dir, 'pki', 'ca.key')}`,
        '--controllers=csrapproving,csrsigning,root-ca-cert-publisher',
        '--cluster-signing-duration=60s',
      ],
    });
    // The node's first certificate, as `skiff join` would have got it, but living only FIRST_LIFE_SECONDS.
    const { csr, key } = await createCertificateRequest({ commonName: `system:node:${NODE}`, organizations: ['system:nodes'] });
    const cert = await signClientCertificateRequest({ cert: cluster.pki.caCert, key: cluster.pki.caKey }, csr, FIRST_LIFE_SECONDS);
    first = new X509Certificate(cert);
    const kubeconfig = join(cluster.dir, `${NODE}-short.kubeconfig`);
    await writeKubeconfig(kubeconfig, { server: cluster.server, caCert: cluster.pki.caCert, clientCert: cert, clientKey: key });
    kubelet = await startKubelet({
      cluster,
      nodeName: NODE,
      podCidr: '10.229.1.0/24',
      networkName: NODE,
      port: PORT,
      healthzPort: PORT + 1,
      extraArgs: [`--kubeconfig=${kubeconfig}`],
    });
  });

  after(async () => {
    await kubelet?.stop().catch(() => kubelet?.kill());
    await cleanupNodeContainers(NODE);
    await cm?.stop();
    api?.close();
    await cluster?.stop();
  });

  it('a kube-apiserver-client-kubelet CSR from system:node:<name> is approved as a self renewal, issued, and kept in kubelet-client-current.pem', async () => {
    const issued = await eventually(
      async () => {
        const mine = (await renewals()).find((c) => c.status?.certificate);
        assert.ok(mine, `no issued client CSR for ${NODE}: ${JSON.stringify((await renewals()).map((c) => c.status?.conditions))}\n${kubelet?.logTail()}`);
        return mine;
      },
      90_000,
      1000,
    );
    const approved = issued.status?.conditions?.find((c) => c.type === 'Approved');
    assert.equal(approved?.reason, 'AutoApproved');
    assert.equal(approved?.message, 'Auto approving self kubelet client certificate after SubjectAccessReview.');
    assert.deepEqual([...issued.spec!.usages!].sort(), ['client auth', 'digital signature']);
    const fromCsr = new X509Certificate(Buffer.from(issued.status!.certificate!, 'base64').toString('utf8'));
    assert.equal(fromCsr.subject, `O=system:nodes\nCN=system:node:${NODE}`);

    const file = join(kubelet!.rootDir, 'pki', 'kubelet-client-current.pem');
    const stored = await eventually(async () => readFileSync(file, 'utf8'), 20_000, 500);
    const cert = new X509Certificate(stored);
    assert.notEqual(cert.fingerprint256, first.fingerprint256);
    assert.ok(
      (await renewals()).some(
        (c) =>
          c.status?.certificate && new X509Certificate(Buffer.from(c.status.certificate, 'base64').toString('utf8')).fingerprint256 === cert.fingerprint256,
      ),
    );
    assert.ok(cert.checkPrivateKey(createPrivateKey(stored)), "the kept key is not the certificate's");
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(Date.parse(cert.validTo) > Date.parse(first.validTo));
  });

  it("the node keeps heartbeating past the first certificate's expiry, without a restart", async () => {
    const pid = kubelet!.pid;
    const expiry = Date.parse(first.validTo);
    const lease = await eventually(
      async () => {
        const l = await api.get<Lease>(leases, 'kube-node-lease', NODE);
        assert.ok(
          Date.parse(l.spec?.renewTime ?? '') > expiry + 2000,
          `lease renewed last at ${l.spec?.renewTime}; first certificate expires ${first.validTo}\n${kubelet?.logTail()}`,
        );
        return l;
      },
      90_000,
      1000,
    );
    assert.equal(lease.spec?.holderIdentity, NODE);
    assert.equal(kubelet!.pid, pid, 'the kubelet was restarted');
    assert.doesNotMatch(kubelet!.logTail(200), /EXPIRED/);
  });
});
