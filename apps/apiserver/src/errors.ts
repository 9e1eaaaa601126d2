/**
 * The one catalog of API errors. Every handler throws an ApiError built here; the HTTP
 * layer turns it into a `Status` object with Kubernetes' reason and code, so clients
 * (kubectl, client-go, client-node) print and react to it as they do for the real thing.
 */

export interface StatusCause {
  /** 'FieldValueInvalid', 'FieldValueRequired', 'FieldValueNotSupported', 'FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueTooLong', 'FieldValueTypeInvalid'. */
  reason: string;
  message: string;
  /** JSON path of the field, as Kubernetes writes it: 'metadata.name', 'spec.containers[0].image'. */
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/**
 * The one builder of Status bodies. Fields go in metav1.Status's order (kind, apiVersion,
 * metadata, status, message, reason, details, code), details and causes in theirs, and
 * empty optional fields are left out as Go's omitempty does, because clients compare
 * error bodies as text. An empty `details` object stays: kube writes `"details":{}` for
 * an unknown path.
 */
export interface StatusFields {
  status: Status['status'];
  message?: string | undefined;
  reason?: string | undefined;
  details?: StatusDetails | undefined;
  code?: number | undefined;
}

export function buildStatus(fields: StatusFields): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: fields.status };
  if (fields.message) status.message = fields.message;
  if (fields.reason) status.reason = fields.reason;
  if (fields.details) status.details = orderDetails(fields.details);
  if (fields.code) status.code = fields.code;
  return status;
}

function orderDetails(d: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes?.length) {
    out.causes = d.causes.map((c) => {
      const cause: StatusCause = { reason: c.reason, message: c.message };
      if (c.field) cause.field = c.field;
      return cause;
    });
  }
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return out;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: StatusDetails | undefined;

  constructor(code: number, reason: string, message: string, details?: StatusDetails, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiError';
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    return buildStatus({ status: 'Failure', message: this.message, reason: this.reason, details: this.details, code: this.code });
  }
}

/** `pods`, `deployments.apps`: how Kubernetes names a resource in messages. */
export interface QualifiedResource {
  group: string;
  resource: string;
}
function qualified(r: QualifiedResource): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

export const errors = {
  notFound(r: QualifiedResource, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualified(r)} "${name}" not found`, { name, group: r.group || undefined, kind: r.resource });
  },
  alreadyExists(r: QualifiedResource, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualified(r)} "${name}" already exists`, { name, group: r.group || undefined, kind: r.resource });
  },
  /** Stale resourceVersion on update: the message kubectl users know. */
  conflict(r: QualifiedResource, name: string, why: string): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(r)} "${name}": ${why}`, {
      name,
      group: r.group || undefined,
      kind: r.resource,
    });
  },
  /** 422 with one cause per invalid field. `kind` is the object's Kind ('Pod'). */
  invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
    const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return new ApiError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, {
      name,
      group: group || undefined,
      kind,
      causes,
    });
  },
  badRequest(message: string, causes?: StatusCause[]): ApiError {
    return new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);
  },
  /** A body naming another object than the URL: every write path refuses it in the same words. */
  nameMismatch(bodyName: unknown, urlName: string): ApiError {
    return errors.badRequest(`the name of the object (${String(bodyName)}) does not match the name on the URL (${urlName})`);
  },
  unauthorized(message = 'Unauthorized'): ApiError {
    return new ApiError(401, 'Unauthorized', message);
  },
  forbidden(r: QualifiedResource, name: string, message: string): ApiError {
    return new ApiError(403, 'Forbidden', `${qualified(r)} "${name}" is forbidden: ${message}`, { name, group: r.group || undefined, kind: r.resource });
  },
  methodNotSupported(r: QualifiedResource, verb: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', `${verb} is not supported on resources of kind "${qualified(r)}"`, {
      group: r.group || undefined,
      kind: r.resource,
    });
  },
  /** 405 with a reason of our own (a resource that is served read-only). */
  methodNotAllowed(r: QualifiedResource, message: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', message, { group: r.group || undefined, kind: r.resource });
  },
  notAcceptable(message: string): ApiError {
    return new ApiError(406, 'NotAcceptable', message);
  },
  /** 415; `detail` says why a known media type could not be read (a protobuf kind outside Skiff's tables). */
  unsupportedMediaType(contentType: string, detail?: string): ApiError {
    if (detail) return new ApiError(415, 'UnsupportedMediaType', `the body of the request could not be read as ${contentType}: ${detail}`);
    return new ApiError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${contentType || 'none'})`,
    );
  },
  /** 410: the resourceVersion asked for is older than etcd's compaction (or the watch window). */
  gone(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  },
  /** 410 for a continue token whose snapshot was compacted. */
  expiredContinue(): ApiError {
    return new ApiError(
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
    );
  },
  requestEntityTooLarge(limit: number): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
  },
  tooManyRequests(message: string, retryAfterSeconds = 1): ApiError {
    return new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds });
  },
  internal(message: string, cause?: unknown): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: 'UnexpectedServerResponse', message }] }, { cause });
  },
  /** 504: etcd did not answer within the request timeout (quorum lost). */
  timeout(message: string): ApiError {
    return new ApiError(504, 'Timeout', message, { retryAfterSeconds: 1 });
  },
  serviceUnavailable(message: string): ApiError {
    return new ApiError(503, 'ServiceUnavailable', message, { retryAfterSeconds: 1 });
  },
};
