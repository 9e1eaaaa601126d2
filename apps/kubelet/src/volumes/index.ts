/** The kubelet's volumes: see volume-manager.ts. */
export { VolumeManager, type VolumeManagerOptions } from './volume-manager.ts';
export { VolumeError } from './volume-error.ts';
export type { VolumeSources } from './volume-sources.ts';
export { renderEtcHosts } from './etc-hosts.ts';
export { writeAtomically, type Payload, type FileProjection } from './atomic-writer.ts';
export {
  TokenManager,
  refreshFractionFromEnv,
  TEST_TOKEN_REFRESH_FRACTION_ENV,
  type TokenManagerOptions,
  type TokenRequestSpec,
  type IssuedToken,
  type RequestToken,
} from './token-manager.ts';
export type { ServiceAccountTokens } from './service-account-token.ts';
