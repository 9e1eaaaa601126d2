/**
 * Asks the apiserver whether a CSR's requester may do something (POST
 * authorization.k8s.io/v1 SubjectAccessReview for spec.username/uid/groups/extra), as
 * kube's sarApprover does. An apiserver that does not serve the API (404) answers no.
 */
import type { CertificateSigningRequest } from '@skiff/api';
import { isNotFound, type RestClient } from '@skiff/client';

const SAR_PATH = '/apis/authorization.k8s.io/v1/subjectaccessreviews';

export interface ResourceAttributes {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  version?: string;
}

export type AccessAnswer = 'allowed' | 'denied' | 'unserved';

interface SubjectAccessReview {
  status?: { allowed?: boolean };
}

export async function requesterMay(client: Pick<RestClient, 'request'>, csr: CertificateSigningRequest, attributes: ResourceAttributes): Promise<AccessAnswer> {
  const spec = csr.spec;
  const body = {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: spec?.username ?? '',
      ...(spec?.uid ? { uid: spec.uid } : {}),
      groups: spec?.groups ?? [],
      ...(spec?.extra ? { extra: spec.extra } : {}),
      resourceAttributes: { version: '*', ...attributes },
    },
  };
  try {
    const review = await client.request<SubjectAccessReview>('POST', SAR_PATH, { body });
    return review?.status?.allowed === true ? 'allowed' : 'denied';
  } catch (err) {
    if (isNotFound(err)) return 'unserved';
    throw err;
  }
}
