/**
 * What the disruption and autoscaling steps (issue #19 §4) share on their 3-node lab: filled in by
 * disruption.test.ts's `before`, read by each step inside its `it`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RestClient, RestConfig } from '@skiff/client';
import { REPO_ROOT, type KubectlBinary } from '../../harness/index.ts';
import type { Lab } from '../../harness/lab.ts';

export interface DisruptionContext {
  lab: Lab;
  client: RestClient;
  /** The admin credentials, for raw requests whose HTTP status a step asserts (eviction's 201 and 429). */
  admin: RestConfig;
  /** The newest upstream kubectl. */
  bin: KubectlBinary;
  /** Upstream kubectl against the lab; throws on a non-zero exit. */
  kc(args: string[], stdin?: string, timeoutMs?: number): Promise<string>;
  /** Skiff's own kubectl (apps/kubectl) against the lab; throws on a non-zero exit. */
  skiffKc(args: string[], stdin?: string, timeoutMs?: number): Promise<string>;
}

export function emptyDisruptionContext(): DisruptionContext {
  return {} as DisruptionContext;
}

/** A manifest from deploy/examples, as the README's tour applies it. */
export function example(name: string): string {
  return readFileSync(join(REPO_ROOT, 'deploy/examples', name), 'utf8');
}

/** "12.3 s since `since`", for the progress lines every e2e step prints. */
export function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
