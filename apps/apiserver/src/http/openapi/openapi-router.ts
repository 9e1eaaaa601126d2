/**
 * GET /openapi/v2 in JSON or gnostic protobuf, chosen by the Accept header, and
 * /openapi/v3 (an index of group-versions) and /openapi/v3/<prefix> in JSON, as the
 * Kubernetes apiserver serves them. kubectl 1.20 reads v2; kubectl ≥1.27 reads v3 for
 * explain, patch metadata and the fieldValidation check, and falls back to v2 only
 * where the server has no v3. Documents come from ServedResources, so a CRD's kinds
 * appear in both once it is established; ETags give clients that cache them 304s.
 */
import express, { type Request, type Response } from 'express';
import { ApiError, errors } from '../../errors.ts';
import { ServedResources } from '../../registry/custom-resources/served-resources.ts';
import { gzipped, jsonType, OpenApiDocuments, type Encoded } from './openapi-documents.ts';

const protobufTypes = ['application/com.github.proto-openapi.spec.v2@v1.0+protobuf', 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'];
/**
 * The response says the dotted form, as Kubernetes does: '@' is not a MIME token
 * character, and client-go's mime.ParseMediaType rejects the whole response over it.
 */
const protobufResponseType = protobufTypes[1];
const oneYearMs = 365 * 24 * 3600 * 1000;

export function openApiRouter(served = new ServedResources()): express.Router {
  const router = express.Router();
  let documents: OpenApiDocuments | undefined;
  served.onChange(() => {
    documents = undefined;
  });
  const current = () => (documents ??= new OpenApiDocuments(served.all()));

  router.get('/openapi/v2', (req: Request, res: Response) => {
    const wanted = negotiate(req.get('accept'));
    if (!wanted) {
      sendError(res, errors.notAcceptable('only application/json and application/com.github.proto-openapi.spec.v2@v1.0+protobuf are available'));
      return;
    }
    const protobuf = wanted === 'protobuf';
    const encoded = protobuf ? current().v2Protobuf(protobufResponseType) : current().v2Json();
    sendDocument(req, res, encoded, protobuf ? protobufResponseType : jsonType, 'no-cache, private');
  });

  router.get('/openapi/v3', (req: Request, res: Response) => {
    sendDocument(req, res, current().v3Index(), jsonType, 'no-cache, private');
  });

  router.get(/^\/openapi\/v3\/(.+)$/, (req: Request, res: Response) => {
    const prefix = (req.params as Record<string, string>)[0].replace(/\/+$/, '');
    const encoded = current().v3Document(prefix);
    if (!encoded) {
      sendError(res, new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}));
      return;
    }
    if (negotiate(req.get('accept')) !== 'json') {
      sendError(res, errors.notAcceptable('only application/json is available'));
      return;
    }
    const hash = typeof req.query.hash === 'string' ? req.query.hash : undefined;
    if (hash === undefined) {
      sendDocument(req, res, encoded, jsonType, 'no-cache, private');
      return;
    }
    if (hash !== encoded.hash) {
      // An old hash names an old document: send the client to the current one, as Kubernetes does.
      res.redirect(301, `/openapi/v3/${prefix}?hash=${encoded.hash}`);
      return;
    }
    // A hashed URL names one document forever: clients may keep it without asking again.
    res.setHeader('Expires', new Date(Date.now() + oneYearMs).toUTCString());
    sendDocument(req, res, encoded, jsonType, 'public, immutable');
  });

  return router;
}

function sendDocument(req: Request, res: Response, encoded: Encoded, contentType: string, cacheControl: string): void {
  res.setHeader('ETag', encoded.etag);
  res.setHeader('Vary', 'Accept, Accept-Encoding');
  res.setHeader('Cache-Control', cacheControl);
  if (req.get('if-none-match') === encoded.etag) {
    res.status(304).end();
    return;
  }
  res.status(200).type(contentType);
  if (/\bgzip\b/.test(req.get('accept-encoding') ?? '')) {
    res.setHeader('Content-Encoding', 'gzip');
    res.send(gzipped(encoded));
    return;
  }
  res.send(encoded.body);
}

/**
 * Picks 'protobuf' or 'json' from an Accept header by quality, then by order
 * (kubectl 1.20 sends only the protobuf type; browsers and curl send * / *).
 * Undefined when nothing acceptable is offered.
 */
export function negotiate(accept: string | undefined): 'protobuf' | 'json' | undefined {
  if (!accept || !accept.trim()) return 'json';
  const ranges = accept
    .split(',')
    .map((part, index) => {
      const [type, ...params] = part
        .trim()
        .split(';')
        .map((s) => s.trim());
      const q = params.find((p) => p.startsWith('q='));
      return { type: type.toLowerCase(), q: q ? Number(q.slice(2)) : 1, index };
    })
    .filter((r) => r.q > 0 && !Number.isNaN(r.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { type } of ranges) {
    if (protobufTypes.includes(type)) return 'protobuf';
    if (type === jsonType || type === 'application/*' || type === '*/*') return 'json';
  }
  return undefined;
}

function sendError(res: Response, error: ApiError): void {
  res.status(error.code).type(jsonType).send(JSON.stringify(error.toStatus()));
}
