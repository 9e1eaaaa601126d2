/**
 * GET /openapi/v2 in JSON or gnostic protobuf, chosen by the Accept header, as the
 * Kubernetes apiserver does. Both encodings are built once, on first request, with an
 * ETag so clients that cache the document (kubectl does) get 304s.
 *
 * /openapi/v3 answers 404 on purpose: kubectl ≥1.27 tries v3 first and falls back to
 * v2 when the server has none (for explain, validation, patch metadata and the
 * fieldValidation check), and that one document is the one we keep correct.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import express, { type Request, type Response } from 'express';
import { buildOpenApiV2Document } from './openapi-v2-document.ts';
import { encodeGnosticDocument } from './gnostic-proto.ts';
import { ApiError, errors } from '../../errors.ts';
import type { ServedResources } from '../../registry/custom-resources/served-resources.ts';

const protobufTypes = [
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
  'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
];
/**
 * The response says the dotted form, as Kubernetes does: '@' is not a MIME token
 * character, and client-go's mime.ParseMediaType rejects the whole response over it.
 */
const protobufResponseType = protobufTypes[1];
const jsonType = 'application/json';

interface Encoded {
  body: Buffer;
  etag: string;
  /** Built on the first request that accepts gzip: the document is ~0.7 MB, ~10x smaller zipped. */
  gzipped?: Buffer;
}

export function openApiRouter(_served?: ServedResources): express.Router {
  const router = express.Router();
  let json: Encoded | undefined;
  let proto: Encoded | undefined;
  let doc: ReturnType<typeof buildOpenApiV2Document> | undefined;
  const document = () => (doc ??= buildOpenApiV2Document());

  router.get('/openapi/v2', (req: Request, res: Response) => {
    const wanted = negotiate(req.get('accept'));
    if (!wanted) {
      sendError(res, errors.notAcceptable('only application/json and application/com.github.proto-openapi.spec.v2@v1.0+protobuf are available'));
      return;
    }
    let encoded: Encoded;
    if (wanted === 'protobuf') {
      encoded = proto ??= withEtag(Buffer.from(encodeGnosticDocument(document() as unknown as Record<string, unknown>)), protobufResponseType);
    } else {
      encoded = json ??= withEtag(Buffer.from(JSON.stringify(document())), jsonType);
    }
    res.setHeader('ETag', encoded.etag);
    res.setHeader('Vary', 'Accept, Accept-Encoding');
    res.setHeader('Cache-Control', 'no-cache, private');
    if (req.get('if-none-match') === encoded.etag) {
      res.status(304).end();
      return;
    }
    res.status(200).type(wanted === 'protobuf' ? protobufResponseType : jsonType);
    if (/\bgzip\b/.test(req.get('accept-encoding') ?? '')) {
      res.setHeader('Content-Encoding', 'gzip');
      res.send((encoded.gzipped ??= gzipSync(encoded.body)));
      return;
    }
    res.send(encoded.body);
  });

  router.get(/^\/openapi\/v3(\/.*)?$/, (_req: Request, res: Response) => {
    sendError(res, new ApiError(404, 'NotFound', 'the server could not find the requested resource', {}));
  });

  return router;
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
      const [type, ...params] = part.trim().split(';').map((s) => s.trim());
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

/** The content type is hashed too: kubectl's HTTP cache reuses stored headers on a 304. */
function withEtag(body: Buffer, contentType: string): Encoded {
  const digest = createHash('sha512').update(contentType).update(body).digest('hex');
  return { body, etag: `"${digest.slice(0, 64).toUpperCase()}"` };
}

function sendError(res: Response, error: ApiError): void {
  res.status(error.code).type(jsonType).send(JSON.stringify(error.toStatus()));
}
