/**
 * The labels the kubelet puts on every sandbox and container (the same names as Kubernetes'
 * kuberuntime). They are the node's record of which pod a container belongs to, read back by
 * the kubelet after a restart and by the launcher to find a pod's containers on a lab node.
 */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';
