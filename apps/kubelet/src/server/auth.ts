/**
 * Who may call the kubelet API: only the apiserver, by its kubelet-client certificate (signed by
 * --client-ca-file, CN kube-apiserver-kubelet-client). Upstream delegates to the apiserver
 * (TokenReview/SubjectAccessReview); a fixed identity is enough while the apiserver is the only caller.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export const KUBELET_CLIENT_CN = 'kube-apiserver-kubelet-client';

export type AuthResult = { ok: true } | { ok: false; code: 401 | 403; message: string };

export function authenticateKubeletClient(req: IncomingMessage, hasClientCa: boolean): AuthResult {
  const socket = req.socket as TLSSocket;
  const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : undefined;
  const present = cert !== undefined && Object.keys(cert).length > 0;
  // A certificate the CA did not sign identifies nobody: that is "unauthenticated", like no certificate.
  if (!hasClientCa || !present || !socket.authorized) return { ok: false, code: 401, message: 'Unauthorized' };
  const cn = Array.isArray(cert.subject?.CN) ? cert.subject.CN[0] : cert.subject?.CN;
  if (cn !== KUBELET_CLIENT_CN) {
    return { ok: false, code: 403, message: `Forbidden (user=${cn ?? ''}, verb=${verbOf(req)}, resource=nodes, subresource=${subresourceOf(req.url ?? '/')})` };
  }
  return { ok: true };
}

function verbOf(req: IncomingMessage): string {
  return req.method === 'GET' || req.method === 'HEAD' ? 'get' : 'create';
}

/** Upstream names the subresource after the path's first segment (stats, log, exec, proxy…). */
function subresourceOf(url: string): string {
  const first = url.split('?')[0]!.split('/')[1] ?? '';
  if (first === 'stats' || first === 'metrics' || first === 'logs') return first;
  return 'proxy';
}
