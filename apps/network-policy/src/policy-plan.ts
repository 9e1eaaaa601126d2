/** What the resolver hands the renderer: per isolated local pod, what each direction allows. */

/** A protocol with one port, a range, or (no port) every port of it. */
export interface PortMatch {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port?: number;
  /** Inclusive end of a range starting at `port`. */
  endPort?: number;
}

/** One allowed (peers × ports) product; undefined means "any". */
export interface Allow {
  /** Peer IPv4 CIDRs (pod IPs as /32 are written bare). */
  peers?: string[];
  ports?: PortMatch[];
}

/** The rules one policy contributes to one pod and direction, ports resolved for that pod. */
export interface PolicyRules {
  /** 'namespace/name' of the NetworkPolicy. */
  policy: string;
  allows: Allow[];
}

/**
 * A pod on this node with its IP. A direction is isolated when it is defined (even empty:
 * selected by a policy of that type whose rules allow nothing = deny all).
 */
export interface PodPlan {
  /** 'namespace/name'. */
  pod: string;
  ip: string;
  ingress?: PolicyRules[];
  egress?: PolicyRules[];
}
