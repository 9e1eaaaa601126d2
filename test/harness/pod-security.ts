/**
 * The apiserver enforces the baseline Pod Security Standard in every namespace but kube-system.
 * Suites whose pods reach the node on purpose (hostPath, hostPort) label their namespace
 * privileged first, as upstream's node e2e suites do.
 */
import { findResource } from '@skiff/api';
import type { RestClient } from '@skiff/client';

const namespaces = findResource('', 'v1', 'namespaces')!;

export const PRIVILEGED_LABELS = { 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn': 'privileged' };

/** Labels `namespace` `pod-security.kubernetes.io/enforce=privileged` (and warn) so host-touching pods are admitted. */
export async function allowPrivilegedPods(api: RestClient, namespace: string): Promise<void> {
  await api.patch(namespaces, undefined, namespace, 'merge', { metadata: { labels: PRIVILEGED_LABELS } });
}
