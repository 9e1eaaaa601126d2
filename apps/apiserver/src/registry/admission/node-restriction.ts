/**
 * NodeRestriction admission, as upstream's plugin/pkg/admission/noderestriction: the Node
 * authorizer lets `system:node:<name>` write pods, nodes, leases and claim status at all
 * (nodeRules); this plugin keeps each write to the node's own objects.
 *
 * - pods: create only mirror pods bound to itself, owned by its Node and naming no secret,
 *   config map, claim or service account; status only of pods bound to itself (labels
 *   untouched); delete and evict only pods bound to itself.
 * - nodes: only its own Node; no node-restriction.kubernetes.io/ labels nor other
 *   kubernetes.io / k8s.io labels but the kubelet's own (hostname, os, arch, zone...) set or
 *   changed; taints fixed after registration (a node could otherwise shed a NoSchedule taint
 *   and draw workloads meant to stay away). A pod range once set is fixed for everyone by Node
 *   validation (libs/api validation/cluster.ts), as upstream.
 * - persistentvolumeclaims: only status.capacity and status.conditions.
 * - serviceaccounts/token: only tokens bound to a pod (by uid) running on itself.
 * - leases: only kube-node-lease/<itself>; csinodes: only its own.
 *
 * Refusals are 403s in upstream's words. Pods and Nodes it must look up come from the
 * apiserver's watched collections, never from etcd.
 */
import { isDeepStrictEqual } from 'node:util';
import { findResource, type Node, type Pod } from '@skiff/api';
import { errors } from '../../errors.ts';
import { nodeIdentity, NODE_LEASE_NAMESPACE } from '../../auth/node/node-authorizer.ts';
import { podReferences } from '../../auth/node/pod-references.ts';
import type { KubeObject } from '../../storage/store.ts';
import type { RegistryContext } from '../context.ts';
import { qualifiedOf } from '../object-helpers.ts';
import type { AdmissionAttributes, AdmissionPlugin } from './admission.ts';
import { forbiddenNodeLabels, modifiedLabels } from './node-restriction-labels.ts';

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
const podsResource = findResource('', 'v1', 'pods')!;
const nodesResource = findResource('', 'v1', 'nodes')!;

function forbidden(attrs: AdmissionAttributes, message: string) {
  return errors.forbidden(qualifiedOf(attrs.res), attrs.name, message);
}

/** A pod from the watched collection, or the 404 upstream's lister gives. */
async function watchedPod(ctx: RegistryContext, namespace: string | undefined, name: string): Promise<Pod> {
  const pods = ctx.watched.of(podsResource);
  await pods.synced;
  const pod = pods.get(namespace, name);
  if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, name);
  return pod as Pod;
}

async function admitMirrorPodCreate(ctx: RegistryContext, node: string, attrs: AdmissionAttributes): Promise<void> {
  const pod = attrs.object as Pod;
  if (!pod.metadata?.annotations || !(MIRROR_POD_ANNOTATION in pod.metadata.annotations)) {
    throw forbidden(attrs, `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`);
  }
  if (pod.spec?.nodeName !== node) throw forbidden(attrs, `node "${node}" can only create pods with spec.nodeName set to itself`);
  const owners = pod.metadata.ownerReferences ?? [];
  if (owners.length > 1) throw forbidden(attrs, `node "${node}" can only create pods with a single owner reference set to itself`);
  const owner = owners[0];
  if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node) {
    throw forbidden(attrs, `node "${node}" can only create pods with an owner reference set to itself`);
  }
  if (!owner.controller) throw forbidden(attrs, `node "${node}" can only create pods with a controller owner reference set to itself`);
  if (owner.blockOwnerDeletion) throw forbidden(attrs, `node "${node}" must not set blockOwnerDeletion on an owner reference`);
  const nodes = ctx.watched.of(nodesResource);
  await nodes.synced;
  const registered = nodes.get(undefined, node) as Node | undefined;
  if (!registered) throw errors.notFound({ group: '', resource: 'nodes' }, node);
  if (owner.uid !== registered.metadata?.uid) throw forbidden(attrs, `node ${node} UID mismatch: expected ${registered.metadata?.uid ?? ''} got ${owner.uid}`);
  const refs = podReferences(pod);
  if (refs.serviceAccount) throw forbidden(attrs, `node "${node}" can not create pods that reference a service account`);
  if (refs.secrets.size > 0) throw forbidden(attrs, `node "${node}" can not create pods that reference secrets`);
  if (refs.configMaps.size > 0) throw forbidden(attrs, `node "${node}" can not create pods that reference configmaps`);
  if ((pod.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim)) {
    throw forbidden(attrs, `node "${node}" can not create pods that reference persistentvolumeclaims`);
  }
}

async function admitPod(ctx: RegistryContext, node: string, attrs: AdmissionAttributes): Promise<void> {
  switch (attrs.subresource) {
    case '':
      if (attrs.operation === 'CREATE') return admitMirrorPodCreate(ctx, node, attrs);
      if (attrs.operation === 'DELETE') {
        if ((attrs.oldObject as Pod | undefined)?.spec?.nodeName !== node)
          throw forbidden(attrs, `node "${node}" can only delete pods with spec.nodeName set to itself`);
        return;
      }
      throw forbidden(attrs, `unexpected operation "${attrs.operation}", node "${node}" can only create and delete mirror pods`);
    case 'status': {
      if (attrs.operation !== 'UPDATE') throw forbidden(attrs, `unexpected operation "${attrs.operation}"`);
      const before = attrs.oldObject as Pod | undefined;
      if (before?.spec?.nodeName !== node) throw forbidden(attrs, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
      if (!isDeepStrictEqual(before.metadata?.labels ?? {}, attrs.object?.metadata.labels ?? {}))
        throw forbidden(attrs, `node "${node}" cannot update labels through pod status`);
      return;
    }
    case 'eviction': {
      if (attrs.operation !== 'CREATE') throw forbidden(attrs, `unexpected operation ${attrs.operation}`);
      const name = attrs.name || attrs.object?.metadata.name;
      if (!name) throw forbidden(attrs, 'could not determine pod from request data');
      const pod = await watchedPod(ctx, attrs.namespace, name);
      if (pod.spec?.nodeName !== node) throw forbidden(attrs, `node ${node} can only evict pods with spec.nodeName set to itself`);
      return;
    }
    default:
      throw forbidden(attrs, `unexpected subresource "${attrs.subresource}", only 'status' and 'eviction' are allowed`);
  }
}

function admitNode(node: string, attrs: AdmissionAttributes): void {
  if (attrs.name !== node) throw forbidden(attrs, `node "${node}" is not allowed to modify node "${attrs.name}"`);
  const after = attrs.object as Node | undefined;
  const before = attrs.oldObject as Node | undefined;
  if (attrs.operation === 'CREATE' && after) {
    const refused = forbiddenNodeLabels(modifiedLabels(after.metadata?.labels, undefined));
    if (refused.length > 0) throw forbidden(attrs, `is not allowed to set the following labels: ${refused.join(', ')}`);
  }
  if (attrs.operation === 'UPDATE' && after && before) {
    if (!isDeepStrictEqual(after.spec?.taints ?? [], before.spec?.taints ?? [])) throw forbidden(attrs, 'is not allowed to modify taints');
    const refused = forbiddenNodeLabels(modifiedLabels(after.metadata?.labels, before.metadata?.labels));
    if (refused.length > 0) throw forbidden(attrs, `is not allowed to modify labels: ${refused.join(', ')}`);
  }
}

/** Everything but what a kubelet reports of a volume's expansion, blanked for comparison. */
function claimWithoutNodeFields(pvc: KubeObject | undefined): unknown {
  const copy = structuredClone(pvc ?? { metadata: {} });
  delete copy.metadata.resourceVersion;
  const status = { ...(copy.status as Record<string, unknown> | undefined) };
  for (const field of ['capacity', 'conditions', 'allocatedResources', 'allocatedResourceStatuses']) delete status[field];
  return { ...copy, status };
}

function admitClaimStatus(node: string, attrs: AdmissionAttributes): void {
  if (attrs.subresource !== 'status') throw forbidden(attrs, 'may only update PVC status');
  if (attrs.operation !== 'UPDATE') throw forbidden(attrs, `unexpected operation "${attrs.operation}"`);
  if (!isDeepStrictEqual(claimWithoutNodeFields(attrs.oldObject), claimWithoutNodeFields(attrs.object))) {
    throw forbidden(attrs, `node "${node}" is not allowed to update fields other than status.capacity and status.conditions`);
  }
}

interface TokenRequestBody {
  spec?: { boundObjectRef?: { apiVersion?: string; kind?: string; name?: string; uid?: string } };
}

async function admitServiceAccountToken(ctx: RegistryContext, node: string, attrs: AdmissionAttributes): Promise<void> {
  if (attrs.operation !== 'CREATE' || attrs.subresource !== 'token') return;
  const ref = (attrs.object as TokenRequestBody | undefined)?.spec?.boundObjectRef;
  if (!ref || ref.apiVersion !== 'v1' || ref.kind !== 'Pod' || !ref.name) throw forbidden(attrs, 'node requested token not bound to a pod');
  if (!ref.uid) throw forbidden(attrs, 'node requested token with a pod binding without a uid');
  const pod = await watchedPod(ctx, attrs.namespace, ref.name);
  if (ref.uid !== pod.metadata?.uid) {
    throw forbidden(
      attrs,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
  if (pod.spec?.nodeName !== node) throw forbidden(attrs, 'node requested token bound to a pod scheduled on a different node');
}

function admitLease(node: string, attrs: AdmissionAttributes): void {
  if (attrs.namespace !== NODE_LEASE_NAMESPACE) throw forbidden(attrs, `can only access leases in the "${NODE_LEASE_NAMESPACE}" system namespace`);
  const name = attrs.operation === 'CREATE' ? attrs.object?.metadata.name : attrs.name;
  if (name !== node) throw forbidden(attrs, 'can only access node lease with the same name as the requesting node');
}

function admitCsiNode(node: string, attrs: AdmissionAttributes): void {
  const name = attrs.operation === 'CREATE' ? attrs.object?.metadata.name : attrs.name;
  if (name !== node) throw forbidden(attrs, 'can only access CSINode with the same name as the requesting node');
}

export const nodeRestrictionAdmission: AdmissionPlugin = {
  name: 'NodeRestriction',
  async validate(ctx, attrs) {
    const node = nodeIdentity(attrs.user);
    if (node === undefined) return;
    if (node === '') throw forbidden(attrs, `could not determine node from user "${attrs.user.username}"`);
    const { group, resource } = attrs.res;
    if (group === '' && resource === 'pods') return admitPod(ctx, node, attrs);
    if (group === '' && resource === 'nodes') return admitNode(node, attrs);
    if (group === '' && resource === 'persistentvolumeclaims') return admitClaimStatus(node, attrs);
    if (group === '' && resource === 'serviceaccounts') return admitServiceAccountToken(ctx, node, attrs);
    if (group === 'coordination.k8s.io' && resource === 'leases') return admitLease(node, attrs);
    if (group === 'storage.k8s.io' && resource === 'csinodes') return admitCsiNode(node, attrs);
  },
};
