/**
 * User impersonation, as upstream's WithImpersonation filter: a caller allowed to `impersonate`
 * may act as another user with the Impersonate-User, Impersonate-Group, Impersonate-Uid and
 * Impersonate-Extra-<key> headers (`kubectl --as=alice --as-group=dev`). Every part is
 * authorized on its own against the chain:
 *
 *   Impersonate-User: alice                       impersonate users "alice"
 *   Impersonate-User: system:serviceaccount:ns:sa impersonate serviceaccounts "sa" in namespace "ns"
 *   Impersonate-Group: dev                        impersonate groups "dev"
 *   Impersonate-Extra-Scopes: view                impersonate userextras/scopes "view" (authentication.k8s.io)
 *   Impersonate-Uid: 1234                         impersonate uids "1234" (authentication.k8s.io)
 *
 * The request then proceeds as the impersonated user, who gets system:authenticated (unless a
 * group says otherwise) and, for a service account without groups asked for, its fixed groups.
 */
import { errors } from '../errors.ts';
import type { UserInfo } from '../registry/handlers.ts';
import { forbiddenError, type Authorizer } from './authz.ts';
import type { RequestInfo } from './request-info.ts';

const USER_HEADER = 'impersonate-user';
const GROUP_HEADER = 'impersonate-group';
const UID_HEADER = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const ANONYMOUS = 'system:anonymous';
const AUTHENTICATED = 'system:authenticated';
const UNAUTHENTICATED = 'system:unauthenticated';

function values(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  return Array.isArray(header) ? header : [header];
}

/** The attributes of "impersonate <resource> <name>", as a RequestInfo the chain can decide on. */
function impersonation(resource: string, name: string, opts: { group?: string; namespace?: string; subresource?: string } = {}): RequestInfo {
  return {
    isResourceRequest: true,
    path: '',
    verb: 'impersonate',
    group: opts.group ?? '',
    version: 'v1',
    resource,
    subresource: opts.subresource ?? '',
    name,
    rest: [],
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
  };
}

/**
 * The request's headers with repeated lines kept apart (`req.headersDistinct`): Node joins a repeated
 * Impersonate-Group into "a, b", which would name one group.
 */
type RequestHeaders = NodeJS.Dict<string | string[]>;

/** Whether the request asks to impersonate anyone (a cheap check for the common case). */
export function asksImpersonation(headers: RequestHeaders): boolean {
  for (const name in headers) if (name.startsWith('impersonate-')) return true;
  return false;
}

/**
 * The user the request acts as: `requestor` itself without impersonation headers, else the
 * impersonated user once every part was allowed. Throws 403 (the part refused) or 400 (groups,
 * uid or extras without a user).
 */
export async function impersonate(headers: RequestHeaders, requestor: UserInfo, authorize: Authorizer): Promise<UserInfo> {
  if (!asksImpersonation(headers)) return requestor;
  const username = values(headers[USER_HEADER])[0];
  const groupsAsked = values(headers[GROUP_HEADER]);
  const uid = values(headers[UID_HEADER])[0];
  const extra: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(EXTRA_PREFIX)) continue;
    extra[decodeURIComponent(name.slice(EXTRA_PREFIX.length))] = values(value);
  }
  if (!username) {
    const asked = [...groupsAsked.map((g) => `group ${g}`), ...(uid ? [`uid ${uid}`] : []), ...Object.keys(extra).map((k) => `extra ${k}`)];
    throw errors.badRequest(`requested [${asked.join(', ')}] without impersonating a user`);
  }

  const checks: RequestInfo[] = [];
  let groups: string[] = [];
  if (username.startsWith(SERVICE_ACCOUNT_PREFIX)) {
    const [ns, name] = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
    if (!ns || !name) throw errors.badRequest(`invalid service account username: "${username}"`);
    checks.push(impersonation('serviceaccounts', name, { namespace: ns }));
    if (groupsAsked.length === 0) groups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`];
  } else {
    checks.push(impersonation('users', username));
  }
  for (const group of groupsAsked) {
    checks.push(impersonation('groups', group));
    groups.push(group);
  }
  for (const [key, list] of Object.entries(extra)) {
    for (const value of list) checks.push(impersonation('userextras', value, { group: 'authentication.k8s.io', subresource: key }));
  }
  if (uid) checks.push(impersonation('uids', uid, { group: 'authentication.k8s.io' }));

  for (const attributes of checks) {
    const decision = await authorize(requestor, attributes);
    if (!decision.allowed) throw forbiddenError(requestor, attributes, decision.reason);
  }

  if (username === ANONYMOUS) {
    if (!groups.includes(UNAUTHENTICATED)) groups.push(UNAUTHENTICATED);
  } else if (!groups.includes(AUTHENTICATED) && !groups.includes(UNAUTHENTICATED)) {
    groups.push(AUTHENTICATED);
  }
  return { username, groups, ...(uid ? { uid } : {}), ...(Object.keys(extra).length > 0 ? { extra } : {}) };
}
