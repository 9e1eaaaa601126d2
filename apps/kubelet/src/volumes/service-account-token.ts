/**
 * The serviceAccountToken source of a projected volume (upstream projected.go): a token for the
 * pod's service account, bound to the pod (name and uid, so it stops working when the pod is
 * deleted), for the source's audience, written at the source's path with the volume's
 * defaultMode. The token manager refreshes it; every pod sync rewrites the file (atomically)
 * when the token changed, so a running container always finds a valid token at the path.
 */
import type { Pod, Volume } from '@skiff/api';
import type { Payload } from './atomic-writer.ts';
import type { TokenRequestSpec } from './token-manager.ts';

type ProjectedSource = NonNullable<NonNullable<Volume['projected']>['sources']>[number];
export type ServiceAccountTokenProjection = NonNullable<ProjectedSource['serviceAccountToken']>;

/** Where tokens come from: the TokenManager, or a fake in tests. */
export interface ServiceAccountTokens {
  getServiceAccountToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<string>;
  deletePodTokens(podUid: string): void;
}

/** The API's default for serviceAccountToken.expirationSeconds. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** TokenRequest refuses anything shorter (upstream validation: "less than 10 minutes"). */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;

export async function buildServiceAccountTokenPayload(
  pod: Pod,
  source: ServiceAccountTokenProjection,
  defaultMode: number,
  tokens: ServiceAccountTokens | undefined,
): Promise<Payload> {
  if (!tokens) throw new Error('this kubelet cannot request service account tokens (no API client)');
  const expirationSeconds = source.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (expirationSeconds < MIN_TOKEN_EXPIRATION_SECONDS) {
    throw new Error(`serviceAccountToken.expirationSeconds ${expirationSeconds}: may not specify a duration less than 10 minutes`);
  }
  const meta = pod.metadata ?? {};
  const spec: TokenRequestSpec = {
    ...(source.audience ? { audiences: [source.audience] } : {}),
    expirationSeconds,
    boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: meta.name ?? '', uid: meta.uid ?? '' },
  };
  const serviceAccount = pod.spec?.serviceAccountName || pod.spec?.serviceAccount || 'default';
  const token = await tokens.getServiceAccountToken(meta.namespace ?? 'default', serviceAccount, spec);
  // Upstream narrows the mode to 0600 when fsGroup/fsUser make the kubelet chown the volume;
  // this kubelet does not apply fsGroup, so the volume's defaultMode stands.
  return new Map([[source.path, { data: Buffer.from(token, 'utf8'), mode: defaultMode }]]);
}
