/**
 * What the edge steps (issue #17: Ingress, LoadBalancer, hostPort, NetworkPolicy) share with the
 * service-networking suite whose 3-node lab they run on: filled in by its `before`, read by each step.
 */
import type { RestClient } from '@skiff/client';
import type { KubectlBinary } from '../../harness/index.ts';
import type { Lab } from '../../harness/lab.ts';

export interface EdgeContext {
  lab: Lab;
  client: RestClient;
  bin: KubectlBinary;
  /** The three nodes' names, in lab order. */
  nodes: [string, string, string];
  /** kubectl against the lab's admin kubeconfig; throws on a non-zero exit. */
  kc(args: string[], stdin?: string, timeoutMs?: number): Promise<string>;
  /** A command in a pod's first container, on the node it runs on. */
  inPod(node: string, pod: string, cmd: string[], namespace?: string): Promise<{ exitCode: number; output: string }>;
}

/** The context object the suite fills in `before`; steps read it only inside their `it`s. */
export function emptyEdgeContext(): EdgeContext {
  return {} as EdgeContext;
}
