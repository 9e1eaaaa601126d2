// A validating admission webhook for Backups: HTTPS with the serving certificate mounted from a
// Secret (/certs/tls.crt, tls.key), POST /validate answers an AdmissionReview v1, GET /healthz
// answers the readiness probe. Backups keeping more than 30 copies are refused with a message.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const MAX_KEEP = 30;

function review(request) {
  const keep = request.object?.spec?.keep;
  if (typeof keep === 'number' && keep > MAX_KEEP) {
    return {
      uid: request.uid,
      allowed: false,
      status: { code: 403, reason: 'Forbidden', message: `spec.keep: ${keep} backups is more than this cluster keeps (at most ${MAX_KEEP})` },
    };
  }
  return { uid: request.uid, allowed: true };
}

const server = createServer({ cert: readFileSync('/certs/tls.crt'), key: readFileSync('/certs/tls.key') }, (req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return res.end('ok');
  if (req.method !== 'POST' || req.url?.split('?')[0] !== '/validate') {
    res.statusCode = 404;
    return res.end();
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let answer;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      answer = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: review(body.request) };
      console.log(
        `REVIEWED ${body.request?.operation} ${body.request?.namespace}/${body.request?.name ?? body.request?.object?.metadata?.name} allowed=${answer.response.allowed}`,
      );
    } catch (err) {
      res.statusCode = 400;
      return res.end(String(err));
    }
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(answer));
  });
});
server.listen(8443, () => console.log('LISTENING 8443'));
