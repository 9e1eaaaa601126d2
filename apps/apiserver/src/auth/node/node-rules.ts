/**
 * The rules of the `system:node` ClusterRole (upstream's bootstrappolicy NodeRules): the RBAC
 * policy names them for the hollow kubelets (one identity for many nodes), and the Node
 * authorizer applies them to `system:node:<name>` for everything its graph does not decide.
 *
 * Adapted to what Skiff's kubelet calls: it registers and patches its Node (spec.podCIDR and
 * status), watches the pods bound to it and patches their status, deletes them once stopped,
 * records events, renews its Lease in kube-node-lease, reads the secrets, config maps, claims
 * and volumes its pods use, and asks for service-account tokens for them. The rest is kept
 * from upstream so a real kubelet's calls (access reviews, CSRs for rotation, CSI, runtime
 * classes) are not refused either.
 *
 * Broad on purpose where upstream is: `get/list/watch secrets` here is cut down to single
 * referenced objects by the Node authorizer's graph and never reaches RBAC as a grant for a
 * node user; create/delete pods and node updates are cut down by NodeRestriction admission.
 */
import type { PolicyRule } from '@skiff/api';

const READ = ['get', 'list', 'watch'];

export const nodeRules: PolicyRule[] = [
  // Access checks a kubelet makes about its callers (non-mutating creates).
  { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'] },
  { verbs: ['create'], apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews', 'localsubjectaccessreviews'] },
  // Service environment variables of containers.
  { verbs: READ, apiGroups: [''], resources: ['services'] },
  // Register the Node and report its status (NodeRestriction: only its own).
  { verbs: ['create', 'get', 'list', 'watch'], apiGroups: [''], resources: ['nodes'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes/status'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['nodes'] },
  // Not upstream's: hollow kubelets take their Nodes out when they stop (NodeRestriction keeps
  // a real node to its own).
  { verbs: ['delete'], apiGroups: [''], resources: ['nodes'] },
  { verbs: ['create', 'update', 'patch'], apiGroups: ['', 'events.k8s.io'], resources: ['events'] },
  // Pods: read (the kubelet watches spec.nodeName=<itself>), mirror pods and deletion of its
  // own (NodeRestriction), status of the pods it runs, evictions.
  { verbs: READ, apiGroups: [''], resources: ['pods'] },
  { verbs: ['create', 'delete'], apiGroups: [''], resources: ['pods'] },
  { verbs: ['update', 'patch'], apiGroups: [''], resources: ['pods/status'] },
  { verbs: ['create'], apiGroups: [''], resources: ['pods/eviction'] },
  // Volumes, env and image pull secrets (the Node authorizer keeps these to its pods' objects).
  { verbs: READ, apiGroups: [''], resources: ['secrets', 'configmaps'] },
  { verbs: ['get'], apiGroups: [''], resources: ['persistentvolumeclaims', 'persistentvolumes'] },
  { verbs: ['get', 'update', 'patch'], apiGroups: [''], resources: ['persistentvolumeclaims/status'] },
  { verbs: ['get'], apiGroups: [''], resources: ['endpoints'] },
  // Client certificate rotation.
  { verbs: ['create', 'get', 'list', 'watch'], apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'] },
  // The node heartbeat (the Node authorizer keeps it to kube-node-lease/<itself>).
  { verbs: ['get', 'create', 'update', 'patch', 'delete'], apiGroups: ['coordination.k8s.io'], resources: ['leases'] },
  { verbs: ['get'], apiGroups: ['storage.k8s.io'], resources: ['volumeattachments'] },
  // Projected service-account tokens of its pods (the Node authorizer: only their accounts).
  { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
  { verbs: READ, apiGroups: ['storage.k8s.io'], resources: ['csidrivers'] },
  { verbs: ['get', 'create', 'update', 'patch', 'delete'], apiGroups: ['storage.k8s.io'], resources: ['csinodes'] },
  { verbs: READ, apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'] },
];
