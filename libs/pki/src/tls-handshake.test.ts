// Real handshakes with the generated certificates: Node's TLS both ways, and Go's TLS through every
// kubectl we can find (the system's, and Debian's 1.20 that ./skiff extracts under .tools/).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ensureClusterPki, issueClientCertificate, type ClusterPki } from './cluster-pki.ts';
import { writeKubeconfig } from './kubeconfig.ts';

const run = promisify(execFile);
const PORT = 21301; // helper D's test range

function getJson(opts: { ca: string; cert?: string; key?: string; servername?: string }): Promise<unknown> {
  return new Promise((resolveBody, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path: '/whoami', ...opts, servername: opts.servername ?? 'localhost' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolveBody(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

const kubectlCandidates = ['/usr/bin/kubectl', resolve(import.meta.dirname, '../../../.tools/kubernetes-client/usr/bin/kubectl')];

describe('TLS with the cluster PKI', () => {
  let dir = '';
  let pki: ClusterPki;
  let server: Server;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skiff-tls-'));
    pki = await ensureClusterPki(dir, { apiServerHosts: ['localhost', '127.0.0.1'] });
    server = createServer(
      {
        cert: await readFile(join(dir, 'apiserver.crt')),
        key: await readFile(join(dir, 'apiserver.key')),
        ca: pki.caCert,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ cn: peer.subject?.CN, o: peer.subject?.O }));
      },
    );
    await new Promise<void>((ok) => server.listen(PORT, '127.0.0.1', ok));
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((ok) => server?.close(ok));
    await rm(dir, { recursive: true, force: true });
  });

  it('lets the admin in and sees CN=admin, O=system:masters', async () => {
    const body = await getJson({ ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
    assert.deepEqual(body, { cn: 'admin', o: 'system:masters' });
  });

  it('verifies the server by the in-cluster name too', async () => {
    const body = await getJson({ ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey, servername: 'kubernetes.default.svc' });
    assert.deepEqual(body, { cn: 'admin', o: 'system:masters' });
  });

  it('rejects a client without a certificate', async () => {
    await assert.rejects(getJson({ ca: pki.caCert }));
  });

  it('rejects a client certificate from another CA', async () => {
    const other = await mkdtemp(join(tmpdir(), 'skiff-tls-other-'));
    try {
      const foreign = await ensureClusterPki(other, { apiServerHosts: [] });
      await assert.rejects(getJson({ ca: pki.caCert, cert: foreign.adminCert, key: foreign.adminKey }));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('issues client certificates the server accepts with multiple groups', async () => {
    const { cert, key } = await issueClientCertificate(pki, 'jane', ['dev', 'ops']);
    assert.deepEqual(await getJson({ ca: pki.caCert, cert, key }), { cn: 'jane', o: ['dev', 'ops'] });
  });

  for (const kubectl of kubectlCandidates) {
    it(`is accepted by Go's TLS in ${kubectl}`, { skip: !existsSync(kubectl) && 'not installed' }, async () => {
      const kubeconfig = join(dir, `kubeconfig-${kubectlCandidates.indexOf(kubectl)}`);
      await writeKubeconfig(kubeconfig, {
        server: `https://127.0.0.1:${PORT}`,
        caCert: pki.caCert,
        clientCert: pki.adminCert,
        clientKey: pki.adminKey,
      });
      const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/whoami'], { timeout: 20_000 });
      assert.deepEqual(JSON.parse(stdout), { cn: 'admin', o: 'system:masters' });
    });
  }

  it('passes openssl verify', { skip: !existsSync('/usr/bin/openssl') && 'no openssl' }, async () => {
    const { stdout } = await run('openssl', ['verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'apiserver.crt'), join(dir, 'admin.crt')]);
    assert.match(stdout, /apiserver\.crt: OK/);
    assert.match(stdout, /admin\.crt: OK/);
  });
});
