/**
 * What a request is about, worked out from its method, path and query the way
 * Kubernetes' RequestInfoFactory does, so authorization and dispatch see the same
 * verb/resource/namespace/name kube-apiserver would.
 */
import { parseQueryBool } from './query.ts';

export interface RequestInfo {
  /** False for /healthz, /version, /api, /apis, discovery documents and /metrics. */
  isResourceRequest: boolean;
  path: string;
  /** get list watch create update patch delete deletecollection; for non-resource: the lower-case HTTP method. */
  verb: string;
  apiPrefix?: 'api' | 'apis';
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  subresource: string;
  name: string;
  /** Extra path segments after the subresource (proxy paths); none of our routes accept them. */
  rest: string[];
}

/** Sub-paths of a namespace that are subresources of the Namespace itself, not a namespaced collection. */
const namespaceSubresources = new Set(['status', 'finalize']);

/** Splits the path; `url` is the request target (path + query). */
export function parseRequestInfo(method: string, url: string): RequestInfo {
  const parsed = new URL(url, 'http://localhost');
  const path = parsed.pathname;
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const lower = method.toLowerCase();
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: lower,
    group: '',
    version: '',
    resource: '',
    subresource: '',
    name: '',
    rest: [],
  };
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  let rest: string[];
  if (prefix === 'api') {
    if (parts.length < 3) return info; // /api, /api/v1: discovery
    info.version = parts[1]!;
    rest = parts.slice(2);
  } else {
    if (parts.length < 4) return info; // /apis, /apis/g, /apis/g/v: discovery
    info.group = parts[1]!;
    info.version = parts[2]!;
    rest = parts.slice(3);
  }
  info.apiPrefix = prefix;
  info.isResourceRequest = true;

  let legacyWatch = false;
  if (rest[0] === 'watch') {
    legacyWatch = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      info.namespace = rest[1];
      if (rest.length > 2 && !namespaceSubresources.has(rest[2]!)) rest = rest.slice(2);
    }
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest[2] ?? '';
  info.rest = rest.slice(3);
  // `/api/v1/namespaces/foo` names the Namespace foo; it is not "inside" a namespace.
  if (info.resource === 'namespaces') info.namespace = undefined;

  switch (lower) {
    case 'get':
    case 'head':
      info.verb = info.name ? 'get' : 'list';
      // The query's `watch` is read as every other query boolean is, so `?watch=True`
      // (the Python client) and `?watch=` are watches, as in kube.
      if (legacyWatch || parseQueryBool(parsed.searchParams.get('watch')) === true) info.verb = 'watch';
      break;
    case 'post':
      info.verb = 'create';
      break;
    case 'put':
      info.verb = 'update';
      break;
    case 'patch':
      info.verb = 'patch';
      break;
    case 'delete':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = lower;
  }
  return info;
}
