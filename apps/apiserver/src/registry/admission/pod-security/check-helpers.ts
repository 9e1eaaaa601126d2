/**
 * What the Pod Security Standards' checks share: a check reads a pod's metadata and spec and
 * answers with upstream's reason and detail when the pod breaks it (pod-security-admission's
 * policy package words them; the admission error joins them as `reason (detail)`).
 */
import type { Container, Pod, PodSpec } from '@skiff/api';

export type PodMeta = NonNullable<Pod['metadata']>;

/** A broken control: `hostPath volumes` / `volume "root"`. */
export interface Violation {
  reason: string;
  detail: string;
}

export type Level = 'privileged' | 'baseline' | 'restricted';

export interface Check {
  /** Upstream's check ID; checks run (and their violations are listed) in upstream's order. */
  id: string;
  level: Exclude<Level, 'privileged'>;
  /** The first policy version (v1.<since>) the check belongs to; absent: every version. */
  since?: number;
  /** Baseline checks this stricter check replaces at the restricted level. */
  overrides?: string[];
  /** `minor`: the policy version's minor (Infinity for latest). */
  run(meta: PodMeta, spec: PodSpec, minor: number): Violation | undefined;
}

export const pluralize = (one: string, many: string, count: number): string => (count === 1 ? one : many);

/** Go's `%q` for the names and values Kubernetes allows (JSON quoting is the same for them). */
export const quote = (s: string): string => JSON.stringify(s);

export const joinQuote = (items: readonly string[]): string => items.map(quote).join(', ');

/** A set's members in Go's sets.List() order. */
export const sorted = (items: Iterable<string>): string[] => [...new Set(items)].sort();

/** `container "a"` / `containers "a", "b"`. */
export const containersPhrase = (names: readonly string[]): string => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

/** Init containers, containers, then ephemeral containers, as upstream visits them. */
export function visitContainers(spec: PodSpec, visit: (c: Container) => void): void {
  for (const c of spec.initContainers ?? []) visit(c);
  for (const c of spec.containers ?? []) visit(c);
  for (const c of spec.ephemeralContainers ?? []) visit(c as Container);
}

/** Names of the containers for which `bad` holds. */
export function containersWhere(spec: PodSpec, bad: (c: Container) => boolean): string[] {
  const names: string[] = [];
  visitContainers(spec, (c) => {
    if (bad(c)) names.push(c.name);
  });
  return names;
}

/** `pod and containers "a", "b"`: who set a forbidden value. */
export function settersPhrase(pod: boolean, containers: readonly string[]): string {
  const setters = pod ? ['pod'] : [];
  if (containers.length > 0) setters.push(containersPhrase(containers));
  return setters.join(' and ');
}

/** Pods in a user namespace (spec.hostUsers=false) are spared the root-related restricted checks (KEP-127). */
export const inUserNamespace = (spec: PodSpec): boolean => spec.hostUsers === false;

/** Windows pods are spared the Linux-only restricted checks (capabilities, privilege escalation, seccomp). */
export const isWindowsPod = (spec: PodSpec): boolean => spec.os?.name === 'windows';
