export {
  ensureClusterPki,
  issueClientCertificate,
  IN_CLUSTER_API_HOSTS,
  type ClusterPki,
  type EnsureClusterPkiOptions,
} from './cluster-pki.ts';
export { writeKubeconfig, renderKubeconfig, type KubeconfigOptions } from './kubeconfig.ts';
export {
  createCertificateAuthority,
  issueCertificate,
  isCertificateUsable,
  backdateMs,
  type CertificatePair,
  type CertificateRequest,
} from './certificates.ts';
export {
  createCertificateRequest,
  parseCertificateRequest,
  signClientCertificateRequest,
  publicKeyPin,
  type CertificateRequestSubject,
  type ParsedCertificateRequest,
} from './csr.ts';
export {
  LEGACY_CLAIMS,
  LEGACY_SERVICE_ACCOUNT_ISSUER,
  legacyServiceAccountClaims,
  parseServiceAccountPrivateKey,
  parseServiceAccountPublicKeys,
  serviceAccountKeyId,
  signingAlgorithmOf,
  type ServiceAccountSigningAlgorithm,
} from './service-account-keys.ts';
export { ensureEtcdPki, etcdPkiFiles, ETCD_LOOPBACK_HOSTS, type EtcdPkiFiles } from './etcd-pki.ts';
export { isRenewalDue, reissueLeaf, renewCertificates, requestOf, type RenewedCertificate, type RenewOptions } from './renewal.ts';
export { followKeyPair, KEY_PAIR_RELOAD_INTERVAL_MS, type KeyPairFiles, type KeyPairLogger } from './key-pair-follow.ts';
