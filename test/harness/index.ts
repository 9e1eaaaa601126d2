export { REPO_ROOT } from './repo-root.ts';
export { startTestCluster, TEST_TOKEN, type TestCluster, type TestClusterOptions } from './test-cluster.ts';
export { ApiServerProcess, type ApiServerProcessOptions } from './api-server-process.ts';
export { apiRequest, type ApiTarget, type ApiResponse, type ApiRequestOptions } from './api-request.ts';
export { openWatch, type WatchStream, type StreamedEvent } from './watch-stream.ts';
export { kubectl, kubectlBinaries, KUBECTL_120_PATH, type KubectlBinary, type KubectlResult, type KubectlOptions } from './kubectl.ts';
export { eventually } from './eventually.ts';
export { expectApiError, type StatusBody } from './expect-api-error.ts';
export * from './components.ts';
export {
  startKubelet,
  cleanupNodeContainers,
  dockerFor,
  deletePodsAndWait,
  waitForPodRunning,
  type StartKubeletOptions,
  type KubeletProcess,
} from './kubelet.ts';
export { unmountLeftovers } from './mounts.ts';
export { ensureTestImages, BUSYBOX_IMAGE, PAUSE_IMAGE } from './test-images.ts';
export { identityFor, tokenKubeconfig, type Identity } from './identities.ts';
export {
  sh,
  inNetns,
  execInNetns,
  canUseNetns,
  addNetns,
  deleteNetns,
  deleteStaleNetns,
  addBridge,
  addVeth,
  startHttpServerIn,
  fetchFrom,
  type VethLink,
} from './netns.ts';
export { useApiControlPlane, tableHeader, tableRow, type ApiSuite } from './api-suite.ts';
export { allowPrivilegedPods, PRIVILEGED_LABELS } from './pod-security.ts';
