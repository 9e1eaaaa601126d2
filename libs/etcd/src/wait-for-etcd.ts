import { request } from 'node:https';

/** What a client shows an etcd that wants mutual TLS: the etcd CA and a client certificate it signed (PEM). */
export interface EtcdClientTls {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

/** GET over HTTPS with a client certificate (fetch cannot present one). */
function getHttps(url: string, tls: EtcdClientTls, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolveGet, reject) => {
    const req = request(url, { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolveGet({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Asks one member's `/health`. etcd answers `{"health":"true"}` only when the member
 * sees a leader, so a healthy answer means the member can serve quorum reads.
 * An https:// member wants `tls` (its CA and a client certificate).
 */
export async function isEtcdHealthy(clientUrl: string, timeoutMs = 1000, tls?: EtcdClientTls): Promise<boolean> {
  try {
    let status: number;
    let text: string;
    if (tls && clientUrl.startsWith('https:')) {
      ({ status, body: text } = await getHttps(`${clientUrl}/health`, tls, timeoutMs));
    } else {
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
      status = res.status;
      text = await res.text();
    }
    if (status < 200 || status >= 300) return false;
    const body = JSON.parse(text) as { health?: string | boolean };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

/** Waits until every endpoint reports healthy; throws naming the laggards after timeoutMs. */
export async function waitForEtcd(endpoints: string[], timeoutMs: number, tls?: EtcdClientTls): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let pending = [...endpoints];
  while (pending.length > 0) {
    const healthy = await Promise.all(pending.map((url) => isEtcdHealthy(url, 1000, tls)));
    pending = pending.filter((_, i) => !healthy[i]);
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`etcd not healthy after ${timeoutMs} ms: ${pending.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
