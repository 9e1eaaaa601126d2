/**
 * Request bodies: read with a size cap, then decoded as JSON or YAML according to the
 * Content-Type. YAML is parsed with an alias cap (billion-laughs) and unique keys, and
 * its decoded form is capped too, because an alias-expanded document can outgrow its text.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { errors } from '../errors.ts';
import type { PatchType } from '../registry/handlers.ts';
import { decodeProtobufBody, PROTOBUF_MEDIA_TYPE, ProtobufDecodeError } from './protobuf/decode-protobuf-body.ts';

export const patchTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** 'application/json; charset=utf-8' → 'application/json'. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Reads the whole body; 413 as soon as it passes `limit` bytes (declared or actual). */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume(); // drain so the connection can answer
    throw errors.requestEntityTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw errors.requestEntityTooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function decodeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

function decodeYaml(text: string, limit: number): unknown {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 50, uniqueKeys: true, prettyErrors: false });
  } catch (err) {
    throw errors.badRequest(`error converting YAML to JSON: yaml: ${(err as Error).message}`);
  }
  // Aliases may still expand a small text into a large object: cap the decoded size as well.
  if (JSON.stringify(doc ?? null).length > limit) throw errors.requestEntityTooLarge(limit);
  return doc;
}

/** A protobuf body Skiff cannot read: malformed is 400, outside Skiff's tables is 415. */
function decodeProtobuf(buf: Buffer): unknown {
  try {
    return decodeProtobufBody(buf);
  } catch (err) {
    if (!(err instanceof ProtobufDecodeError)) throw err;
    if (err.unsupported) throw errors.unsupportedMediaType(PROTOBUF_MEDIA_TYPE, err.message);
    throw errors.badRequest(`unable to decode the protobuf body: ${err.message}`);
  }
}

/**
 * Decodes a create/update body (application/json, application/yaml or Kubernetes' protobuf)
 * or a patch body (the patch media types). An empty body decodes to undefined.
 */
export function decodeBody(buf: Buffer, contentType: string | undefined, limit: number): unknown {
  const media = mediaTypeOf(contentType);
  if (media === PROTOBUF_MEDIA_TYPE) return buf.length === 0 ? undefined : decodeProtobuf(buf);
  const text = buf.toString('utf8');
  if (text.trim() === '') return undefined;
  switch (media) {
    case '':
    case 'application/json':
    case 'application/json-patch+json':
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
      return decodeJson(text);
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
    case 'application/apply-patch+yaml':
      return decodeYaml(text, limit);
    default:
      throw errors.unsupportedMediaType(media);
  }
}

/** The patch flavour of a PATCH request; anything else is 415. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const media = mediaTypeOf(contentType);
  const type = patchTypes[media];
  if (!type) throw errors.unsupportedMediaType(media);
  return type;
}

/**
 * A POST/PUT body that must be one object (a resource, a review): content type checked, read with
 * the size cap, decoded. `expected` names it in the error for an empty body ('a SelfSubjectReview').
 */
export async function readObjectBody(req: IncomingMessage, limit: number, expected = 'an object'): Promise<Record<string, unknown>> {
  checkWriteContentType(req.headers['content-type']);
  const body = decodeBody(await readBody(req, limit), req.headers['content-type'], limit);
  if (body === undefined) throw errors.badRequest(`the request body is empty; expected ${expected}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw errors.badRequest("couldn't get version/kind; json parse error: the body is not a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Media types accepted for a POST/PUT body. */
export function checkWriteContentType(contentType: string | undefined): void {
  const media = mediaTypeOf(contentType);
  if (['', 'application/json', 'application/yaml', 'application/x-yaml', 'text/yaml', PROTOBUF_MEDIA_TYPE].includes(media)) return;
  throw errors.unsupportedMediaType(media);
}
